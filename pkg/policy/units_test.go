package policy_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

var ignoreSDKInternals = diff.IgnoreUnexported(types.UserPoolClientType{}, types.TokenValidityUnitsType{},
	types.RefreshTokenRotationType{}, types.AnalyticsConfigurationType{})

// TestFixedIsTheClientWithOnlyTheFixes pins Fixed exactly: the described
// client, with the fixed fields written in the client's unit where the value
// is whole in it, another unit for that field only where not, and every
// other field, absent ones included, as described.
func TestFixedIsTheClientWithOnlyTheFixes(t *testing.T) {
	tests := []struct {
		name   string
		rules  string
		client string
		edit   func(c *types.UserPoolClientType) // applied to the described client to get the want
	}{
		{"minutes kept", `"AccessTokenValidity": {"max": "1h"}`, "web-portal-drift.json",
			func(c *types.UserPoolClientType) { c.AccessTokenValidity = aws.Int32(60) }},
		{"days to hours for that field only", `"AccessTokenValidity": {"max": "1h"}`, "machine-client.json",
			func(c *types.UserPoolClientType) {
				c.AccessTokenValidity = aws.Int32(1)
				c.TokenValidityUnits = &types.TokenValidityUnitsType{AccessToken: "hours", IdToken: "days", RefreshToken: "days"}
			}},
		{"hours to minutes", `"IdTokenValidity": {"max": "90m"}, "AccessTokenValidity": {"max": "1d"}`, "machine-client.json",
			func(c *types.UserPoolClientType) {
				c.IdTokenValidity = aws.Int32(90)
				c.TokenValidityUnits = &types.TokenValidityUnitsType{AccessToken: "days", IdToken: "minutes", RefreshToken: "days"}
			}},
		{"empty units get one unit", `"RefreshTokenValidity": {"max": "12h"}`, "minimal.json",
			func(c *types.UserPoolClientType) {
				c.RefreshTokenValidity = 12
				c.TokenValidityUnits = &types.TokenValidityUnitsType{RefreshToken: "hours"}
			}},
		{"absent value written in the default unit", `"AccessTokenValidity": {"max": "30m"}, "IdTokenValidity": {"min": "2h"}`, "minimal.json",
			func(c *types.UserPoolClientType) {
				c.AccessTokenValidity = aws.Int32(30)
				c.IdTokenValidity = aws.Int32(2)
				c.TokenValidityUnits = &types.TokenValidityUnitsType{AccessToken: "minutes"}
			}},
		{"absent units stay absent", `"RefreshTokenValidity": {"max": "7d"}, "PreventUserExistenceErrors": "ENABLED"`, "legacy-flows.json",
			func(c *types.UserPoolClientType) {
				c.RefreshTokenValidity = 7
				c.PreventUserExistenceErrors = "ENABLED"
			}},
		{"minutes kept for refresh", `"IdTokenValidity": {"max": "1h"}, "RefreshTokenValidity": {"min": "31d"}`, "mobile-app-clean.json",
			func(c *types.UserPoolClientType) { c.RefreshTokenValidity = 44640 }},
		{"many fixes, absent fields untouched", "", "web-portal-drift.json",
			func(c *types.UserPoolClientType) {
				c.AccessTokenValidity = aws.Int32(60)
				c.RefreshTokenValidity = 30
				c.AuthSessionValidity = aws.Int32(5)
				c.PreventUserExistenceErrors = "ENABLED"
				c.EnableTokenRevocation = aws.Bool(true)
				c.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}
				c.AllowedOAuthFlows = []types.OAuthFlowType{"code"}
				c.CallbackURLs = []string{"https://portal.example.com/callback"}
				c.DefaultRedirectURI = nil
				c.LogoutURLs = nil
			}},
	}
	example := readFile(t, "testdata/baseline.json")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustParse(t, rulesDoc(tt.rules))
			if tt.rules == "" {
				b = mustParse(t, string(example))
			}
			c := describeFixture(t, tt.client)
			want := describeFixture(t, tt.client)
			tt.edit(want)
			got := policy.Evaluate(b, c, now)
			if diff := diff.Diff(want, got.Fixed, ignoreSDKInternals); diff != "" {
				t.Errorf("Fixed (-want +got):\n%s", diff)
			}
			if diff := diff.Diff(describeFixture(t, tt.client), c, ignoreSDKInternals); diff != "" {
				t.Errorf("Evaluate modified the described client (-want +got):\n%s", diff)
			}
		})
	}
}
