package appclient_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/moto"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// TestMoto checks Describe, Update and the list calls over moto's
// implementation of the wire protocol, a second opinion on the emulator's.
// moto merges an update into the stored client instead of replacing it, so
// this test cannot show that Update is lossless; the emulator tests do.
func TestMoto(t *testing.T) {
	t.Parallel()       // waits on its own server, not the CPU
	m := moto.Start(t) // an account of its own in the moto server the test binaries share
	sdk := cip.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.StaticCredentialsProvider{Value: m.Credentials},
		BaseEndpoint: aws.String(m.URL),
		Retryer:      appclient.Retryer(3),
	})
	ctx := context.Background()

	pool, err := sdk.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("guard")})
	if err != nil {
		t.Fatal(err)
	}
	pid := aws.ToString(pool.UserPool.Id)
	in := richClient("web-portal")
	in.UserPoolId = aws.String(pid)
	in.AnalyticsConfiguration = nil // moto does not model Pinpoint
	created, err := sdk.CreateUserPoolClient(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	cid := aws.ToString(created.UserPoolClient.ClientId)
	ac := appclient.New(sdk)

	before, err := ac.Describe(ctx, pid, cid)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(before.ClientSecret) != appclient.RedactedSecret {
		t.Errorf("ClientSecret = %q, want it redacted", aws.ToString(before.ClientSecret))
	}
	fixed, err := ac.Describe(ctx, pid, cid)
	if err != nil {
		t.Fatal(err)
	}
	fixed.AccessTokenValidity = aws.Int32(15)
	if _, err := ac.Update(ctx, fixed); err != nil {
		t.Fatalf("Update over moto: %v", err)
	}
	after, err := ac.Describe(ctx, pid, cid)
	if err != nil {
		t.Fatal(err)
	}
	want := before
	want.AccessTokenValidity = aws.Int32(15)
	if diff := diff.Diff(want, after, sameClient); diff != "" {
		t.Errorf("described after the fix (-want +got):\n%s", diff)
	}

	var pools []string
	if err := ac.PoolPages(ctx, "", func(page []types.UserPoolDescriptionType, _ string) error {
		for _, p := range page {
			pools = append(pools, aws.ToString(p.Id))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pools, pid) {
		t.Errorf("PoolPages = %v, want it to contain %s", pools, pid)
	}
	var clients []string
	if err := ac.ClientPages(ctx, pid, "", func(page []types.UserPoolClientDescription, _ string) error {
		for _, c := range page {
			clients = append(clients, fmt.Sprintf("%s/%s", aws.ToString(c.ClientId), aws.ToString(c.ClientName)))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff([]string{cid + "/web-portal"}, clients); diff != "" {
		t.Errorf("ClientPages (-want +got):\n%s", diff)
	}

	if _, err := ac.Describe(ctx, pid, "0000000000000000000000000a"); appclient.Classify(err) != appclient.NotFound {
		t.Errorf("Describe of a missing client: Classify(%v) = %s, want not-found", err, appclient.Classify(err))
	}
}
