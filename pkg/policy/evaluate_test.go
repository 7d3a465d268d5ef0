package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

var now = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// client builds a described client from the JSON members of a
// DescribeUserPoolClient response, decoded by the SDK.
func client(members string) string {
	base := `"UserPoolId": "us-east-1_EXAMPLE01", "ClientId": "6example0client0id0test01", "ClientName": "test"`
	if members != "" {
		base += ", " + members
	}
	return `{"UserPoolClient": {` + base + `}}`
}

const oauthClient = `"AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"]`

func fieldOf(rule string) string { return rule[:strings.LastIndex(rule, ".")] }

func fixed(rule string, current any, required string, fix any) policy.Finding {
	return policy.Finding{Rule: rule, Field: fieldOf(rule), Current: current, Required: required,
		Action: policy.Enforce, Fixable: true, Fix: fix}
}

func unfixable(rule string, current any, required, reason string) policy.Finding {
	return policy.Finding{Rule: rule, Field: fieldOf(rule), Current: current, Required: required,
		Action: policy.Enforce, Reason: reason}
}

func reported(f policy.Finding) policy.Finding {
	f.Action = policy.Report
	return f
}

type evalCase struct {
	name    string
	rules   string
	client  string
	want    []policy.Finding
	changes []policy.Change // nil: one change per fixable finding, Current to Fix
}

