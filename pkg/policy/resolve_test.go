package policy_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

const scopedDoc = `{
  "version": 1,
  "rules": {
    "AccessTokenValidity": {"max": "1h"},
    "ExplicitAuthFlows": {"forbid": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"]},
    "RefreshTokenRotation": {"equals": {"Feature": "DISABLED"}},
    "ClientName": {"pattern": "^[a-z-]+$", "action": "report"}
  },
  "overrides": [
    {"match": {"userPoolId": "eu-west-1_*"}, "rules": {"AccessTokenValidity": {"max": "2h"}}},
    {"match": {"userPoolId": "eu-west-1_AbC123", "clientName": "legacy-*"},
     "rules": {"ExplicitAuthFlows": {"forbid": ["ALLOW_ADMIN_USER_PASSWORD_AUTH"]}, "ClientName": null}},
    {"match": {"clientId": "partner*"}, "rules": {"AccessTokenValidity": {"max": "30m", "action": "report"},
      "RefreshTokenRotation.Feature": "ENABLED"}}
  ],
  "exemptions": [
    {"match": {"clientId": "4s1example0client0id"}, "fields": ["CallbackURLs", "RefreshTokenRotation"],
     "expires": "2027-03-31", "reason": "partner integration, ticket SEC-1234"},
    {"match": {"clientName": "legacy-*"}, "expires": "2026-01-01T00:00:00Z", "reason": "migration, SEC-99"}
  ]
}`

