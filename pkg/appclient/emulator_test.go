package appclient_test

import (
	"context"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

const poolID = "us-east-1_EXAMPLE01"

// newSDK returns the real SDK client pointed at endpoint.
func newSDK(endpoint string) *cip.Client {
	return cip.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(endpoint),
		// The production retryer (same attempts, same errors retried) with its pause capped at
		// 1 ms, so that a test of what is resent does not wait for the backoff;
		// TestRetryerRealBackoff uses the real one.
		Retryer: func() aws.Retryer { return retry.AddWithMaxBackoffDelay(appclient.Retryer(3)(), time.Millisecond) },
	})
}

func startEmulator(t *testing.T) (*emulator.Emulator, *cip.Client) {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	if _, err := emu.CreatePool(poolID, "pool"); err != nil {
		t.Fatal(err)
	}
	// The emulator checks what a client refers to against its pool, as
	// Cognito does: define richClient's providers and custom attribute.
	for _, idp := range [][2]string{{"Google", "Google"}, {"corp-saml", "SAML"}} {
		if err := emu.AddIdentityProvider(poolID, idp[0], idp[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := emu.AddCustomAttributes(poolID, "tenant"); err != nil {
		t.Fatal(err)
	}
	return emu, newSDK(srv.URL)
}

// richClient sets every kind of setting a partial update would lose.
func richClient(name string) *cip.CreateUserPoolClientInput {
	return &cip.CreateUserPoolClientInput{
		UserPoolId:                      aws.String(poolID),
		ClientName:                      aws.String(name),
		GenerateSecret:                  true,
		CallbackURLs:                    []string{"https://app.example.com/cb", "https://app.example.com/cb2", "http://localhost:3000/cb"},
		LogoutURLs:                      []string{"https://app.example.com/logout", "https://app.example.com/bye"},
		DefaultRedirectURI:              aws.String("https://app.example.com/cb"),
		AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes:              []string{"openid", "email", "profile", "phone"},
		ReadAttributes:                  []string{"email", "email_verified", "name", "custom:tenant"},
		WriteAttributes:                 []string{"email", "name"},
		SupportedIdentityProviders:      []string{"COGNITO", "Google", "corp-saml"},
		AnalyticsConfiguration: &types.AnalyticsConfigurationType{
			ApplicationArn: aws.String("arn:aws:mobiletargeting:us-east-1:123456789012:apps/0123456789abcdef0123456789abcdef"),
			UserDataShared: true,
		},
		TokenValidityUnits: &types.TokenValidityUnitsType{
			AccessToken: types.TimeUnitsTypeMinutes, IdToken: types.TimeUnitsTypeMinutes, RefreshToken: types.TimeUnitsTypeDays,
		},
		AccessTokenValidity:                      aws.Int32(30),
		IdTokenValidity:                          aws.Int32(45),
		RefreshTokenValidity:                     7,
		RefreshTokenRotation:                     &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(10)},
		ExplicitAuthFlows:                        []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowCustomAuth},
		PreventUserExistenceErrors:               types.PreventUserExistenceErrorTypesEnabled,
		EnableTokenRevocation:                    aws.Bool(true),
		EnablePropagateAdditionalUserContextData: aws.Bool(true),
		AuthSessionValidity:                      aws.Int32(5),
	}
}

// sameClient compares described clients the way Cognito means them: list
// order is not kept by Describe, and LastModifiedDate moves on every write.
var sameClient = diff.Options{
	diff.IgnoreUnexported(types.UserPoolClientType{}, types.AnalyticsConfigurationType{},
		types.TokenValidityUnitsType{}, types.RefreshTokenRotationType{}),
	diff.IgnoreFields(types.UserPoolClientType{}, "LastModifiedDate"),
	diff.SortSlices(func(a, b string) bool { return a < b }),
	diff.SortSlices(func(a, b types.OAuthFlowType) bool { return a < b }),
	diff.SortSlices(func(a, b types.ExplicitAuthFlowsType) bool { return a < b }),
}

// TestUpdateKeepsEverythingElse is the point of the package: a one-field fix
// sent through Update leaves every other setting as it was.
func TestUpdateKeepsEverythingElse(t *testing.T) {
	tests := []struct {
		name   string
		create *cip.CreateUserPoolClientInput
		fix    func(c *types.UserPoolClientType)
	}{
		{
			name:   "rich client, shorter access token",
			create: richClient("web-portal"),
			fix:    func(c *types.UserPoolClientType) { c.AccessTokenValidity = aws.Int32(15) },
		},
		{
			name:   "rich client, forbidden auth flow removed",
			create: richClient("web-portal"),
			fix: func(c *types.UserPoolClientType) {
				c.ExplicitAuthFlows = slices.DeleteFunc(c.ExplicitAuthFlows, func(f types.ExplicitAuthFlowsType) bool {
					return f == types.ExplicitAuthFlowsTypeAllowCustomAuth
				})
			},
		},
		{
			// Described with TokenValidityUnits {} and most fields absent.
			name:   "minimal client, user existence errors enabled",
			create: &cip.CreateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientName: aws.String("mobile-app")},
			fix: func(c *types.UserPoolClientType) {
				c.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, sdk := startEmulator(t)
			ctx := context.Background()
			created, err := sdk.CreateUserPoolClient(ctx, tt.create)
			if err != nil {
				t.Fatal(err)
			}
			clientID := aws.ToString(created.UserPoolClient.ClientId)
			ac := appclient.New(sdk)

			before, err := ac.Describe(ctx, poolID, clientID)
			if err != nil {
				t.Fatal(err)
			}
			fixed, err := ac.Describe(ctx, poolID, clientID) // a separate copy to edit
			if err != nil {
				t.Fatal(err)
			}
			tt.fix(fixed)
			emu.ResetCalls()

			updated, err := ac.Update(ctx, fixed)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			after, err := ac.Describe(ctx, poolID, clientID)
			if err != nil {
				t.Fatal(err)
			}

			want := before
			tt.fix(want)
			if diff := diff.Diff(want, after, sameClient); diff != "" {
				t.Errorf("described after the fix (-want +got):\n%s", diff)
			}
			if diff := diff.Diff(after, updated, sameClient); diff != "" {
				t.Errorf("Update result differs from the next Describe (-want +got):\n%s", diff)
			}
			if got := ops(emu.Calls()); !slices.Equal(got, []string{"UpdateUserPoolClient", "DescribeUserPoolClient"}) {
				t.Errorf("calls = %v, want one update and one describe", got)
			}
		})
	}
}