// TestEvaluateForms covers every field with the forms it takes, against
// describe output with absent defaults, reordered lists and other units.
func TestEvaluateForms(t *testing.T) {
	const https = "every URL must use https (no http, loopback included)"
	tests := []evalCase{
		// Durations.
		{name: "access absent is 1h", rules: `"AccessTokenValidity": {"max": "30m"}`, client: client(""),
			want: []policy.Finding{fixed("AccessTokenValidity.max", "1h", "<= 30m", "30m")}},
		{name: "access in minutes within max", rules: `"AccessTokenValidity": {"max": "2h"}`,
			client: client(`"AccessTokenValidity": 120, "TokenValidityUnits": {"AccessToken": "minutes"}`)},
		{name: "access in seconds over max", rules: `"AccessTokenValidity": {"max": "1h"}`,
			client: client(`"AccessTokenValidity": 3601, "TokenValidityUnits": {"AccessToken": "seconds"}`),
			want:   []policy.Finding{fixed("AccessTokenValidity.max", "3601s", "<= 1h", "1h")}},
		{name: "id below min", rules: `"IdTokenValidity": {"min": "2h", "max": "1d"}`,
			client: client(`"IdTokenValidity": 1, "TokenValidityUnits": {}`),
			want:   []policy.Finding{fixed("IdTokenValidity.min", "1h", ">= 2h", "2h")}},
		{name: "id equals", rules: `"IdTokenValidity": "90m"`, client: client(`"IdTokenValidity": 2`),
			want: []policy.Finding{fixed("IdTokenValidity.equals", "2h", "= 90m", "90m")}},
		{name: "refresh 0 is 30d", rules: `"RefreshTokenValidity": {"max": "7d"}`, client: client(`"RefreshTokenValidity": 0`),
			want: []policy.Finding{fixed("RefreshTokenValidity.max", "30d", "<= 7d", "7d")}},
		{name: "refresh in minutes below min", rules: `"RefreshTokenValidity": {"min": "1d"}`,
			client: client(`"RefreshTokenValidity": 60, "TokenValidityUnits": {"RefreshToken": "minutes"}`),
			want:   []policy.Finding{fixed("RefreshTokenValidity.min", "1h", ">= 1d", "1d")}},
		{name: "refresh days equal in hours", rules: `"RefreshTokenValidity": "720h"`, client: client(`"RefreshTokenValidity": 30`)},
		{name: "session absent is 3m", rules: `"AuthSessionValidity": {"min": "5m"}`, client: client(""),
			want: []policy.Finding{fixed("AuthSessionValidity.min", "3m", ">= 5m", "5m")}},
		{name: "session equals default", rules: `"AuthSessionValidity": "3m"`, client: client(`"AuthSessionValidity": 3`)},
		{name: "session over max", rules: `"AuthSessionValidity": {"max": "5m"}`, client: client(`"AuthSessionValidity": 15`),
			want: []policy.Finding{fixed("AuthSessionValidity.max", "15m", "<= 5m", "5m")}},
		{name: "report does not fix", rules: `"AccessTokenValidity": {"max": "30m", "action": "report"}`, client: client(""),
			want:    []policy.Finding{reported(fixed("AccessTokenValidity.max", "1h", "<= 30m", "30m"))},
			changes: []policy.Change{}},

		// Booleans.
		{name: "revocation absent is true", rules: `"EnableTokenRevocation": true`, client: client("")},
		{name: "revocation off", rules: `"EnableTokenRevocation": true`, client: client(`"EnableTokenRevocation": false`),
			want: []policy.Finding{fixed("EnableTokenRevocation.equals", false, "= true", true)}},
		{name: "oauth absent is false", rules: `"AllowedOAuthFlowsUserPoolClient": false`, client: client("")},
		{name: "context data with a secret", rules: `"EnablePropagateAdditionalUserContextData": true`,
			client: client(`"ClientSecret": "abcdefghijklmnopqrstuvwxyz", "EnablePropagateAdditionalUserContextData": false`),
			want:   []policy.Finding{fixed("EnablePropagateAdditionalUserContextData.equals", false, "= true", true)}},
		{name: "context data off", rules: `"EnablePropagateAdditionalUserContextData": false`,
			client: client(`"EnablePropagateAdditionalUserContextData": true`),
			want:   []policy.Finding{fixed("EnablePropagateAdditionalUserContextData.equals", true, "= false", false)}},

		// Strings and enums.
		{name: "existence errors absent is LEGACY", rules: `"PreventUserExistenceErrors": "ENABLED"`, client: client(""),
			want: []policy.Finding{fixed("PreventUserExistenceErrors.equals", "LEGACY", "= ENABLED", "ENABLED")}},
		{name: "existence errors legacy allowed", rules: `"PreventUserExistenceErrors": {"equals": "LEGACY"}`,
			client: client(`"PreventUserExistenceErrors": "LEGACY"`)},
		{name: "name equals", rules: `"ClientName": "web-portal"`, client: client(""),
			want: []policy.Finding{fixed("ClientName.equals", "test", "= web-portal", "web-portal")}},
		{name: "name pattern", rules: `"ClientName": {"pattern": "^[a-z-]+$"}`, client: `{"UserPoolClient": {"ClientName": "Web Portal"}}`,
			want: []policy.Finding{unfixable("ClientName.pattern", "Web Portal", "must match ^[a-z-]+$", "no automatic fix for pattern")}},
		{name: "default redirect equals a callback", rules: `"DefaultRedirectURI": "https://b.example.com/cb"`,
			client: client(oauthClient + `, "CallbackURLs": ["https://a.example.com/cb", "https://b.example.com/cb"], "DefaultRedirectURI": "https://a.example.com/cb"`),
			want:   []policy.Finding{fixed("DefaultRedirectURI.equals", "https://a.example.com/cb", "= https://b.example.com/cb", "https://b.example.com/cb")}},
		{name: "default redirect requireHttps clears it", rules: `"DefaultRedirectURI": {"requireHttps": true}`,
			client: client(oauthClient + `, "CallbackURLs": ["http://a.example.com/cb"], "DefaultRedirectURI": "http://a.example.com/cb"`),
			want:   []policy.Finding{fixed("DefaultRedirectURI.requireHttps", "http://a.example.com/cb", https, nil)}},

		// Sets.
		{name: "flows absent are the defaults", rules: `"ExplicitAuthFlows": {"forbid": ["ALLOW_CUSTOM_AUTH"]}`, client: client(""),
			want: []policy.Finding{fixed("ExplicitAuthFlows.forbid",
				[]string{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}, "must not contain ALLOW_CUSTOM_AUTH",
				[]string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"})}},
		{name: "flows equal as a set", rules: `"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_USER_SRP_AUTH"]`)},
		{name: "flows require", rules: `"ExplicitAuthFlows": {"require": ["ALLOW_USER_AUTH"]}`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`),
			want: []policy.Finding{fixed("ExplicitAuthFlows.require",
				[]string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}, "must contain ALLOW_USER_AUTH",
				[]string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH"})}},
		{name: "flows allow with glob", rules: `"ExplicitAuthFlows": {"allow": ["ALLOW_USER_*", "ALLOW_REFRESH_TOKEN_AUTH"]}`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`),
			want: []policy.Finding{fixed("ExplicitAuthFlows.allow",
				[]string{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}, "may contain only ALLOW_USER_*, ALLOW_REFRESH_TOKEN_AUTH",
				[]string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"})}},
		{name: "oauth flows equals", rules: `"AllowedOAuthFlows": ["code"]`,
			client: client(`"AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["implicit", "code"], "AllowedOAuthScopes": ["openid"], "CallbackURLs": ["https://a.example.com/cb"]`),
			want:   []policy.Finding{fixed("AllowedOAuthFlows.equals", []string{"code", "implicit"}, "= [code]", []string{"code"})}},
		{name: "scopes forbid", rules: `"AllowedOAuthScopes": {"forbid": ["aws.cognito.signin.user.admin"]}`,
			client: client(oauthClient + `, "AllowedOAuthScopes": ["openid", "aws.cognito.signin.user.admin"], "CallbackURLs": ["https://a.example.com/cb"]`),
			want: []policy.Finding{fixed("AllowedOAuthScopes.forbid", []string{"aws.cognito.signin.user.admin", "openid"},
				"must not contain aws.cognito.signin.user.admin", []string{"openid"})}},
		{name: "scopes require glob unmatched", rules: `"AllowedOAuthScopes": {"require": ["openid", "billing/*"]}`,
			client: client(oauthClient),
			want: []policy.Finding{unfixable("AllowedOAuthScopes.require", []string{"openid"}, "must contain openid, billing/*",
				"nothing matches billing/* and a pattern cannot be added")}},
		{name: "identity providers absent", rules: `"SupportedIdentityProviders": {"require": ["COGNITO"]}`, client: client(""),
			want: []policy.Finding{fixed("SupportedIdentityProviders.require", []string{}, "must contain COGNITO", []string{"COGNITO"})}},
		{name: "read attributes absent hold everything required", rules: `"ReadAttributes": {"require": ["email", "custom:tier"]}`, client: client("")},
		{name: "read attributes absent forbid", rules: `"ReadAttributes": {"forbid": ["custom:ssn"]}`, client: client(""),
			want: []policy.Finding{unfixable("ReadAttributes.forbid", "all", "must not contain custom:ssn",
				"ReadAttributes is unset, which means every attribute including custom ones the pool alone knows; state the list with equals or set it on the client")}},
		{name: "read attributes absent allow everything", rules: `"ReadAttributes": {"allow": ["*"]}`, client: client("")},
		{name: "read attributes absent equals", rules: `"ReadAttributes": ["email", "name"]`, client: client(""),
			want: []policy.Finding{fixed("ReadAttributes.equals", "all", "= [email, name]", []string{"email", "name"})}},
		{name: "write attributes forbid", rules: `"WriteAttributes": {"forbid": ["email"]}`,
			client: client(`"WriteAttributes": ["name", "email"]`),
			want:   []policy.Finding{fixed("WriteAttributes.forbid", []string{"email", "name"}, "must not contain email", []string{"name"})}},
		{name: "callbacks pass https and custom schemes", rules: `"CallbackURLs": {"requireHttps": true}`,
			client: client(oauthClient + `, "CallbackURLs": ["myapp://cb", "HTTPS://a.example.com/cb", "https://a.example.com/cb", "com.example.app:/cb"]`)},
		// Issue 11: requireHttps flags every http URL, loopback included, in
		// any spelling of the scheme or the loopback host.
		{name: "callbacks requireHttps flags loopback http", rules: `"CallbackURLs": {"requireHttps": true}`,
			client: client(oauthClient + `, "CallbackURLs": ["https://a.example.com/cb", "myapp://cb", "http://localhost:8080/cb", "http://LOCALHOST/cb",
				"http://localhost./cb", "http://127.0.0.1/cb", "http://127.0.0.2/cb", "http://127.1/cb", "http://0x7f.0.0.1/cb",
				"http://[::1]/cb", "http://[0:0:0:0:0:0:0:1]:3000/cb", "Http://localhost/cb"]`),
			want: []policy.Finding{fixed("CallbackURLs.requireHttps", []string{"Http://localhost/cb", "http://0x7f.0.0.1/cb", "http://127.0.0.1/cb",
				"http://127.0.0.2/cb", "http://127.1/cb", "http://LOCALHOST/cb", "http://[0:0:0:0:0:0:0:1]:3000/cb", "http://[::1]/cb",
				"http://localhost./cb", "http://localhost:8080/cb", "https://a.example.com/cb", "myapp://cb"}, https,
				[]string{"https://a.example.com/cb", "myapp://cb"})}},
		{name: "logout requireHttps flags loopback http", rules: `"LogoutURLs": {"requireHttps": true}`,
			client: client(oauthClient + `, "CallbackURLs": ["https://a.example.com/cb"], "LogoutURLs": ["http://localhost:3000/bye", "https://a.example.com/bye"]`),
			want: []policy.Finding{fixed("LogoutURLs.requireHttps", []string{"http://localhost:3000/bye", "https://a.example.com/bye"}, https,
				[]string{"https://a.example.com/bye"})}},
		{name: "default redirect requireHttps flags loopback http", rules: `"DefaultRedirectURI": {"requireHttps": true}`,
			client: client(oauthClient + `, "CallbackURLs": ["http://[::1]:3000/cb"], "DefaultRedirectURI": "http://[::1]:3000/cb"`),
			want:   []policy.Finding{fixed("DefaultRedirectURI.requireHttps", "http://[::1]:3000/cb", https, nil)}},
		{name: "callbacks requireHttps", rules: `"CallbackURLs": {"requireHttps": true}`,
			client: client(oauthClient + `, "CallbackURLs": ["HTTP://a.example.com/cb", "https://a.example.com/cb"], "DefaultRedirectURI": "https://a.example.com/cb"`),
			want: []policy.Finding{fixed("CallbackURLs.requireHttps", []string{"HTTP://a.example.com/cb", "https://a.example.com/cb"}, https,
				[]string{"https://a.example.com/cb"})}},
		{name: "logout forbid glob", rules: `"LogoutURLs": {"forbid": ["*.internal/*"]}`,
			client: client(oauthClient + `, "LogoutURLs": ["https://a.example.com/bye", "https://b.corp.internal/bye"]`),
			want: []policy.Finding{fixed("LogoutURLs.forbid", []string{"https://a.example.com/bye", "https://b.corp.internal/bye"},
				"must not contain *.internal/*", []string{"https://a.example.com/bye"})}},
		{name: "several forms on one field", rules: `"AllowedOAuthScopes": {"require": ["email"], "forbid": ["phone"]}`,
			client: client(oauthClient + `, "AllowedOAuthScopes": ["phone", "openid"], "CallbackURLs": ["https://a.example.com/cb"]`),
			want: []policy.Finding{
				fixed("AllowedOAuthScopes.require", []string{"openid", "phone"}, "must contain email", []string{"email", "openid"}),
				fixed("AllowedOAuthScopes.forbid", []string{"openid", "phone"}, "must not contain phone", []string{"email", "openid"}),
			},
			changes: []policy.Change{{Field: "AllowedOAuthScopes", Before: []string{"openid", "phone"}, After: []string{"email", "openid"}}}},

		// Objects.
		{name: "rotation absent is disabled", rules: `"RefreshTokenRotation": {"equals": {"Feature": "DISABLED", "RetryGracePeriodSeconds": 0}}`, client: client("")},
		{name: "rotation parts", rules: `"RefreshTokenRotation.RetryGracePeriodSeconds": {"max": 30}`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"], "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 60}`),
			want:   []policy.Finding{fixed("RefreshTokenRotation.RetryGracePeriodSeconds.max", int64(60), "<= 30", int64(30))},
			changes: []policy.Change{{Field: "RefreshTokenRotation",
				Before: map[string]any{"Feature": "ENABLED", "RetryGracePeriodSeconds": int64(60)},
				After:  map[string]any{"Feature": "ENABLED", "RetryGracePeriodSeconds": int64(30)}}}},
		{name: "rotation feature off", rules: `"RefreshTokenRotation.Feature": "DISABLED"`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"], "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}`),
			want:   []policy.Finding{fixed("RefreshTokenRotation.Feature.equals", "ENABLED", "= DISABLED", "DISABLED")},
			changes: []policy.Change{{Field: "RefreshTokenRotation",
				Before: map[string]any{"Feature": "ENABLED", "RetryGracePeriodSeconds": int64(10)},
				After:  map[string]any{"Feature": "DISABLED", "RetryGracePeriodSeconds": int64(10)}}}},
		{name: "analytics compares stated keys", rules: `"AnalyticsConfiguration": {"equals": {"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1", "UserDataShared": false}}`,
			client: client(`"AnalyticsConfiguration": {"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1", "RoleArn": "arn:aws:iam::123456789012:role/aws-service-role/cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdp", "UserDataShared": false}`)},
		{name: "analytics must be absent", rules: `"AnalyticsConfiguration": {"equals": null}`,
			client: client(`"AnalyticsConfiguration": {"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1", "UserDataShared": true}`),
			want: []policy.Finding{fixed("AnalyticsConfiguration.equals",
				map[string]any{"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1", "UserDataShared": true}, "= absent", nil)}},
		{name: "analytics set", rules: `"AnalyticsConfiguration": {"equals": {"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1"}}`,
			client: client(""),
			want: []policy.Finding{fixed("AnalyticsConfiguration.equals", nil,
				`= {"ApplicationArn":"arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1"}`,
				map[string]any{"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1", "UserDataShared": false})}},
	}
	runEvalCases(t, tests)
}

func runEvalCases(t *testing.T, tests []evalCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustParse(t, rulesDoc(tt.rules))
			c := describeBody([]byte(tt.client))
			got := policy.Evaluate(b, c, now)
			if diff := diff.Diff(tt.want, got.Findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			wantChanges := tt.changes
			if wantChanges == nil {
				for _, f := range tt.want {
					if f.Fixable && f.Action == policy.Enforce {
						wantChanges = append(wantChanges, policy.Change{Field: f.Field, Before: f.Current, After: f.Fix})
					}
				}
			}
			if diff := diff.Diff(wantChanges, got.Changes, cmpEmpty); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if (got.Fixed != nil) != (len(got.Changes) > 0) {
				t.Errorf("Fixed is %v with %d changes; want Fixed exactly when something changes", got.Fixed, len(got.Changes))
			}
			if got.Fixed != nil {
				again := policy.Evaluate(b, got.Fixed, now)
				if e := again.Enforceable(); len(e) > 0 {
					t.Errorf("evaluating Fixed finds more to enforce: %+v", e)
				}
			}
		})
	}
}

// cmpEmpty treats a nil and an empty change list alike.
var cmpEmpty = diff.EquateEmpty([]policy.Change(nil))
