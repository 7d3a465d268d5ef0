package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

type wireResp struct {
	status    int
	errorType string // X-Amzn-ErrorType
	body      map[string]any
}

// post sends a raw AWS JSON 1.1 request, as the AWS CLI would.
func post(t *testing.T, url, target, body string) wireResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := wireResp{status: resp.StatusCode, errorType: resp.Header.Get("X-Amzn-ErrorType")}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("response %q is not a JSON object: %v", raw, err)
	}
	return out
}

// TestWire pins the wire format details the SDK hides: omitted members,
// TokenValidityUnits {}, epoch-second timestamps, error envelopes.
func TestWire(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	const cog = "AWSCognitoIdentityProviderService."

	created := post(t, e.url, cog+"CreateUserPoolClient", `{"UserPoolId":"`+poolID+`","ClientName":"mobile-app"}`)
	if created.status != http.StatusOK {
		t.Fatalf("create: %d %v", created.status, created.body)
	}
	c := created.body["UserPoolClient"].(map[string]any)
	id := c["ClientId"].(string)
	got := post(t, e.url, cog+"DescribeUserPoolClient", `{"UserPoolId":"`+poolID+`","ClientId":"`+id+`"}`).body["UserPoolClient"].(map[string]any)
	want := map[string]any{
		"UserPoolId":                               poolID,
		"ClientName":                               "mobile-app",
		"ClientId":                                 id,
		"LastModifiedDate":                         float64(e.clock.t.Unix()),
		"CreationDate":                             float64(e.clock.t.Unix()),
		"RefreshTokenValidity":                     30.0,
		"TokenValidityUnits":                       map[string]any{},
		"ExplicitAuthFlows":                        got["ExplicitAuthFlows"],
		"AllowedOAuthFlowsUserPoolClient":          false,
		"EnableTokenRevocation":                    true,
		"EnablePropagateAdditionalUserContextData": false,
		"AuthSessionValidity":                      3.0,
		"RefreshTokenRotation":                     map[string]any{"Feature": "DISABLED", "RetryGracePeriodSeconds": 0.0},
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("describe JSON (-want +got):\n%s", diff)
	}

	// The SDK never sends RefreshTokenValidity 0, the CLI and other SDKs
	// can: AWS substitutes the 30-day default (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
	zero := post(t, e.url, cog+"CreateUserPoolClient", `{"UserPoolId":"`+poolID+`","ClientName":"zero","RefreshTokenValidity":0}`)
	if got := zero.body["UserPoolClient"].(map[string]any)["RefreshTokenValidity"]; got != 30.0 {
		t.Errorf("RefreshTokenValidity 0 stored as %v, want 30", got)
	}

	errs := []struct {
		name, target, body string
		status             int
		errType            string
	}{
		{"not found", cog + "DescribeUserPoolClient", `{"UserPoolId":"` + poolID + `","ClientId":"nope"}`, 400, "ResourceNotFoundException"},
		{"malformed pool ID", cog + "DescribeUserPoolClient", `{"UserPoolId":"nopool","ClientId":"abc"}`, 400, "InvalidParameterException"},
		{"malformed client ID", cog + "DescribeUserPoolClient", `{"UserPoolId":"` + poolID + `","ClientId":"a/b"}`, 400, "InvalidParameterException"},
		{"rotation without feature", cog + "UpdateUserPoolClient", `{"UserPoolId":"` + poolID + `","ClientId":"` + id + `","RefreshTokenRotation":{}}`, 400, "InvalidParameterException"},
		{"list pools without MaxResults", cog + "ListUserPools", `{}`, 400, "InvalidParameterException"},
		{"list clients MaxResults 61", cog + "ListUserPoolClients", `{"UserPoolId":"` + poolID + `","MaxResults":61}`, 400, "InvalidParameterException"},
		{"bad token", cog + "ListUserPoolClients", `{"UserPoolId":"` + poolID + `","NextToken":"!!"}`, 400, "InvalidParameterException"},
		{"malformed JSON", cog + "DescribeUserPoolClient", `{`, 400, "SerializationException"},
		{"unknown op", cog + "AdminDeleteUser", `{}`, 400, "UnknownOperationException"},
		{"ssm not found", "AmazonSSM.GetParameter", `{"Name":"/nope"}`, 400, "ParameterNotFound"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, e.url, tt.target, tt.body)
			if r.status != tt.status || r.errorType != tt.errType || r.body["__type"] != tt.errType {
				t.Errorf("got %d %q %v, want %d %s", r.status, r.errorType, r.body, tt.status, tt.errType)
			}
			if msg, _ := r.body["message"].(string); msg == "" {
				t.Errorf("no message in %v", r.body)
			}
		})
	}
}

// TestClientErrorsAre400: the real service answers every modelled client
// error with HTTP 400 (see statusFor for the sources), server faults 500.
func TestClientErrorsAre400(t *testing.T) {
	emu := emulator.New(emulator.Options{})
	for _, c := range []struct {
		errType string
		status  int
	}{
		{"ResourceNotFoundException", 400},
		{"TooManyRequestsException", 400},
		{"NotAuthorizedException", 400},
		{"ConcurrentModificationException", 400},
		{"FeatureUnavailableInTierException", 400},
		{"InternalErrorException", 500},
	} {
		emu.Fail("ListUserPools", 1, c.errType)
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"MaxResults":1}`))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.ListUserPools")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != c.status || rec.Header().Get("X-Amzn-ErrorType") != c.errType {
			t.Errorf("%s: HTTP %d %q, want %d", c.errType, rec.Code, rec.Header().Get("X-Amzn-ErrorType"), c.status)
		}
	}
}