// TestPartialUpdateDestroys shows the emulator can catch the bug Update
// avoids: the same fix sent alone resets the rest of the client.
func TestPartialUpdateDestroys(t *testing.T) {
	_, sdk := startEmulator(t)
	ctx := context.Background()
	created, err := sdk.CreateUserPoolClient(ctx, richClient("web-portal"))
	if err != nil {
		t.Fatal(err)
	}
	clientID := aws.ToString(created.UserPoolClient.ClientId)
	ac := appclient.New(sdk)
	before, err := ac.Describe(ctx, poolID, clientID)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := sdk.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId:          aws.String(poolID),
		ClientId:            aws.String(clientID),
		AccessTokenValidity: aws.Int32(15),
		TokenValidityUnits:  before.TokenValidityUnits,
	}); err != nil {
		t.Fatal(err)
	}
	after, err := ac.Describe(ctx, poolID, clientID)
	if err != nil {
		t.Fatal(err)
	}

	var lost []string
	b, a := reflect.ValueOf(before).Elem(), reflect.ValueOf(after).Elem()
	for i := range b.NumField() {
		f := b.Type().Field(i)
		if f.IsExported() && f.Name != "LastModifiedDate" && !diff.Equal(b.Field(i).Interface(), a.Field(i).Interface(), sameClient) {
			lost = append(lost, f.Name)
		}
	}
	// Everything the partial request did not name, except what Cognito keeps
	// outside the settings (name, secret) or what happens to equal the
	// default (EnableTokenRevocation true).
	want := []string{
		"AccessTokenValidity", // the fix itself
		"AllowedOAuthFlows", "AllowedOAuthFlowsUserPoolClient", "AllowedOAuthScopes", "AnalyticsConfiguration",
		"AuthSessionValidity", "CallbackURLs", "DefaultRedirectURI", "EnablePropagateAdditionalUserContextData",
		"ExplicitAuthFlows", "IdTokenValidity", "LogoutURLs", "PreventUserExistenceErrors", "ReadAttributes",
		"RefreshTokenRotation", "RefreshTokenValidity", "SupportedIdentityProviders", "WriteAttributes",
	}
	if diff := diff.Diff(want, lost); diff != "" {
		t.Errorf("fields changed by the partial update (-want +got):\n%s", diff)
	}
}

