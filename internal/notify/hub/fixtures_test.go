package hub

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/notify"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// The outcomes and helpers of package notify's tests (notify_test.go),
// which these tests used before Security Hub had its own package.

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	pool    = "us-east-1_EXAMPLE01"
	account = "123456789012"
	region  = "us-east-1"
	poolARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_EXAMPLE01"
)

var (
	accessMax = policy.Finding{Rule: "AccessTokenValidity.max", Field: "AccessTokenValidity", Current: "24h", Required: "<= 1h", Action: policy.Enforce, Fixable: true, Fix: "1h"}
	flowsRpt  = policy.Finding{Rule: "ExplicitAuthFlows.forbid", Field: "ExplicitAuthFlows", Current: []any{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"}, Required: "must not contain ALLOW_USER_PASSWORD_AUTH", Action: policy.Report, Fixable: true}
	implicit  = policy.Finding{Rule: "AllowedOAuthFlows.forbid", Field: "AllowedOAuthFlows", Current: []any{"implicit"}, Required: "must not contain implicit", Action: policy.Enforce, Fixable: false, Reason: "implicit is the only OAuth flow; removing it leaves none"}

	remediated = reconcile.Outcome{
		UserPoolID: pool, ClientID: "6example0client0id0drift01", ClientName: "web-portal",
		Status: reconcile.Remediated, Reason: "remediated AccessTokenValidity",
		Findings: []policy.Finding{accessMax, flowsRpt},
		Changes:  []policy.Change{{Field: "AccessTokenValidity", Before: "24h", After: "1h"}},
	}
	unfixable = reconcile.Outcome{
		UserPoolID: pool, ClientID: "6example0client0id0unfix01", ClientName: "legacy-spa",
		Status: reconcile.Unfixable, Reason: "1 finding(s) cannot be fixed automatically",
		Findings: []policy.Finding{implicit},
	}
	dryRun = reconcile.Outcome{
		UserPoolID: pool, ClientID: "6example0client0id0dryrn01", ClientName: "admin",
		Status: reconcile.Drift, DryRun: true, Reason: "dry run: would remediate AccessTokenValidity",
		Findings: []policy.Finding{accessMax},
		Changes:  []policy.Change{{Field: "AccessTokenValidity", Before: "24h", After: "1h"}},
	}
	failed    = reconcile.Outcome{UserPoolID: pool, ClientID: "6example0client0id0faild01", ClientName: "batch", Status: reconcile.Failed, Reason: "update: NotAuthorizedException: not allowed"}
	compliant = reconcile.Outcome{UserPoolID: pool, ClientID: "6example0client0id0clean01", ClientName: "mobile-app", Status: reconcile.Compliant}
	skipped   = reconcile.Outcome{UserPoolID: pool, ClientID: "6example0client0id0gone001", Status: reconcile.Skipped, Reason: "client not found"}
	exempt    = reconcile.Outcome{UserPoolID: pool, ClientID: "6example0client0id0exmpt01", ClientName: "partner", Status: reconcile.Exempt, Exempted: []policy.Finding{accessMax}}
)

// newTestNotifier is a notifier whose only channel is a Hub made of opt,
// at the tests' time and without pauses between retries.
func newTestNotifier(opt Options) *notify.Notifier {
	opt.Now, opt.Backoff = fixedNow, func(int) time.Duration { return 0 }
	return notify.New(notify.Options{SecurityHub: New(opt), Account: account, Region: region, Function: "remediate", Now: fixedNow})
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("error = %v, want none", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("error = %v, want one containing %q", err, want)
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := diff.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// indent canonicalises JSON for a golden file: indented, object keys sorted
// (the SDK writes maps in random order).
func indent(t *testing.T, raw []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
