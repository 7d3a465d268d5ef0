package policy_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// TestPropertyFixedIsCompliant generates clients and baselines and checks
// that (1) evaluating Fixed finds nothing left to enforce, (2) fields
// without a fixed finding are unchanged, byte for byte, (3) every change
// belongs to a fixed finding, and (4) the described client is not modified.
func TestPropertyFixedIsCompliant(t *testing.T) {
	const runs = 3000
	rng := rand.New(rand.NewPCG(1, 2))
	fixedSeen := 0
	for i := 0; i < runs; i++ {
		doc := genBaseline(rng)
		b, err := policy.Parse([]byte(doc))
		if err != nil {
			t.Fatalf("run %d: generated baseline does not parse: %v\n%s", i, err, doc)
		}
		c := genClient(rng)
		before := cloneClient(c)
		r := policy.Evaluate(b, c, now)
		if diff := diff.Diff(before, c, ignoreSDKInternals); diff != "" {
			t.Fatalf("run %d: Evaluate modified the client (-want +got):\n%s", i, diff)
		}
		if r.Fixed == nil {
			if len(r.Enforceable()) > 0 {
				t.Fatalf("run %d: enforceable findings but no Fixed: %+v", i, r.Enforceable())
			}
			continue
		}
		fixedSeen++
		again := policy.Evaluate(b, r.Fixed, now)
		if e := again.Enforceable(); len(e) > 0 {
			t.Fatalf("run %d: evaluating Fixed finds more to enforce: %+v\nfirst findings: %+v\nbaseline: %s\nclient: %s",
				i, e, r.Findings, doc, describe(c))
		}
		fixedFields := map[string]bool{}
		for _, f := range r.Enforceable() {
			fixedFields[strings.SplitN(f.Field, ".", 2)[0]] = true
		}
		for _, ch := range r.Changes {
			if !fixedFields[ch.Field] {
				t.Fatalf("run %d: change %+v has no fixed finding", i, ch)
			}
		}
		ov, fv := reflect.ValueOf(c).Elem(), reflect.ValueOf(r.Fixed).Elem()
		for j := 0; j < ov.NumField(); j++ {
			name := ov.Type().Field(j).Name
			if !ov.Type().Field(j).IsExported() || fixedFields[name] || name == "TokenValidityUnits" {
				continue
			}
			if !reflect.DeepEqual(ov.Field(j).Interface(), fv.Field(j).Interface()) {
				t.Fatalf("run %d: %s changed without a finding: %v -> %v", i, name, ov.Field(j), fv.Field(j))
			}
		}
		for tok, field := range map[string]string{"AccessToken": "AccessTokenValidity", "IdToken": "IdTokenValidity", "RefreshToken": "RefreshTokenValidity"} {
			if !fixedFields[field] && unit(c, tok) != unit(r.Fixed, tok) {
				t.Fatalf("run %d: unit of %s changed without a finding", i, field)
			}
		}
	}
	if fixedSeen < runs/4 {
		t.Errorf("only %d of %d runs fixed anything; the generators are too tame", fixedSeen, runs)
	}
}

func unit(c *types.UserPoolClientType, tok string) string {
	if c.TokenValidityUnits == nil {
		return ""
	}
	return string(reflect.ValueOf(*c.TokenValidityUnits).FieldByName(tok).Interface().(types.TimeUnitsType))
}

// cloneClient deep-copies c by a JSON round trip (the SDK types have
// exported fields only, apart from a marker).
func cloneClient(c *types.UserPoolClientType) *types.UserPoolClientType {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var cp types.UserPoolClientType
	if err := json.Unmarshal(b, &cp); err != nil {
		panic(err)
	}
	return &cp
}

func describe(c *types.UserPoolClientType) string {
	s := fmt.Sprintf("%+v", *c)
	if c.ClientSecret != nil {
		s = strings.ReplaceAll(s, *c.ClientSecret, "[secret]")
	}
	return s
}

func pick[T any](rng *rand.Rand, vs ...T) T { return vs[rng.IntN(len(vs))] }

func subset[T any](rng *rand.Rand, vs []T) []T {
	var out []T
	for _, i := range rng.Perm(len(vs)) {
		if rng.IntN(2) == 0 {
			out = append(out, vs[i])
		}
	}
	return out
}

var urlPool = []string{"https://a.example.com/cb", "https://b.example.com/cb", "http://c.example.com/cb",
	"http://localhost:3000/cb", "myapp://cb", "https://d.corp.internal/cb"}

