package policy_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

func TestSmoke(t *testing.T) {
	b, err := policy.Parse(readFile(t, "testdata/baseline.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"minimal.json", "web-portal-drift.json", "mobile-app-clean.json", "oauth-http-only.json", "machine-client.json", "legacy-flows.json"} {
		r := policy.Evaluate(b, describeFixture(t, n), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
		e := json.NewEncoder(os.Stdout)
		e.SetIndent("", " ")
		t.Log(n)
		e.Encode(struct{ F, X, C any }{r.Findings, r.Exempted, r.Changes})
	}
}
