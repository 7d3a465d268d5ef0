package policy_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

func TestParseExampleBaseline(t *testing.T) {
	if _, err := policy.Parse(readFile(t, "testdata/baseline.json")); err != nil {
		t.Fatalf("the example baseline does not parse: %v", err)
	}
}

func rulesDoc(rules string) string { return `{"version": 1, "rules": {` + rules + `}}` }

// TestParseAcceptsEveryForm parses every form each field takes.
func TestParseAcceptsEveryForm(t *testing.T) {
	for _, rules := range []string{
		`"AccessTokenValidity": "1h"`,
		`"AccessTokenValidity": {"equals": "60m", "action": "report"}`,
		`"AccessTokenValidity": {"min": "5m", "max": "1d"}`,
		`"IdTokenValidity": {"max": "86400s"}`,
		`"RefreshTokenValidity": {"min": "1h", "max": "3650d"}`,
		`"AuthSessionValidity": {"min": "3m", "max": "15m"}`,
		`"AuthSessionValidity": "5m"`,
		`"AllowedOAuthFlows": ["code"]`,
		`"AllowedOAuthFlows": {"require": ["code"], "forbid": ["implicit"], "allow": ["code", "client_*"]}`,
		`"AllowedOAuthFlowsUserPoolClient": true`,
		`"AllowedOAuthFlowsUserPoolClient": {"equals": false, "action": "enforce"}`,
		`"AllowedOAuthScopes": {"forbid": ["aws.cognito.signin.user.admin"], "allow": ["openid", "email", "profile", "*/read"]}`,
		`"AnalyticsConfiguration": {"equals": {"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/abc", "UserDataShared": false}}`,
		`"AnalyticsConfiguration": {"equals": null}`,
		`"CallbackURLs": {"requireHttps": true, "forbid": ["*.internal/*"], "require": ["https://app.example.com/cb"]}`,
		`"CallbackURLs": ["https://a.example.com/cb", "https://b.example.com/cb"]`,
		`"ClientName": {"pattern": "^[a-z0-9-]+$"}`,
		`"ClientName": "web-portal"`,
		`"DefaultRedirectURI": {"requireHttps": true}`,
		`"DefaultRedirectURI": "https://app.example.com/cb"`,
		`"EnablePropagateAdditionalUserContextData": true`,
		`"EnableTokenRevocation": {"equals": true}`,
		`"ExplicitAuthFlows": {"allow": ["ALLOW_*"], "require": ["ALLOW_REFRESH_TOKEN_AUTH"]}`,
		`"ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`,
		`"LogoutURLs": {"requireHttps": true}`,
		`"PreventUserExistenceErrors": "ENABLED"`,
		`"ReadAttributes": {"forbid": ["custom:ssn"]}`,
		`"ReadAttributes": ["email", "email_verified", "name"]`,
		`"RefreshTokenRotation": {"equals": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}}`,
		`"RefreshTokenRotation.Feature": "ENABLED", "RefreshTokenRotation.RetryGracePeriodSeconds": {"max": 30}`,
		`"SupportedIdentityProviders": {"allow": ["COGNITO", "Google"]}`,
		`"WriteAttributes": {"forbid": ["email"], "require": ["name"]}`,
	} {
		if _, err := policy.Parse([]byte(rulesDoc(rules))); err != nil {
			t.Errorf("Parse(%s): %v", rules, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"limit in the contract's words", rulesDoc(`"AccessTokenValidity": {"max": "2d"}`),
			[]string{"rules.AccessTokenValidity.max: 2d exceeds Cognito's limit of 1d"}},
		{"below the minimum", rulesDoc(`"IdTokenValidity": {"min": "1m"}`),
			[]string{"rules.IdTokenValidity.min: 1m is below Cognito's minimum of 5m"}},
		{"refresh and session limits", rulesDoc(`"RefreshTokenValidity": {"min": "30m", "max": "3651d"}, "AuthSessionValidity": "16m"`),
			[]string{
				"rules.RefreshTokenValidity.min: 30m is below Cognito's minimum of 1h",
				"rules.RefreshTokenValidity.max: 3651d exceeds Cognito's limit of 3650d",
				"rules.AuthSessionValidity: 16m exceeds Cognito's limit of 15m",
			}},
		{"session in seconds", rulesDoc(`"AuthSessionValidity": {"max": "290s"}`),
			[]string{"rules.AuthSessionValidity.max: 290s is not a whole number of minutes, the unit of AuthSessionValidity"}},
		{"grace period", rulesDoc(`"RefreshTokenRotation.RetryGracePeriodSeconds": {"max": 61}`),
			[]string{"rules.RefreshTokenRotation.RetryGracePeriodSeconds.max: 61 exceeds Cognito's limit of 60"}},
		{"grace period inside equals", rulesDoc(`"RefreshTokenRotation": {"equals": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 90}}`),
			[]string{"rules.RefreshTokenRotation.equals.RetryGracePeriodSeconds: must be a whole number of seconds from 0 to 60, got 90"}},
		{"min above max", rulesDoc(`"RefreshTokenValidity": {"min": "31d", "max": "30d"}`),
			[]string{"rules.RefreshTokenValidity: min 31d is greater than max 30d"}},
		{"unknown field with suggestion", rulesDoc(`"AccessTokenValdity": {"max": "1h"}`),
			[]string{`rules.AccessTokenValdity: unknown field "AccessTokenValdity"; did you mean "AccessTokenValidity"?`}},
		{"unknown field, case", rulesDoc(`"callbackUrls": {"requireHttps": true}`),
			[]string{`rules.callbackUrls: unknown field "callbackUrls"; did you mean "CallbackURLs"?`}},
		{"units are not a rule", rulesDoc(`"TokenValidityUnits": {"AccessToken": "hours"}`),
			[]string{`rules.TokenValidityUnits: unknown field "TokenValidityUnits"; durations carry their unit, e.g. "AccessTokenValidity": {"max": "1h"}`}},
		{"unknown top-level key", `{"version": 1, "rule": {}}`,
			[]string{`rule: unknown key "rule"; did you mean "rules"?`}},
		{"unknown form key", rulesDoc(`"CallbackURLs": {"requireHTTPS": true}`),
			[]string{`rules.CallbackURLs.requireHTTPS: unknown key "requireHTTPS"; did you mean "requireHttps"?`}},
		{"form does not fit", rulesDoc(`"AccessTokenValidity": {"pattern": "x"}, "EnableTokenRevocation": {"max": "1h"}`),
			[]string{
				"rules.AccessTokenValidity.pattern: pattern does not fit AccessTokenValidity (it takes equals, min, max)",
				"rules.EnableTokenRevocation.max: max does not fit EnableTokenRevocation (it takes equals)",
			}},
		{"requireHttps on a non-URL list", rulesDoc(`"AllowedOAuthScopes": {"requireHttps": true}`),
			[]string{"rules.AllowedOAuthScopes.requireHttps: requireHttps does not fit AllowedOAuthScopes (it takes equals, require, forbid, allow)"}},
		{"wrong value types", rulesDoc(`"EnableTokenRevocation": "yes", "AccessTokenValidity": 3600, "ExplicitAuthFlows": "ALLOW_USER_SRP_AUTH"`),
			[]string{
				"rules.EnableTokenRevocation: must be true or false, got \"yes\"",
				"rules.AccessTokenValidity: must be a duration such as \"1h\", got 3600",
				"rules.ExplicitAuthFlows: must be an array of strings, got \"ALLOW_USER_SRP_AUTH\"",
			}},
		{"bad duration", rulesDoc(`"AccessTokenValidity": {"max": "1.5h"}`),
			[]string{`rules.AccessTokenValidity.max: "1.5h" is not a duration such as "1h" (units s, m, h, d)`}},
		{"enum with suggestion", rulesDoc(`"ExplicitAuthFlows": {"forbid": ["ALLOW_USER_PASWORD_AUTH"]}, "PreventUserExistenceErrors": "ON"`),
			[]string{
				`rules.ExplicitAuthFlows.forbid[0]: "ALLOW_USER_PASWORD_AUTH" is not a ExplicitAuthFlows value; did you mean "ALLOW_USER_PASSWORD_AUTH"?`,
				`rules.PreventUserExistenceErrors: "ON" is not a PreventUserExistenceErrors value (LEGACY, ENABLED)`,
			}},
		{"glob matching no enum value", rulesDoc(`"AllowedOAuthFlows": {"forbid": ["pkce*"]}`),
			[]string{`rules.AllowedOAuthFlows.forbid[0]: "pkce*" matches no AllowedOAuthFlows value (code, implicit, client_credentials)`}},
		{"null outside an override", rulesDoc(`"AccessTokenValidity": null`),
			[]string{"rules.AccessTokenValidity: null only removes a rule in an override"}},
		{"bad regular expression", rulesDoc(`"ClientName": {"pattern": "([a-z"}`),
			[]string{"rules.ClientName.pattern: invalid regular expression: error parsing regexp: missing closing ]: `[a-z`"}},
		{"too many URLs", rulesDoc(`"CallbackURLs": [` + urls(101) + `]`),
			[]string{"rules.CallbackURLs: 101 items exceed Cognito's limit of 100"}},
		{"too many scopes required", rulesDoc(`"AllowedOAuthScopes": {"require": [` + urls(51) + `]}`),
			[]string{"rules.AllowedOAuthScopes.require: 51 items exceed Cognito's limit of 50"}},
		{"equals with a pattern", rulesDoc(`"SupportedIdentityProviders": ["COGNITO", "Saml*"]`),
			[]string{`rules.SupportedIdentityProviders: equals takes literal values, not the pattern "Saml*"; use require, forbid or allow`}},
		{"equals combined", rulesDoc(`"AccessTokenValidity": {"equals": "1h", "max": "2h"}`),
			[]string{"rules.AccessTokenValidity: equals cannot be combined with other forms"}},
		{"require contradicts forbid and allow", rulesDoc(`"AllowedOAuthScopes": {"require": ["openid", "phone"], "forbid": ["open*"], "allow": ["openid"]}`),
			[]string{
				"rules.AllowedOAuthScopes.require: openid is also forbidden",
				"rules.AllowedOAuthScopes.require: phone is not allowed by allow",
			}},
		{"legacy and ALLOW_ mixed", rulesDoc(`"ExplicitAuthFlows": ["USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`),
			[]string{"rules.ExplicitAuthFlows: mixes legacy flow names with ALLOW_* names, which Cognito rejects"}},
		{"client_credentials with another flow", rulesDoc(`"AllowedOAuthFlows": {"require": ["client_credentials", "code"]}`),
			[]string{"rules.AllowedOAuthFlows: client_credentials must be the only OAuth flow"}},
		{"object value without equals", rulesDoc(`"RefreshTokenRotation": {"Feature": "ENABLED"}`),
			[]string{`rules.RefreshTokenRotation.Feature: unknown key "Feature" (known: equals, min, max, require, forbid, allow, requireHttps, pattern, action); object values are stated with equals`}},
		{"rotation whole and by parts", rulesDoc(`"RefreshTokenRotation": {"equals": {"Feature": "DISABLED"}}, "RefreshTokenRotation.Feature": "ENABLED"`),
			[]string{"rules.RefreshTokenRotation.Feature: conflicts with the rule for RefreshTokenRotation; state it whole or by its parts"}},
		{"bad action, empty rule", rulesDoc(`"LogoutURLs": {"requireHttps": true, "action": "warn"}, "CallbackURLs": {}`),
			[]string{
				`rules.LogoutURLs.action: must be "enforce" or "report", got "warn"`,
				"rules.CallbackURLs: states no rule (it takes equals, require, forbid, allow, requireHttps)",
			}},
		{"values Cognito would refuse", rulesDoc(`"ClientName": "web/portal", "AllowedOAuthScopes": {"require": ["read write"]}, "CallbackURLs": {"require": ["https://a.example.com/c b"]}`),
			[]string{
				`rules.ClientName: "web/portal" is not a valid client name (1 to 128 of letters, digits, spaces and +=,.@-)`,
				`rules.AllowedOAuthScopes.require[0]: "read write" is not a valid scope (1 to 256 printable characters without space, " or \)`,
				`rules.CallbackURLs.require[0]: "https://a.example.com/c b" is not a valid redirect URL (1 to 1024 characters, no spaces)`,
			}},
		// Issue 11: a value a fix may write is one Cognito accepts; every
		// problem at once, each at its JSON path.
		{"redirect URLs Cognito refuses", rulesDoc(`"CallbackURLs": {"require": ["/relative/cb", "https://a.example.com/cb#frag", "http://a.example.com/cb", "http://localhost:3000/cb", "myapp://cb", "http://*"]},
			"LogoutURLs": {"equals": ["http://127.0.0.1/bye"]}, "DefaultRedirectURI": "http://localhost/cb"`),
			[]string{
				`rules.CallbackURLs.require[0]: "/relative/cb" is not an absolute URL`,
				`rules.CallbackURLs.require[1]: "https://a.example.com/cb#frag" has a fragment, which Cognito refuses in a redirect URL`,
				`rules.CallbackURLs.require[2]: "http://a.example.com/cb" uses http, which Cognito accepts only for a loopback host (use https)`,
				`rules.CallbackURLs.require[3]: "http://localhost:3000/cb" uses http; a loopback http URL is accepted only where the rule's allow permits it`,
				`rules.LogoutURLs.equals[0]: "http://127.0.0.1/bye" uses http; a loopback http URL is accepted only where the rule's allow permits it`,
				`rules.DefaultRedirectURI: "http://localhost/cb" uses http; a loopback http URL is accepted only where the rule's allow permits it`,
			}},
		{"loopback http under requireHttps", rulesDoc(`"CallbackURLs": {"require": ["http://[::1]:3000/cb"], "allow": ["http://[::1]:*", "https://*"], "requireHttps": true}`),
			[]string{`rules.CallbackURLs.require[0]: "http://[::1]:3000/cb" uses http, which requireHttps removes`}},
		{"Cognito's item limits", rulesDoc(`"AllowedOAuthScopes": {"require": ["` + strings.Repeat("s", 257) + `"]},
			"SupportedIdentityProviders": {"require": ["` + strings.Repeat("p", 33) + `"]}, "ReadAttributes": {"forbid": ["` + strings.Repeat("a", 2049) + `"]},
			"WriteAttributes": ["email", "bad\u0001name"], "ClientName": "` + strings.Repeat("n", 129) + `",
			"LogoutURLs": {"forbid": ["https://` + strings.Repeat("u", 1017) + `"]}, "PreventUserExistenceErrors": "ENABLE"`),
			[]string{
				`rules.AllowedOAuthScopes.require[0]: "` + strings.Repeat("s", 257) + `" is not a valid scope (1 to 256 printable characters without space, " or \)`,
				`rules.SupportedIdentityProviders.require[0]: "` + strings.Repeat("p", 33) + `" is not a valid identity provider name (1 to 32 characters)`,
				`rules.ReadAttributes.forbid[0]: "` + strings.Repeat("a", 2049) + `" is not a valid attribute name (1 to 2048 characters)`,
				`rules.WriteAttributes[1]: "bad\x01name" is not a valid attribute name (1 to 2048 characters)`,
				`rules.ClientName: "` + strings.Repeat("n", 129) + `" is not a valid client name (1 to 128 of letters, digits, spaces and +=,.@-)`,
				`rules.LogoutURLs.forbid[0]: "https://` + strings.Repeat("u", 1017) + `" is not a valid redirect URL (1 to 1024 characters, no spaces)`,
				`rules.PreventUserExistenceErrors: "ENABLE" is not a PreventUserExistenceErrors value; did you mean "ENABLED"?`,
			}},
		{"duplicate key", rulesDoc(`"AccessTokenValidity": "1h", "AccessTokenValidity": "2h"`),
			[]string{"rules.AccessTokenValidity: duplicate key"}},
		{"version", `{"rules": {}}`, []string{"version: is required (1)"}},
		{"version 2", `{"version": 2}`, []string{"version: must be 1, got 2"}},
		{"not JSON", `{"version": 1,`, []string{"(document): invalid JSON: unexpected end of JSON input"}},
		{"not an object", `[1]`, []string{"(document): must be an object, got [1]"}},
		{"trailing data", `{"version": 1} {}`, []string{"(document): invalid JSON: invalid character '{' after top-level value"}},
		{"overrides", `{"version": 1, "overrides": [
			{"match": {}, "rules": {"AccessTokenValidity": null}},
			{"match": {"clientname": "x"}, "rules": {"IdTokenValidity": {"max": "2d"}}},
			{"rules": {}, "extra": 1}
		]}`, []string{
			"overrides[0].match: needs at least one of userPoolId, clientId, clientName",
			`overrides[1].match.clientname: unknown key "clientname"; did you mean "clientName"?`,
			"overrides[1].match: needs at least one of userPoolId, clientId, clientName",
			"overrides[1].rules.IdTokenValidity.max: 2d exceeds Cognito's limit of 1d",
			`overrides[2].extra: unknown key "extra" (known: match, rules)`,
			"overrides[2].match: is required",
		}},
		{"exemptions", `{"version": 1, "exemptions": [
			{"match": {"clientId": "abc"}, "fields": ["CallbackURL"], "expires": "31/03/2027"},
			{"match": {"clientId": "abc"}, "fields": [], "expires": "2027-03-31", "reason": " "}
		]}`, []string{
			`exemptions[0].fields[0]: unknown field "CallbackURL"; did you mean "CallbackURLs"?`,
			`exemptions[0].expires: "31/03/2027" is not a date (2006-01-02) or an RFC 3339 time`,
			"exemptions[0].reason: is required",
			"exemptions[1].fields: must be a non-empty array of field names (omit it to exempt all fields), got []",
			"exemptions[1].reason: must be a non-empty string",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := policy.Parse([]byte(tt.doc))
			if b != nil {
				t.Errorf("Parse returned a baseline with error %v", err)
			}
			var verr *policy.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Parse error = %v, want a *ValidationError", err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.String())
			}
			if diff := diff.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(err.Error(), "invalid baseline: "+tt.want[0]) {
				t.Errorf("Error() = %q, want it to start with the first problem", err.Error())
			}
		})
	}
}

func urls(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf(`"https://app%d.example.com/cb"`, i)
	}
	return strings.Join(s, ",")
}

// TestEverySettableFieldIsGoverned pins the rule table to the SDK: every
// field of UpdateUserPoolClientInput is a rule field, or sits in the skip
// list with its reason, so a field the SDK adds fails here first.
func TestEverySettableFieldIsGoverned(t *testing.T) {
	skip := map[string]string{
		"UserPoolId":         "identifies the client",
		"ClientId":           "identifies the client",
		"TokenValidityUnits": "not a rule: durations carry their unit",
	}
	in := reflect.TypeOf(cip.UpdateUserPoolClientInput{})
	for i := 0; i < in.NumField(); i++ {
		name := in.Field(i).Name
		if !in.Field(i).IsExported() || skip[name] != "" {
			continue
		}
		doc := `{"version": 1, "overrides": [{"match": {"clientId": "x"}, "rules": {"` + name + `": null}}]}`
		if _, err := policy.Parse([]byte(doc)); err != nil {
			t.Errorf("%s is settable but not a rule field: %v", name, err)
		}
	}
}