func TestSecretStaysInside(t *testing.T) {
	_, sdk := startEmulator(t)
	ctx := context.Background()
	created, err := sdk.CreateUserPoolClient(ctx, richClient("web-portal"))
	if err != nil {
		t.Fatal(err)
	}
	secret := aws.ToString(created.UserPoolClient.ClientSecret)
	if secret == "" {
		t.Fatal("emulator returned no secret for a GenerateSecret client")
	}
	clientID := aws.ToString(created.UserPoolClient.ClientId)
	ac := appclient.New(sdk)

	described, err := ac.Describe(ctx, poolID, clientID)
	if err != nil {
		t.Fatal(err)
	}
	updated, err := ac.Update(ctx, described)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*types.UserPoolClientType{"Describe": described, "Update": updated} {
		if got := aws.ToString(c.ClientSecret); got != appclient.RedactedSecret {
			t.Errorf("%s ClientSecret = %q, want %q", name, got, appclient.RedactedSecret)
		}
	}
	raw, err := sdk.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(raw.UserPoolClient.ClientSecret) != secret {
		t.Error("the secret changed across an update")
	}
}

func TestErrorsThroughEmulator(t *testing.T) {
	t.Parallel() // waits on its own server, not the CPU
	emu, sdk := startEmulator(t)
	ctx := context.Background()
	created, err := sdk.CreateUserPoolClient(ctx, richClient("web-portal"))
	if err != nil {
		t.Fatal(err)
	}
	clientID := aws.ToString(created.UserPoolClient.ClientId)
	ac := appclient.New(sdk)
	good, err := ac.Describe(ctx, poolID, clientID)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		fault     string // injected into the next 2 UpdateUserPoolClient calls
		edit      func(c *types.UserPoolClientType)
		wantClass appclient.Class
		wantErr   bool
		wantCalls int
	}{
		{name: "concurrent modification is not resent", fault: "ConcurrentModificationException", wantErr: true, wantClass: appclient.Retryable, wantCalls: 1},
		// An update is a full-field replace built from a describe: never
		// resent as it was (the caller describes again), unlike reads.
		{name: "throttled update is not resent", fault: "TooManyRequestsException", wantErr: true, wantClass: appclient.Retryable, wantCalls: 1},
		{name: "internal error is not resent", fault: "InternalErrorException", wantErr: true, wantClass: appclient.Retryable, wantCalls: 1},
		{
			name:      "redirect outside the callbacks is terminal, sent once",
			edit:      func(c *types.UserPoolClientType) { c.DefaultRedirectURI = aws.String("https://elsewhere.example.com/") },
			wantErr:   true,
			wantClass: appclient.Terminal,
			wantCalls: 1,
		},
		{
			name: "client_credentials beside code is terminal",
			edit: func(c *types.UserPoolClientType) {
				c.AllowedOAuthFlows = append(c.AllowedOAuthFlows, types.OAuthFlowTypeClientCredentials)
			},
			wantErr:   true,
			wantClass: appclient.Terminal,
			wantCalls: 1,
		},
		{
			name:      "deleted client is not found",
			edit:      func(c *types.UserPoolClientType) { c.ClientId = aws.String("0000000000000000000000000a") },
			wantErr:   true,
			wantClass: appclient.NotFound,
			wantCalls: 1,
		},
		{
			name:      "missing pool ID is rejected before sending",
			edit:      func(c *types.UserPoolClientType) { c.UserPoolId = nil },
			wantErr:   true,
			wantClass: appclient.Terminal,
			wantCalls: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu.ResetCalls()
			if tt.fault != "" {
				n := 2
				if tt.wantErr {
					n = tt.wantCalls // a fault the SDK does not retry is met once
				}
				emu.Fail("UpdateUserPoolClient", n, tt.fault)
			}
			c := *good
			if tt.edit != nil {
				tt.edit(&c)
			}
			_, err := ac.Update(ctx, &c)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Update error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if got := appclient.Classify(err); got != tt.wantClass {
					t.Errorf("Classify(%v) = %s, want %s", err, got, tt.wantClass)
				}
				if strings.Contains(err.Error(), aws.ToString(created.UserPoolClient.ClientSecret)) {
					t.Error("error text contains the client secret")
				}
			}
			if got := len(emu.Calls()); got != tt.wantCalls {
				t.Errorf("UpdateUserPoolClient calls = %d, want %d (%v)", got, tt.wantCalls, emu.Calls())
			}
		})
	}
	// Reads keep the SDK's retries: a throttled or failed describe is resent.
	for _, fault := range []string{"TooManyRequestsException", "InternalErrorException"} {
		emu.ResetCalls()
		emu.Fail("DescribeUserPoolClient", 2, fault)
		if _, err := ac.Describe(ctx, poolID, clientID); err != nil {
			t.Errorf("Describe after 2 %s: %v, want success on the third attempt", fault, err)
		}
		if got := len(emu.Calls()); got != 3 {
			t.Errorf("DescribeUserPoolClient calls after 2 %s = %d, want 3", fault, got)
		}
	}

	if _, err := ac.Describe(ctx, poolID, "0000000000000000000000000a"); appclient.Classify(err) != appclient.NotFound {
		t.Errorf("Describe of a missing client: Classify(%v) = %s, want not-found", err, appclient.Classify(err))
	}
	if _, err := ac.Describe(ctx, "us-east-1_MISSING00", clientID); appclient.Classify(err) != appclient.NotFound {
		t.Errorf("Describe in a missing pool: Classify(%v) = %s, want not-found", err, appclient.Classify(err))
	}
}

