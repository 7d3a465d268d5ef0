package policy_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// TestCrossFieldRules: a fix Cognito would reject, or one that would cut
// off an app, becomes unfixable with its reason; the other fixes stand.
func TestCrossFieldRules(t *testing.T) {
	const https = "every URL must use https (no http, loopback included)"
	srp := []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}
	tests := []evalCase{
		{name: "last callback of a code client", rules: `"CallbackURLs": {"requireHttps": true}, "EnableTokenRevocation": true`,
			client: client(oauthClient + `, "CallbackURLs": ["http://a.example.com/cb"], "EnableTokenRevocation": false`),
			want: []policy.Finding{
				unfixable("CallbackURLs.requireHttps", []string{"http://a.example.com/cb"}, https,
					"removing the last callback URL would cut off an OAuth client that uses the code or implicit flow"),
				fixed("EnableTokenRevocation.equals", false, "= true", true),
			}},
		{name: "last callback of a client_credentials client", rules: `"CallbackURLs": {"requireHttps": true}`,
			client: client(`"ClientSecret": "abcdefghijklmnopqrstuvwxyz", "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["api/read"], "CallbackURLs": ["http://a.example.com/cb"]`),
			want:   []policy.Finding{fixed("CallbackURLs.requireHttps", []string{"http://a.example.com/cb"}, https, []string{})}},
		{name: "removing the default redirect URI clears it", rules: `"CallbackURLs": {"forbid": ["https://old.example.com/*"]}`,
			client: client(oauthClient + `, "CallbackURLs": ["https://old.example.com/cb", "https://new.example.com/cb"], "DefaultRedirectURI": "https://old.example.com/cb"`),
			want: []policy.Finding{
				fixed("CallbackURLs.forbid", []string{"https://new.example.com/cb", "https://old.example.com/cb"}, "must not contain https://old.example.com/*",
					[]string{"https://new.example.com/cb"}),
				fixed("DefaultRedirectURI.inCallbackURLs", "https://old.example.com/cb", "must be one of CallbackURLs", nil),
			}},
		{name: "default redirect URI outside the callbacks", rules: `"DefaultRedirectURI": "https://c.example.com/cb"`,
			client: client(oauthClient + `, "CallbackURLs": ["https://a.example.com/cb"]`),
			want:   []policy.Finding{unfixable("DefaultRedirectURI.equals", nil, "= https://c.example.com/cb", "the required value is not one of CallbackURLs")}},
		{name: "context data without a secret", rules: `"EnablePropagateAdditionalUserContextData": true, "AuthSessionValidity": "3m"`,
			client: client(`"AuthSessionValidity": 10`),
			want: []policy.Finding{
				fixed("AuthSessionValidity.equals", "10m", "= 3m", "3m"),
				unfixable("EnablePropagateAdditionalUserContextData.equals", false, "= true",
					"Cognito allows it only on an app client with a client secret, and this client has none"),
			}},
		{name: "client_credentials beside code", rules: `"AllowedOAuthFlows": {"require": ["client_credentials"]}`,
			client: client(`"ClientSecret": "abcdefghijklmnopqrstuvwxyz", ` + oauthClient + `, "CallbackURLs": ["https://a.example.com/cb"]`),
			want: []policy.Finding{unfixable("AllowedOAuthFlows.require", []string{"code"}, "must contain client_credentials",
				"client_credentials must be the only OAuth flow")}},
		{name: "client_credentials without a secret", rules: `"AllowedOAuthFlows": ["client_credentials"]`,
			client: client(oauthClient + `, "CallbackURLs": ["https://a.example.com/cb"]`),
			want: []policy.Finding{unfixable("AllowedOAuthFlows.equals", []string{"code"}, "= [client_credentials]",
				"client_credentials needs a client secret and this client has none")}},
		{name: "last OAuth flow", rules: `"AllowedOAuthFlows": {"forbid": ["implicit"]}`,
			client: client(`"AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["implicit"], "AllowedOAuthScopes": ["openid"], "CallbackURLs": ["https://a.example.com/cb"]`),
			want: []policy.Finding{unfixable("AllowedOAuthFlows.forbid", []string{"implicit"}, "must not contain implicit",
				"removing the last OAuth flow would cut off the app's OAuth sign-in")}},
		{name: "last scope", rules: `"AllowedOAuthScopes": {"allow": ["openid"]}`,
			client: client(oauthClient + `, "AllowedOAuthScopes": ["phone"], "CallbackURLs": ["https://a.example.com/cb"]`),
			want: []policy.Finding{unfixable("AllowedOAuthScopes.allow", []string{"phone"}, "may contain only openid",
				"removing the last scope would cut off the app's OAuth sign-in")}},
		{name: "too many scopes", rules: `"AllowedOAuthScopes": {"require": ["s50"]}`,
			client: client(`"AllowedOAuthScopes": [` + scopes(50) + `]`),
			want: []policy.Finding{unfixable("AllowedOAuthScopes.require", sortedScopes(50), "must contain s50",
				"the fix exceeds Cognito's limit of 50 scopes")}},
		{name: "OAuth off cuts off flows", rules: `"AllowedOAuthFlowsUserPoolClient": false`,
			client: client(oauthClient + `, "CallbackURLs": ["https://a.example.com/cb"]`),
			want: []policy.Finding{unfixable("AllowedOAuthFlowsUserPoolClient.equals", true, "= false",
				"turning OAuth off would cut off an app that uses AllowedOAuthFlows")}},
		{name: "OAuth on without flows", rules: `"AllowedOAuthFlowsUserPoolClient": true`, client: client(""),
			want: []policy.Finding{unfixable("AllowedOAuthFlowsUserPoolClient.equals", false, "= true",
				"Cognito needs at least one OAuth flow and one scope before OAuth can be turned on")}},
		{name: "legacy flows never mix", rules: `"ExplicitAuthFlows": {"require": ["ALLOW_USER_SRP_AUTH"]}`,
			client: client(`"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]`),
			want: []policy.Finding{unfixable("ExplicitAuthFlows.require", []string{"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"},
				"must contain ALLOW_USER_SRP_AUTH", "the fix would mix legacy flow names with ALLOW_* names, which Cognito rejects")}},
		{name: "legacy flow removed", rules: `"ExplicitAuthFlows": {"forbid": ["USER_PASSWORD_AUTH"]}`,
			client: client(`"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]`),
			want: []policy.Finding{fixed("ExplicitAuthFlows.forbid", []string{"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"},
				"must not contain USER_PASSWORD_AUTH", []string{"ADMIN_NO_SRP_AUTH"})}},
		{name: "legacy names match their ALLOW_ equivalents", rules: `"ExplicitAuthFlows": {"forbid": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]}`,
			client: client(`"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"]`),
			want: []policy.Finding{unfixable("ExplicitAuthFlows.forbid", []string{"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"},
				"must not contain ALLOW_USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH",
				"the fix leaves no auth flow, and Cognito reads an empty ExplicitAuthFlows as its default flows")}},
		{name: "refresh shorter than access", rules: `"RefreshTokenValidity": {"max": "2h"}, "IdTokenValidity": {"max": "1h"}`,
			client: client(`"AccessTokenValidity": 1, "IdTokenValidity": 1, "TokenValidityUnits": {"AccessToken": "days", "IdToken": "days"}`),
			want: []policy.Finding{
				fixed("IdTokenValidity.max", "1d", "<= 1h", "1h"),
				unfixable("RefreshTokenValidity.max", "30d", "<= 2h", "the fix would leave AccessTokenValidity longer than RefreshTokenValidity"),
			}},
		{name: "refresh shortened below fixed access", rules: `"RefreshTokenValidity": {"max": "2h"}, "AccessTokenValidity": {"max": "1h"}`,
			client: client(`"AccessTokenValidity": 1, "TokenValidityUnits": {"AccessToken": "days"}`),
			want: []policy.Finding{
				fixed("AccessTokenValidity.max", "1d", "<= 1h", "1h"),
				fixed("RefreshTokenValidity.max", "30d", "<= 2h", "2h"),
			}},
		{name: "access raised above refresh", rules: `"AccessTokenValidity": {"min": "2h"}`,
			client: client(`"RefreshTokenValidity": 90, "TokenValidityUnits": {"RefreshToken": "minutes"}`),
			want: []policy.Finding{
				unfixable("AccessTokenValidity.min", "1h", ">= 2h", "the fix would leave AccessTokenValidity longer than RefreshTokenValidity"),
			}},
		{name: "no flow left", rules: `"ExplicitAuthFlows": {"forbid": ["USER_PASSWORD_AUTH"]}`,
			client: client(`"ExplicitAuthFlows": ["USER_PASSWORD_AUTH"]`),
			want: []policy.Finding{unfixable("ExplicitAuthFlows.forbid", []string{"USER_PASSWORD_AUTH"}, "must not contain USER_PASSWORD_AUTH",
				"the fix leaves no auth flow, and Cognito reads an empty ExplicitAuthFlows as its default flows")}},
		{name: "refresh flow needed without rotation", rules: `"ExplicitAuthFlows": {"forbid": ["ALLOW_REFRESH_TOKEN_AUTH"]}`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`),
			want: []policy.Finding{unfixable("ExplicitAuthFlows.forbid", srp, "must not contain ALLOW_REFRESH_TOKEN_AUTH",
				"Cognito requires ALLOW_REFRESH_TOKEN_AUTH unless refresh token rotation is enabled")}},
		{name: "rotation needs the refresh flow gone", rules: `"RefreshTokenRotation.Feature": "ENABLED"`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`),
			want: []policy.Finding{unfixable("RefreshTokenRotation.Feature.equals", "DISABLED", "= ENABLED",
				"refresh token rotation cannot be enabled while ExplicitAuthFlows allows ALLOW_REFRESH_TOKEN_AUTH; forbid that flow too")}},
		{name: "rotation off needs the refresh flow back", rules: `"RefreshTokenRotation.Feature": "DISABLED", "AccessTokenValidity": {"max": "1h"}`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"], "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}, "AccessTokenValidity": 2`),
			want: []policy.Finding{
				fixed("AccessTokenValidity.max", "2h", "<= 1h", "1h"),
				unfixable("RefreshTokenRotation.Feature.equals", "ENABLED", "= DISABLED",
					"turning refresh token rotation off needs ALLOW_REFRESH_TOKEN_AUTH in ExplicitAuthFlows, which Cognito would otherwise reject; require that flow too"),
			}},
		{name: "last identity provider of an OAuth client", rules: `"SupportedIdentityProviders": {"allow": ["COGNITO"]}`,
			client: client(oauthClient + `, "CallbackURLs": ["https://a.example.com/cb"], "SupportedIdentityProviders": ["Google"]`),
			want: []policy.Finding{unfixable("SupportedIdentityProviders.allow", []string{"Google"}, "may contain only COGNITO",
				"removing the last identity provider would leave an OAuth client with no way to sign in")}},
		{name: "rotation and the refresh flow together", rules: `"RefreshTokenRotation": {"equals": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}}, "ExplicitAuthFlows": {"forbid": ["ALLOW_REFRESH_TOKEN_AUTH"]}`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`),
			want: []policy.Finding{
				fixed("ExplicitAuthFlows.forbid", srp, "must not contain ALLOW_REFRESH_TOKEN_AUTH", []string{"ALLOW_USER_SRP_AUTH"}),
				fixed("RefreshTokenRotation.equals", map[string]any{"Feature": "DISABLED", "RetryGracePeriodSeconds": int64(0)},
					`= {"Feature":"ENABLED","RetryGracePeriodSeconds":10}`, map[string]any{"Feature": "ENABLED", "RetryGracePeriodSeconds": int64(10)}),
			}},
		// Issue 11: the rest of the cross-field rules Cognito enforces; the
		// other fixes still go.
		{name: "openid not added to a client_credentials client", rules: `"AllowedOAuthScopes": {"require": ["openid"]}, "EnableTokenRevocation": true`,
			client: client(`"ClientSecret": "abcdefghijklmnopqrstuvwxyz", "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["api/read"], "EnableTokenRevocation": false`),
			want: []policy.Finding{
				unfixable("AllowedOAuthScopes.require", []string{"api/read"}, "must contain openid",
					"openid cannot be added to a client_credentials client (Cognito: openid is not supported with client_credentials flow)"),
				fixed("EnableTokenRevocation.equals", false, "= true", true),
			}},
		{name: "client_credentials not added beside openid", rules: `"AllowedOAuthFlows": ["client_credentials"]`,
			client: client(`"ClientSecret": "abcdefghijklmnopqrstuvwxyz", "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["implicit"], "AllowedOAuthScopes": ["openid"], "CallbackURLs": ["https://a.example.com/cb"]`),
			want: []policy.Finding{unfixable("AllowedOAuthFlows.equals", []string{"implicit"}, "= [client_credentials]",
				"client_credentials cannot be added to a client whose scopes include openid (Cognito: openid is not supported with client_credentials flow)")}},
		{name: "refresh flow not added under rotation", rules: `"ExplicitAuthFlows": {"require": ["ALLOW_REFRESH_TOKEN_AUTH"]}, "AccessTokenValidity": {"max": "1h"}`,
			client: client(`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH"], "RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 0}, "AccessTokenValidity": 2`),
			want: []policy.Finding{
				fixed("AccessTokenValidity.max", "2h", "<= 1h", "1h"),
				unfixable("ExplicitAuthFlows.require", []string{"ALLOW_USER_SRP_AUTH"}, "must contain ALLOW_REFRESH_TOKEN_AUTH",
					"ALLOW_REFRESH_TOKEN_AUTH cannot be added while refresh token rotation is enabled"),
			}},
		{name: "code flow not added without a callback", rules: `"AllowedOAuthFlows": ["code"], "EnableTokenRevocation": true`,
			client: client(`"ClientSecret": "abcdefghijklmnopqrstuvwxyz", "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthScopes": ["api/read"], "EnableTokenRevocation": false`),
			want: []policy.Finding{
				unfixable("AllowedOAuthFlows.equals", []string{"client_credentials"}, "= [code]",
					"the code and implicit flows need at least one callback URL, and this client has none"),
				fixed("EnableTokenRevocation.equals", false, "= true", true),
			}},
		{name: "implicit replaced by code needs no new callback", rules: `"AllowedOAuthFlows": ["code"]`,
			client: client(`"AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["implicit"], "AllowedOAuthScopes": ["openid"], "CallbackURLs": ["https://a.example.com/cb"]`),
			want:   []policy.Finding{fixed("AllowedOAuthFlows.equals", []string{"implicit"}, "= [code]", []string{"code"})}},
		{name: "OAuth on with code needs a callback", rules: `"AllowedOAuthFlowsUserPoolClient": true, "EnableTokenRevocation": true`,
			client: client(`"AllowedOAuthFlowsUserPoolClient": false, "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid"], "EnableTokenRevocation": false`),
			want: []policy.Finding{
				unfixable("AllowedOAuthFlowsUserPoolClient.equals", false, "= true",
					"the code and implicit flows need at least one callback URL, and this client has none"),
				fixed("EnableTokenRevocation.equals", false, "= true", true),
			}},
	}
	runEvalCases(t, tests)
}

// TestCrossRulesCiteASource: every cross-field rule names the public
// documentation or report it rests on.
func TestCrossRulesCiteASource(t *testing.T) {
	for _, r := range policy.CrossFieldRules() {
		if !strings.HasPrefix(r.Source, "https://docs.aws.amazon.com/") && !strings.HasPrefix(r.Source, "https://github.com/") {
			t.Errorf("%s cites %q, want a public AWS documentation or GitHub address", r.Name, r.Source)
		}
	}
	if n := len(policy.CrossFieldRules()); n < 20 {
		t.Errorf("%d cross-field rules, want the whole table", n)
	}
}

func scopes(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf(`"s%d"`, i)
	}
	return strings.Join(s, ",")
}

func sortedScopes(n int) []string {
	var out []string
	for _, s := range strings.Split(scopes(n), ",") {
		out = append(out, strings.Trim(s, `"`))
	}
	return sortStrings(out)
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}
