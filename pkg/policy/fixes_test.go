package policy_test

import (
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// helperDoc adds a custom scope, an identity provider and read attributes
// (all of which the pool must define), removes a write attribute, clamps a
// duration and sets analytics.
const helperDoc = `{"version": 1, "rules": {
	"AccessTokenValidity": {"max": "1h"},
	"AllowedOAuthScopes": {"require": ["openid", "api/write"], "forbid": ["phone"]},
	"SupportedIdentityProviders": {"require": ["COGNITO", "Google"]},
	"ReadAttributes": ["email", "custom:tier"],
	"WriteAttributes": {"forbid": ["custom:tier"]},
	"AnalyticsConfiguration": {"equals": {"ApplicationId": "0123456789abcdef0123456789abcdef"}},
	"EnableTokenRevocation": true
}}`

const helperClient = `"AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "phone"],
	"CallbackURLs": ["https://a.example.com/cb"], "SupportedIdentityProviders": ["COGNITO"], "WriteAttributes": ["email", "custom:tier"],
	"AccessTokenValidity": 2, "EnableTokenRevocation": false`

func TestAdditions(t *testing.T) {
	r := policy.Evaluate(mustParse(t, helperDoc), describeBody([]byte(client(helperClient))), now)
	want := policy.Additions{
		AllowedOAuthScopes:         []string{"api/write"},
		SupportedIdentityProviders: []string{"Google"},
		ReadAttributes:             []string{"custom:tier", "email"}, // unset ("all") before: every named one
	}
	if diff := diff.Diff(want, r.Additions()); diff != "" {
		t.Errorf("Additions (-want +got):\n%s", diff)
	}
	if r.Additions().Empty() {
		t.Error("Empty() = true")
	}
	clean := policy.Evaluate(mustParse(t, `{"version": 1, "rules": {"WriteAttributes": {"forbid": ["custom:tier"]}}}`),
		describeBody([]byte(client(helperClient))), now)
	if a := clean.Additions(); !a.Empty() {
		t.Errorf("a removal adds %+v", a)
	}
}

// TestSelfContained (issue 10 section 3): the reduced fix set keeps the
// removals, clamps and scalar settings and withdraws every fix that names
// something only the pool or the account defines.
func TestSelfContained(t *testing.T) {
	const reason = "Cognito rejected the update: ScopeDoesNotExistException"
	c := describeBody([]byte(client(helperClient)))
	b := mustParse(t, helperDoc)
	full := policy.Evaluate(b, c, now)
	got := full.SelfContained(c, reason)

	wantChanges := []policy.Change{
		{Field: "AccessTokenValidity", Before: "2h", After: "1h"},
		{Field: "EnableTokenRevocation", Before: false, After: true},
		{Field: "WriteAttributes", Before: []string{"custom:tier", "email"}, After: []string{"email"}},
	}
	if diff := diff.Diff(wantChanges, got.Changes); diff != "" {
		t.Errorf("Changes (-want +got):\n%s", diff)
	}
	var withdrawn []string
	for _, f := range got.Unfixable() {
		if f.Reason != reason || f.Fix != nil {
			t.Errorf("%s: reason %q, fix %v", f.Rule, f.Reason, f.Fix)
		}
		withdrawn = append(withdrawn, f.Rule)
	}
	wantWithdrawn := []string{"AllowedOAuthScopes.require", "AllowedOAuthScopes.forbid", "AnalyticsConfiguration.equals",
		"ReadAttributes.equals", "SupportedIdentityProviders.require"}
	if diff := diff.Diff(wantWithdrawn, withdrawn); diff != "" {
		t.Errorf("withdrawn (-want +got):\n%s", diff)
	}
	if got.Fixed == nil || len(got.Fixed.AllowedOAuthScopes) != 2 || got.Fixed.AnalyticsConfiguration != nil || got.Fixed.ReadAttributes != nil {
		t.Fatalf("Fixed still carries a withdrawn fix: %+v", got.Fixed)
	}
	if !got.Additions().Empty() {
		t.Errorf("the reduced set still adds %+v", got.Additions())
	}
	// The full result is untouched, and evaluating the reduced Fixed leaves
	// exactly the withdrawn fixes to do.
	if len(full.Unfixable()) != 0 || len(full.Changes) != 7 {
		t.Errorf("SelfContained changed its receiver: %d unfixable, %d changes", len(full.Unfixable()), len(full.Changes))
	}
	var left []string
	for _, f := range policy.Evaluate(b, got.Fixed, now).Enforceable() {
		left = append(left, f.Rule)
	}
	if diff := diff.Diff(wantWithdrawn, left); diff != "" {
		t.Errorf("left to fix after the reduced write (-want +got):\n%s", diff)
	}
}

// TestSelfContainedNothingToWithdraw: a result whose fixes are all
// self-contained comes back as it was.
func TestSelfContainedNothingToWithdraw(t *testing.T) {
	b := mustParse(t, string(readFile(t, "testdata/baseline.json")))
	c := describeFixture(t, "web-portal-drift.json")
	full := policy.Evaluate(b, c, now)
	if diff := diff.Diff(full.Changes, full.SelfContained(c, "x").Changes); diff != "" {
		t.Errorf("Changes (-want +got):\n%s", diff)
	}
	if diff := diff.Diff(full.Findings, full.SelfContained(c, "x").Findings); diff != "" {
		t.Errorf("Findings (-want +got):\n%s", diff)
	}
}