func TestPagesThroughEmulator(t *testing.T) {
	emu, sdk := startEmulator(t)
	ctx := context.Background()
	wantPools := []string{poolID}
	for range 129 { // 130 pools: pages of 60, 60, 10
		id, err := emu.CreatePool("", "p")
		if err != nil {
			t.Fatal(err)
		}
		wantPools = append(wantPools, id)
	}
	var wantClients []string
	for range 61 {
		id, err := emu.PutClient(poolID, types.UserPoolClientType{ClientName: aws.String("c")})
		if err != nil {
			t.Fatal(err)
		}
		wantClients = append(wantClients, id)
	}
	ac := appclient.New(sdk)

	var pools, tokens []string
	err := ac.PoolPages(ctx, "", func(page []types.UserPoolDescriptionType, next string) error {
		for _, p := range page {
			pools = append(pools, aws.ToString(p.Id))
		}
		tokens = append(tokens, next)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(wantPools, pools, diff.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("pools (-want +got):\n%s", diff)
	}
	if len(tokens) != 3 || tokens[2] != "" {
		t.Fatalf("page tokens = %q, want 3 pages ending with \"\"", tokens)
	}

	// Resuming from the token after the first page yields exactly the rest.
	var rest []string
	if err := ac.PoolPages(ctx, tokens[0], func(page []types.UserPoolDescriptionType, _ string) error {
		for _, p := range page {
			rest = append(rest, aws.ToString(p.Id))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(pools[60:], rest); diff != "" {
		t.Errorf("resumed pools (-want +got):\n%s", diff)
	}

	var clients []string
	pages := 0
	if err := ac.ClientPages(ctx, poolID, "", func(page []types.UserPoolClientDescription, _ string) error {
		pages++
		for _, c := range page {
			clients = append(clients, aws.ToString(c.ClientId))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(wantClients, clients, diff.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("clients (-want +got):\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("client pages = %d, want 2", pages)
	}

	err = ac.ClientPages(ctx, "us-east-1_MISSING00", "", func([]types.UserPoolClientDescription, string) error {
		t.Error("fn called for a missing pool")
		return nil
	})
	if appclient.Classify(err) != appclient.NotFound {
		t.Errorf("ClientPages of a missing pool: Classify(%v) = %s, want not-found", err, appclient.Classify(err))
	}
}

func ops(calls []emulator.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Op)
	}
	return out
}
