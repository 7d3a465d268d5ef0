package main

import (
	"os"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

func TestValidate(t *testing.T) {
	syntax, err := os.ReadFile("testdata/baselines/syntax.json")
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, []cmdCase{
		{name: "validate_valid", args: []string{"validate", "testdata/baselines/current.json", "testdata/baselines/candidate.json"}, code: 0},
		{name: "validate_errors", args: []string{"validate", "testdata/baselines/errors.json"}, code: 1},
		{name: "validate_errors_json", args: []string{"validate", "--json", "testdata/baselines/errors.json"}, code: 1},
		{name: "validate_syntax", args: []string{"validate", "testdata/baselines/syntax.json"}, code: 1},
		{name: "validate_stdin", args: []string{"validate", "-"}, stdin: string(syntax), code: 1},
		{name: "validate_warnings", args: []string{"validate", "testdata/baselines/warnings.json"}, code: 0},
		{name: "validate_warnings_strict", args: []string{"validate", "testdata/baselines/warnings.json", "--strict"}, code: 1},
		{name: "validate_warnings_json", args: []string{"validate", "--json", "testdata/baselines/warnings.json"}, code: 0},
		{name: "validate_unreadable", args: []string{"validate", "testdata/baselines/current.json", "testdata/baselines/missing.json"}, code: 1},
		{name: "validate_no_file", args: []string{"validate"}, code: 1},
	})
}

func TestLocator(t *testing.T) {
	data := []byte("{\n  \"rules\": {\"RefreshTokenRotation.Feature\": \"ENABLED\",\n    \"X\": [1, {\"y\": 2}]},\n  \"é\": true, \"v\": 1\n}")
	loc := newLocator(data)
	for path, want := range map[string]Position{
		"(document)":                         {1, 1},
		"rules":                              {2, 3},
		"rules.RefreshTokenRotation.Feature": {2, 13},
		"rules.X[1].y":                       {3, 15},
		"rules.X[1].y.missing":               {3, 15}, // nearest ancestor
		"rules.X[0]":                         {3, 11},
		"v":                                  {4, 14}, // columns count characters, not bytes
		"version":                            {1, 1},
	} {
		if got := loc.find(path); got != want {
			t.Errorf("find(%q) = %v, want %v", path, got, want)
		}
	}
}

// A duplicate key is reported where it is repeated; other problems under
// that key point at the occurrence the parser kept.
func TestDuplicateKeyPosition(t *testing.T) {
	data := []byte("{\"version\": 1,\n \"rules\": {\"AccessTokenValidity\": {\"max\": \"1h\"},\n  \"AccessTokenValidity\": {\"max\": \"2h\"}}}")
	r := validateData("b.json", data, now)
	want := []Diagnostic{{Path: "rules.AccessTokenValidity", Line: 3, Column: 3, Message: "duplicate key"}}
	if diff := diff.Diff(want, r.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestCoversKey(t *testing.T) {
	for _, tc := range []struct {
		wide, narrow string
		want         bool
	}{
		{"", "x", true}, {"*", "legacy-*", true}, {"legacy-*", "legacy-batch", true},
		{"legacy-*", "legacy-b*", true}, {"legacy-b*", "legacy-*", false}, {"x", "", false},
		{"a*c", "abc", true}, {"a*c", "a*c", true}, {"a*c", "ab*", false},
	} {
		if got := coversKey(tc.wide, tc.narrow); got != tc.want {
			t.Errorf("coversKey(%q, %q) = %v, want %v", tc.wide, tc.narrow, got, tc.want)
		}
	}
}

func TestWeakens(t *testing.T) {
	base := readForm([]byte(`{"max": "1h", "forbid": ["a", "b"], "requireHttps": true}`))
	for _, tc := range []struct{ override, want string }{
		{`{"max": "60m", "forbid": ["b", "a", "c"], "requireHttps": true}`, ""},
		{`{"max": "30m", "forbid": ["a", "b"], "requireHttps": true}`, ""},
		{`{"max": "2h", "forbid": ["a", "b"], "requireHttps": true}`, "raises or drops max"},
		{`{"max": "1h", "forbid": ["a"], "requireHttps": true}`, "no longer forbids b"},
		{`{"max": "1h", "forbid": ["a", "b"]}`, "drops requireHttps"},
		{`{"max": "1h", "forbid": ["a", "b"], "requireHttps": true, "action": "report"}`, "makes it report-only"},
		{`null`, "removes it"},
	} {
		if got := weakens(base, readForm([]byte(tc.override))); got != tc.want {
			t.Errorf("weakens(%s) = %q, want %q", tc.override, got, tc.want)
		}
	}
}

func TestRuleText(t *testing.T) {
	got := []string{
		ruleText("AccessTokenValidity", []byte(`{"max": "60m"}`)),
		ruleText("AccessTokenValidity", []byte(`{"max": "1h", "action": "enforce"}`)),
		ruleText("PreventUserExistenceErrors", []byte(`"ENABLED"`)),
		ruleText("CallbackURLs", []byte(`null`)),
	}
	want := []string{"max 1h (enforce)", "max 1h (enforce)", "equals ENABLED (enforce)", "no rule (null removes it)"}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("ruleText (-want +got):\n%s", diff)
	}
}
