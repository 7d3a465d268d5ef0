package policy_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// describeFixture decodes testdata/clients/<name>, a DescribeUserPoolClient
// response body, with the SDK's own deserializer: the fixture is served to
// a real client by an in-memory transport. The SDK types carry no JSON tags
// and CreationDate is an epoch number, so json.Unmarshal would not read
// what Cognito sends.
func describeFixture(t testing.TB, name string) *types.UserPoolClientType {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "clients", name))
	if err != nil {
		t.Fatal(err)
	}
	c := describeBody(body)
	if c == nil {
		t.Fatalf("%s: no UserPoolClient", name)
	}
	return c
}

func describeBody(body []byte) *types.UserPoolClientType {
	api := cip.New(cip.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String("http://cognito.fixture.invalid"),
		Credentials:      aws.AnonymousCredentials{},
		HTTPClient:       describeOnly(body),
		RetryMaxAttempts: 1,
	})
	out, err := api.DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String("us-east-1_EXAMPLE01"), ClientId: aws.String("fixture"),
	})
	if err != nil {
		panic(err)
	}
	return out.UserPoolClient
}

// describeOnly answers DescribeUserPoolClient with a fixed body and panics on
// any other call.
type describeOnly []byte

func (b describeOnly) Do(r *http.Request) (*http.Response, error) {
	if got := r.Header.Get("X-Amz-Target"); got != "AWSCognitoIdentityProviderService.DescribeUserPoolClient" {
		panic(fmt.Sprintf("unexpected call %q", got))
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/x-amz-json-1.1"}},
		Body:       io.NopCloser(bytes.NewReader(b)),
		Request:    r,
	}, nil
}

func mustParse(t testing.TB, doc string) *policy.Baseline {
	t.Helper()
	b, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return b
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