func genDuration(rng *rand.Rand, lo, hi int64) (int32, types.TimeUnitsType) {
	u := pick(rng, types.TimeUnitsTypeSeconds, types.TimeUnitsTypeMinutes, types.TimeUnitsTypeHours, types.TimeUnitsTypeDays)
	sec := map[types.TimeUnitsType]int64{"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}[u]
	first, last := (lo+sec-1)/sec, hi/sec
	if first > last {
		return int32(lo / 60), types.TimeUnitsTypeMinutes
	}
	return int32(first + rng.Int64N(last-first+1)), u
}

func genClient(rng *rand.Rand) *types.UserPoolClientType {
	c := &types.UserPoolClientType{
		UserPoolId: aws.String(pick(rng, "us-east-1_EXAMPLE01", "eu-west-1_AbC123")),
		ClientId:   aws.String(pick(rng, "6example0client0id0drift01", "4s1example0client0id")),
		ClientName: aws.String(pick(rng, "web-portal", "Legacy App", "legacy-crm")),
	}
	var units types.TokenValidityUnitsType
	if rng.IntN(3) > 0 {
		v, u := genDuration(rng, 300, 86400)
		c.AccessTokenValidity, units.AccessToken = aws.Int32(v), u
	}
	if rng.IntN(3) > 0 {
		v, u := genDuration(rng, 300, 86400)
		c.IdTokenValidity, units.IdToken = aws.Int32(v), u
	}
	if rng.IntN(3) > 0 {
		c.RefreshTokenValidity, units.RefreshToken = genDuration(rng, 3600, 3650*86400)
	}
	switch rng.IntN(3) {
	case 0:
		c.TokenValidityUnits = &units
	case 1:
		if units == (types.TokenValidityUnitsType{}) {
			c.TokenValidityUnits = &units
		}
	}
	if c.TokenValidityUnits == nil && units != (types.TokenValidityUnitsType{}) {
		c.TokenValidityUnits = &units
	}
	if rng.IntN(2) == 0 {
		c.AuthSessionValidity = aws.Int32(int32(3 + rng.IntN(13)))
	}
	if rng.IntN(2) == 0 {
		c.ClientSecret = aws.String("generated0secret0value0abcdefgh")
	}
	switch rng.IntN(4) {
	case 0:
	case 1:
		c.ExplicitAuthFlows = subset(rng, []types.ExplicitAuthFlowsType{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"})
	default:
		c.ExplicitAuthFlows = append(subset(rng, []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH",
			"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_AUTH"}), "ALLOW_REFRESH_TOKEN_AUTH")
	}
	if len(c.ExplicitAuthFlows) > 0 && !hasFlow(c, "ALLOW_REFRESH_TOKEN_AUTH") && rng.IntN(2) == 0 {
		c.RefreshTokenRotation = &types.RefreshTokenRotationType{Feature: "ENABLED", RetryGracePeriodSeconds: aws.Int32(int32(rng.IntN(61)))}
	} else if rng.IntN(2) == 0 {
		c.RefreshTokenRotation = &types.RefreshTokenRotationType{Feature: "DISABLED", RetryGracePeriodSeconds: aws.Int32(0)}
	}
	if rng.IntN(2) == 0 {
		c.AllowedOAuthFlowsUserPoolClient = aws.Bool(false)
	}
	if rng.IntN(2) == 0 {
		c.AllowedOAuthFlowsUserPoolClient = aws.Bool(true)
		c.AllowedOAuthScopes = append(subset(rng, []string{"email", "profile", "phone", "aws.cognito.signin.user.admin"}), "openid")
		if c.ClientSecret != nil && rng.IntN(3) == 0 {
			c.AllowedOAuthFlows = []types.OAuthFlowType{"client_credentials"}
			c.AllowedOAuthScopes = []string{"api/read", "api/write"}[:1+rng.IntN(2)]
		} else {
			c.AllowedOAuthFlows = pick(rng, []types.OAuthFlowType{"code"}, []types.OAuthFlowType{"implicit"},
				[]types.OAuthFlowType{"implicit", "code"})
			c.CallbackURLs = append(subset(rng, urlPool), pick(rng, urlPool...))
		}
		c.LogoutURLs = subset(rng, urlPool)
		if len(c.CallbackURLs) > 0 && rng.IntN(2) == 0 {
			c.DefaultRedirectURI = aws.String(pick(rng, c.CallbackURLs...))
		}
		c.SupportedIdentityProviders = append(subset(rng, []string{"Google", "SignInWithApple"}), "COGNITO")
	}
	c.EnableTokenRevocation = pick(rng, nil, aws.Bool(true), aws.Bool(false))
	c.EnablePropagateAdditionalUserContextData = pick(rng, nil, aws.Bool(false))
	if c.ClientSecret != nil && rng.IntN(2) == 0 {
		c.EnablePropagateAdditionalUserContextData = aws.Bool(true)
	}
	c.PreventUserExistenceErrors = pick[types.PreventUserExistenceErrorTypes](rng, "", "LEGACY", "ENABLED")
	if rng.IntN(2) == 0 {
		c.ReadAttributes = subset(rng, []string{"email", "email_verified", "name", "phone_number", "custom:tier", "custom:ssn"})
	}
	if rng.IntN(2) == 0 {
		c.WriteAttributes = subset(rng, []string{"email", "name", "custom:tier"})
	}
	if rng.IntN(4) == 0 {
		c.AnalyticsConfiguration = &types.AnalyticsConfigurationType{
			ApplicationArn: aws.String("arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1"),
			RoleArn:        aws.String("arn:aws:iam::123456789012:role/r"), UserDataShared: rng.IntN(2) == 0}
	}
	return c
}

func hasFlow(c *types.UserPoolClientType, f types.ExplicitAuthFlowsType) bool {
	for _, x := range c.ExplicitAuthFlows {
		if x == f {
			return true
		}
	}
	return false
}

// rulePool holds valid rules per field; genBaseline picks some.
var rulePool = map[string][]string{
	"AccessTokenValidity":  {`{"max": "1h"}`, `{"min": "10m", "max": "90m"}`, `"45m"`, `{"max": "5m", "action": "report"}`, `{"min": "1d"}`},
	"IdTokenValidity":      {`{"max": "1h"}`, `{"min": "7m"}`, `"2h"`},
	"RefreshTokenValidity": {`{"min": "1h", "max": "30d"}`, `{"max": "36h"}`, `"7d"`, `{"min": "3000d"}`},
	"AuthSessionValidity":  {`{"max": "5m"}`, `"3m"`, `{"min": "10m"}`},
	"ExplicitAuthFlows": {`{"forbid": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]}`,
		`{"allow": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH"]}`,
		`{"require": ["ALLOW_USER_SRP_AUTH"]}`, `{"forbid": ["ALLOW_REFRESH_TOKEN_AUTH"]}`,
		`["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]`, `{"forbid": ["USER_PASSWORD_AUTH"]}`},
	"AllowedOAuthFlows":                            {`{"forbid": ["implicit"]}`, `["code"]`, `{"require": ["client_credentials"]}`, `{"allow": ["code"]}`},
	"AllowedOAuthFlowsUserPoolClient":              {`true`, `false`},
	"AllowedOAuthScopes":                           {`{"forbid": ["aws.cognito.signin.user.admin", "phone"]}`, `{"require": ["email"]}`, `{"allow": ["openid", "email"]}`, `{"require": ["api/*"]}`},
	"AnalyticsConfiguration":                       {`{"equals": null}`, `{"equals": {"ApplicationArn": "arn:aws:mobiletargeting:us-east-1:123456789012:apps/a1", "UserDataShared": false}}`},
	"CallbackURLs":                                 {`{"requireHttps": true}`, `{"forbid": ["*.internal/*"]}`, `{"require": ["https://a.example.com/cb"]}`, `["https://a.example.com/cb"]`},
	"ClientName":                                   {`{"pattern": "^[a-z0-9-]+$", "action": "report"}`, `{"pattern": "^[a-z-]+$"}`, `"web-portal"`},
	"DefaultRedirectURI":                           {`{"requireHttps": true}`, `"https://a.example.com/cb"`},
	"EnablePropagateAdditionalUserContextData":     {`true`, `false`},
	"EnableTokenRevocation":                        {`true`, `{"equals": true, "action": "report"}`},
	"LogoutURLs":                                   {`{"requireHttps": true}`, `{"allow": ["https://*"]}`},
	"PreventUserExistenceErrors":                   {`"ENABLED"`, `"LEGACY"`},
	"ReadAttributes":                               {`{"forbid": ["custom:ssn"]}`, `{"require": ["email"]}`, `["email", "name"]`, `{"allow": ["email*", "name"]}`},
	"RefreshTokenRotation":                         {`{"equals": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}}`, `{"equals": {"Feature": "DISABLED"}}`},
	"RefreshTokenRotation.Feature":                 {`"ENABLED"`, `"DISABLED"`},
	"RefreshTokenRotation.RetryGracePeriodSeconds": {`{"max": 30}`, `5`},
	"SupportedIdentityProviders":                   {`{"allow": ["COGNITO", "Google"]}`, `{"require": ["COGNITO"]}`},
	"WriteAttributes":                              {`{"forbid": ["email"]}`, `["name"]`},
}

func genBaseline(rng *rand.Rand) string {
	var rules []string
	rotationWhole := rng.IntN(2) == 0
	for _, field := range sortedKeys(rulePool) {
		if rng.IntN(5) >= 2 {
			continue
		}
		if strings.HasPrefix(field, "RefreshTokenRotation.") == rotationWhole && strings.HasPrefix(field, "RefreshTokenRotation") {
			continue
		}
		rules = append(rules, fmt.Sprintf("%q: %s", field, pick(rng, rulePool[field]...)))
	}
	return rulesDoc(strings.Join(rules, ", "))
}

func sortedKeys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
}