func TestResolve(t *testing.T) {
	b := mustParse(t, scopedDoc)
	partner := policy.Exemption{Index: 0, Match: policy.Match{ClientID: "4s1example0client0id"}, Fields: []string{"CallbackURLs", "RefreshTokenRotation"},
		Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), Reason: "partner integration, ticket SEC-1234"}
	migration := policy.Exemption{Index: 1, Match: policy.Match{ClientName: "legacy-*"}, Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Reason: "migration, SEC-99"}
	tests := []struct {
		name      string
		target    policy.Target
		at        time.Time
		rules     []string
		exemption []policy.Exemption
		expired   []policy.Exemption
	}{
		{"defaults only", policy.Target{UserPoolID: "us-east-1_X", ClientID: "c1", ClientName: "web"}, now,
			[]string{
				"AccessTokenValidity max 1h (enforce)",
				"ClientName pattern ^[a-z-]+$ (report)",
				"ExplicitAuthFlows forbid [ALLOW_USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH] (enforce)",
				`RefreshTokenRotation equals {"Feature":"DISABLED"} (enforce)`,
			}, nil, nil},
		{"overrides in order, null removes, expired exemption reported",
			policy.Target{UserPoolID: "eu-west-1_AbC123", ClientID: "4s1example0client0id", ClientName: "legacy-crm"}, now,
			[]string{
				"AccessTokenValidity max 2h (enforce)",
				"ExplicitAuthFlows forbid [ALLOW_ADMIN_USER_PASSWORD_AUTH] (enforce)",
				`RefreshTokenRotation equals {"Feature":"DISABLED"} (enforce)`,
			}, []policy.Exemption{partner}, []policy.Exemption{migration}},
		{"all match keys must fit", policy.Target{UserPoolID: "eu-west-1_Other", ClientID: "c1", ClientName: "legacy-crm"}, now,
			[]string{
				"AccessTokenValidity max 2h (enforce)",
				"ClientName pattern ^[a-z-]+$ (report)",
				"ExplicitAuthFlows forbid [ALLOW_USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH] (enforce)",
				`RefreshTokenRotation equals {"Feature":"DISABLED"} (enforce)`,
			}, nil, []policy.Exemption{migration}},
		{"a later rule replaces the whole rule; parts replace the whole",
			policy.Target{UserPoolID: "eu-west-1_Z", ClientID: "partner-7", ClientName: "p"}, now,
			[]string{
				"AccessTokenValidity max 30m (report)",
				"ClientName pattern ^[a-z-]+$ (report)",
				"ExplicitAuthFlows forbid [ALLOW_USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH] (enforce)",
				"RefreshTokenRotation.Feature equals ENABLED (enforce)",
			}, nil, nil},
		{"date expiry is the start of the day, last moment",
			policy.Target{ClientID: "4s1example0client0id", ClientName: "p"}, time.Date(2027, 3, 30, 23, 59, 59, 0, time.UTC),
			[]string{
				"AccessTokenValidity max 1h (enforce)",
				"ClientName pattern ^[a-z-]+$ (report)",
				"ExplicitAuthFlows forbid [ALLOW_USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH] (enforce)",
				`RefreshTokenRotation equals {"Feature":"DISABLED"} (enforce)`,
			}, []policy.Exemption{partner}, nil},
		{"date expiry is the start of the day, expired",
			policy.Target{ClientID: "4s1example0client0id", ClientName: "p"}, time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC),
			[]string{
				"AccessTokenValidity max 1h (enforce)",
				"ClientName pattern ^[a-z-]+$ (report)",
				"ExplicitAuthFlows forbid [ALLOW_USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH] (enforce)",
				`RefreshTokenRotation equals {"Feature":"DISABLED"} (enforce)`,
			}, nil, []policy.Exemption{partner}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.Resolve(tt.target, tt.at)
			var got []string
			for _, r := range p.Rules {
				got = append(got, r.String())
			}
			if diff := diff.Diff(tt.rules, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if diff := diff.Diff(tt.exemption, p.Exemptions); diff != "" {
				t.Errorf("exemptions (-want +got):\n%s", diff)
			}
			if diff := diff.Diff(tt.expired, p.Expired); diff != "" {
				t.Errorf("expired (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExemptions: exempted findings are set aside and not fixed; an expired
// exemption is reported and not applied.
func TestExemptions(t *testing.T) {
	b := mustParse(t, string(readFile(t, "testdata/baseline.json")))
	c := describeFixture(t, "web-portal-drift.json")
	c.ClientId = ptr("4s1example0client0id")

	active := policy.Evaluate(b, c, now)
	var exempted []string
	for _, f := range active.Exempted {
		exempted = append(exempted, f.Rule)
	}
	if diff := diff.Diff([]string{"CallbackURLs.requireHttps"}, exempted); diff != "" {
		t.Errorf("exempted (-want +got):\n%s", diff)
	}
	for _, ch := range active.Changes {
		if ch.Field == "CallbackURLs" || ch.Field == "DefaultRedirectURI" {
			t.Errorf("exempted field changed: %+v", ch)
		}
	}
	if len(active.Exemptions) != 1 || len(active.Expired) != 0 {
		t.Errorf("Exemptions = %v, Expired = %v; want one active", active.Exemptions, active.Expired)
	}

	expired := policy.Evaluate(b, c, time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC))
	if len(expired.Exempted) != 0 || len(expired.Exemptions) != 0 || len(expired.Expired) != 1 {
		t.Errorf("after expiry: Exempted = %v, Exemptions = %v, Expired = %v", expired.Exempted, expired.Exemptions, expired.Expired)
	}
	if !hasChange(expired.Changes, "CallbackURLs") {
		t.Errorf("after expiry CallbackURLs is not fixed: %+v", expired.Changes)
	}
}

// TestDefaultRedirectExempt: when clearing DefaultRedirectURI is not ours to
// do, the CallbackURLs fix that needs it is withdrawn.
func TestDefaultRedirectExempt(t *testing.T) {
	b := mustParse(t, `{"version": 1, "rules": {"CallbackURLs": {"requireHttps": true}},
		"exemptions": [{"match": {"clientName": "*"}, "fields": ["DefaultRedirectURI"], "expires": "2030-01-01", "reason": "r"}]}`)
	got := policy.Evaluate(b, describeFixture(t, "web-portal-drift.json"), now)
	want := []string{"the fix removes DefaultRedirectURI from CallbackURLs, and DefaultRedirectURI is exempt or report-only"}
	var reasons []string
	for _, f := range got.Unfixable() {
		reasons = append(reasons, f.Reason)
	}
	if diff := diff.Diff(want, reasons); diff != "" {
		t.Errorf("unfixable reasons (-want +got):\n%s", diff)
	}
	if got.Fixed != nil {
		t.Errorf("Fixed = %+v, want nil", got.Changes)
	}
}

func hasChange(cs []policy.Change, field string) bool {
	for _, c := range cs {
		if c.Field == field {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// TestZeroBaseline: other packages' tests use &policy.Baseline{}; it holds
// no rule, so every client is compliant.
func TestZeroBaseline(t *testing.T) {
	r := policy.Evaluate(&policy.Baseline{}, describeFixture(t, "web-portal-drift.json"), now)
	if !r.Compliant() || r.Fixed != nil || len(r.Changes) != 0 {
		t.Errorf("zero baseline: %+v", r.Findings)
	}
}

// TestPartExemptionCoversWholeRule: a rule stating RefreshTokenRotation
// whole would write the part an exemption names; the exemption wins.
func TestPartExemptionCoversWholeRule(t *testing.T) {
	b := mustParse(t, `{"version": 1,
		"rules": {"RefreshTokenRotation": {"equals": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}}},
		"exemptions": [{"match": {"clientName": "*"}, "fields": ["RefreshTokenRotation.Feature"], "expires": "2030-01-01", "reason": "migration, ticket SEC-1"}]}`)
	got := policy.Evaluate(b, describeFixture(t, "web-portal-drift.json"), now)
	if got.Fixed != nil || len(got.Changes) != 0 {
		t.Errorf("the exempted rotation was fixed: %+v", got.Changes)
	}
	if len(got.Exempted) != 1 || got.Exempted[0].Field != "RefreshTokenRotation" {
		t.Errorf("Exempted = %+v, want the RefreshTokenRotation finding", got.Exempted)
	}
}

// TestNullPartKeepsTheOtherPart: an override removing one part of a rule
// that states RefreshTokenRotation whole keeps the other part's requirement.
func TestNullPartKeepsTheOtherPart(t *testing.T) {
	b := mustParse(t, `{"version": 1,
		"rules": {"RefreshTokenRotation": {"equals": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}}},
		"overrides": [{"match": {"clientName": "*"}, "rules": {"RefreshTokenRotation.RetryGracePeriodSeconds": null}}]}`)
	p := b.Resolve(policy.Target{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "c", ClientName: "web-portal"}, now)
	var got []string
	for _, r := range p.Rules {
		got = append(got, r.String())
	}
	if diff := diff.Diff([]string{"RefreshTokenRotation.Feature equals ENABLED (enforce)"}, got); diff != "" {
		t.Errorf("resolved rules (-want +got):\n%s", diff)
	}
}

// TestStatedPartKeepsTheOtherPart (issue 9): an override stating one part
// of RefreshTokenRotation replaces that part only; the inherited
// requirement on the other part stays, exactly as it does for null.
func TestStatedPartKeepsTheOtherPart(t *testing.T) {
	tests := []struct {
		name, override string
		want           []string
	}{
		{"bound on the grace period keeps Feature", `"RefreshTokenRotation.RetryGracePeriodSeconds": {"max": 30}`,
			[]string{"RefreshTokenRotation.Feature equals ENABLED (enforce)", "RefreshTokenRotation.RetryGracePeriodSeconds max 30 (enforce)"}},
		{"Feature stated keeps the grace period", `"RefreshTokenRotation.Feature": {"equals": "ENABLED", "action": "report"}`,
			[]string{"RefreshTokenRotation.Feature equals ENABLED (report)", "RefreshTokenRotation.RetryGracePeriodSeconds equals 10 (enforce)"}},
		{"null keeps Feature", `"RefreshTokenRotation.RetryGracePeriodSeconds": null`,
			[]string{"RefreshTokenRotation.Feature equals ENABLED (enforce)"}},
		{"whole replaces whole", `"RefreshTokenRotation": {"equals": {"Feature": "DISABLED"}}`,
			[]string{`RefreshTokenRotation equals {"Feature":"DISABLED"} (enforce)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustParse(t, `{"version": 1,
				"rules": {"RefreshTokenRotation": {"equals": {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}}},
				"overrides": [{"match": {"clientName": "*"}, "rules": {`+tt.override+`}}]}`)
			p := b.Resolve(policy.Target{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "c", ClientName: "web-portal"}, now)
			var got []string
			for _, r := range p.Rules {
				got = append(got, r.String())
			}
			if diff := diff.Diff(tt.want, got); diff != "" {
				t.Errorf("resolved rules (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResultSaysWhatApplied (issue 10 section 6): a client's name is in the
// hands of anyone who can edit the client, so a Result names each override
// and exemption that applied, with its index and match, and the fields the
// override touched.
func TestResultSaysWhatApplied(t *testing.T) {
	b := mustParse(t, scopedDoc)
	c := describeFixture(t, "web-portal-drift.json")
	c.UserPoolId, c.ClientId, c.ClientName = ptr("eu-west-1_AbC123"), ptr("4s1example0client0id"), ptr("legacy-crm")
	got := policy.Evaluate(b, c, now)
	wantOverrides := []policy.AppliedOverride{
		{Index: 0, Match: policy.Match{UserPoolID: "eu-west-1_*"}, Fields: []string{"AccessTokenValidity"}},
		{Index: 1, Match: policy.Match{UserPoolID: "eu-west-1_AbC123", ClientName: "legacy-*"}, Fields: []string{"ClientName", "ExplicitAuthFlows"}},
	}
	if diff := diff.Diff(wantOverrides, got.Overrides); diff != "" {
		t.Errorf("Overrides (-want +got):\n%s", diff)
	}
	wantExemptions := []policy.Exemption{{Index: 0, Match: policy.Match{ClientID: "4s1example0client0id"},
		Fields: []string{"CallbackURLs", "RefreshTokenRotation"}, Expires: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC),
		Reason: "partner integration, ticket SEC-1234"}}
	if diff := diff.Diff(wantExemptions, got.Exemptions); diff != "" {
		t.Errorf("Exemptions (-want +got):\n%s", diff)
	}
	wantExpired := []policy.Exemption{{Index: 1, Match: policy.Match{ClientName: "legacy-*"},
		Expires: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Reason: "migration, SEC-99"}}
	if diff := diff.Diff(wantExpired, got.Expired); diff != "" {
		t.Errorf("Expired (-want +got):\n%s", diff)
	}
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"Overrides":[{"index":0,"match":{"userPoolId":"eu-west-1_*"},"fields":["AccessTokenValidity"]}`,
		`"match":{"clientName":"legacy-*"}`} {
		if !strings.Contains(string(out), key) {
			t.Errorf("Result JSON lacks %s: %s", key, out)
		}
	}
}
