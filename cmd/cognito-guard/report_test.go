package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/audit"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/report"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

func TestReport(t *testing.T) {
	outcomes, err := os.ReadFile("testdata/report/outcomes.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	runCases(t, []cmdCase{
		{name: "report_md", args: []string{"report", "--format", "md", "testdata/report/audit.json"}, code: 0},
		{name: "report_csv", args: []string{"report", "testdata/report/audit.json", "--format", "csv"}, code: 0},
		{name: "report_jsonl", args: []string{"report", "--format", "jsonl", "testdata/report/audit.json"}, code: 0},
		{name: "report_outcomes_jsonl", args: []string{"report", "--format", "md", "testdata/report/outcomes.jsonl"}, code: 0},
		{name: "report_stdin", args: []string{"report", "--format", "csv", "-"}, stdin: string(outcomes), code: 0},
		{name: "report_broken_json", args: []string{"report", "testdata/report/broken.json"}, code: 1},
		{name: "report_broken_jsonl", args: []string{"report", "testdata/report/broken.jsonl"}, code: 1},
		{name: "report_not_a_report", args: []string{"report", "testdata/report/notareport.json"}, code: 1},
		{name: "report_missing_file", args: []string{"report", "testdata/report/missing.json"}, code: 1},
		{name: "report_bad_format", args: []string{"report", "--format", "pdf", "testdata/report/audit.json"}, code: 1},
		{name: "report_no_input", args: []string{"report"}, code: 1},
	})
}

// -o writes the file, in the format its extension names.
func TestReportOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "audit.html")
	r := invoke(t, fixed, nil, "", "report", "-o", out, "testdata/report/audit.json")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", `id="totals"`, `id="attention"`, `data-total="clients">7<`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestReportFromS3(t *testing.T) {
	body, err := os.ReadFile("testdata/report/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := strictServer(t, map[string]string{
		"GET /audit-reports/2026/12/01/audit.json": string(body),
		"GET /audit-reports/missing.json":          "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
	})
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL": srv.URL}
	r := invoke(t, fixed, env, "", "report", "--format", "md", "s3://audit-reports/2026/12/01/audit.json")
	want := invoke(t, fixed, nil, "", "report", "--format", "md", "testdata/report/audit.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if diff := diff.Diff(want.stdout, r.stdout); diff != "" {
		t.Errorf("report from S3 differs from the file's (-want +got):\n%s", diff)
	}
	r = invoke(t, fixed, env, "", "report", "s3://audit-reports/missing.json")
	if r.code != 1 || !strings.Contains(r.stderr, "not found: s3:GetObject: NoSuchKey") {
		t.Errorf("missing key: exit %d, stderr %q", r.code, r.stderr)
	}
	r = invoke(t, fixed, env, "", "report", "s3://audit-reports")
	if r.code != 1 || !strings.Contains(r.stderr, "want s3://BUCKET/KEY") {
		t.Errorf("no key: exit %d, stderr %q", r.code, r.stderr)
	}
}

// The audit's result decodes into report.Data key for key: a renamed JSON
// key on either side fails here.
func TestAuditReportDecodes(t *testing.T) {
	started := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	outs := []reconcile.Outcome{{
		UserPoolID: "p", ClientID: "c", ClientName: "n", Status: reconcile.Unfixable, Reason: "r",
		Findings:   []policy.Finding{{Rule: "CallbackURLs.requireHttps", Field: "CallbackURLs", Current: []any{"http://x"}, Required: "https", Action: policy.Enforce, Reason: "why"}},
		Exemptions: []policy.Exemption{{Fields: []string{"LogoutURLs"}, Expires: started.Add(48 * time.Hour), Reason: "t"}},
	}}
	in := audit.Report{
		Complete: false, Cursor: "abc", DryRun: true, StartedAt: started, DurationMS: 5, PoolsDone: 1, PoolsLeft: 1,
		Counts: map[string]int{"unfixable": 1, "pending": 1}, Clients: outs,
		Pending:    []audit.Pending{{UserPoolID: "p", ClientID: "d", Reason: "throttled"}},
		PoolErrors: []audit.PoolError{{UserPoolID: "q", Outcome: reconcile.Failed, Reason: "denied"}},
		APICalls:   map[string]int64{"DescribeUserPoolClient": 2},
	}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeReport("audit.json", raw)
	if err != nil {
		t.Fatal(err)
	}
	want := report.Data{
		Complete: false, DryRun: true, StartedAt: started, Counts: in.Counts, Clients: outs,
		Pending:    []report.Pending{{UserPoolID: "p", ClientID: "d", Reason: "throttled"}},
		PoolErrors: []report.PoolError{{UserPoolID: "q", Outcome: reconcile.Failed, Reason: "denied"}},
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
}

// The S3 SDK serves only this command: the Lambda functions must not link
// it (it would grow both bootstraps for nothing).
func TestFunctionsDoNotLinkS3(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "../../functions/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/aws/aws-sdk-go-v2/service/s3") {
			t.Errorf("functions link %s", dep)
		}
	}
	if !strings.Contains(string(out), "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider") {
		t.Errorf("go list output does not look like the functions' dependencies:\n%.500s", out)
	}
}
