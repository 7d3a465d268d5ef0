package report_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/report"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// TestSpoolMatchesGolden: the streamed report of the test data is the same,
// byte for byte, as the one rendered from the whole result in memory (the
// golden files), and its summary file holds the same totals.
func TestSpoolMatchesGolden(t *testing.T) {
	d := load(t)
	dir := t.TempDir()
	s, err := report.NewSpool(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range d.Clients {
		s.Add(o)
	}
	s.AddPending(d.Pending...)
	s.AddPoolErrors(d.PoolErrors...)
	sum, err := s.Finish(d.StartedAt, d.Complete, d.DryRun)
	if err != nil {
		t.Fatal(err)
	}
	for name, golden := range map[string]string{report.JSONLFile: "audit.golden.jsonl", report.CSVFile: "audit.golden.csv", report.HTMLFile: "audit.golden.html"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("testdata", golden))
		if err != nil {
			t.Fatal(err)
		}
		if diff := diff.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", name, golden, diff)
		}
	}
	if sum.Total != 7 || sum.AttentionTotal != 4 || sum.AttentionShown != 4 || len(sum.Attention) != 0 || sum.ExpiringTotal != 1 {
		t.Errorf("summary: total %d, attention %d shown %d listed %d, expiring %d; want 7, 4, 4, 0, 1",
			sum.Total, sum.AttentionTotal, sum.AttentionShown, len(sum.Attention), sum.ExpiringTotal)
	}
	raw, err := os.ReadFile(filepath.Join(dir, report.SummaryFile))
	if err != nil || !bytes.Contains(raw, []byte(`"attentionTotal": 4`)) {
		t.Errorf("summary file: %v\n%s", err, raw)
	}
}

// TestSpoolBoundsThePage: the page lists at most MaxAttention clients, the
// most urgent first, and says how many more there are; the JSON Lines file
// has every client.
func TestSpoolBoundsThePage(t *testing.T) {
	dir := t.TempDir()
	s, err := report.NewSpool(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	const drifted, failed = report.MaxAttention + 500, 3
	f := policy.Finding{Rule: "EnableTokenRevocation.equals", Field: "EnableTokenRevocation", Current: false, Required: "= true", Action: policy.Report}
	for i := range drifted {
		s.Add(reconcile.Outcome{UserPoolID: "us-east-1_AbC123", ClientID: fmt.Sprintf("drift%06d", i), Status: reconcile.Drift, Findings: []policy.Finding{f}})
		if i == 700 { // failures arrive late but are listed first
			for j := range failed {
				s.Add(reconcile.Outcome{UserPoolID: "us-east-1_AbC123", ClientID: fmt.Sprintf("failed%d", j), Status: reconcile.Failed, Reason: "AccessDenied"})
			}
		}
		s.Add(reconcile.Outcome{UserPoolID: "us-east-1_AbC123", ClientID: fmt.Sprintf("ok%06d", i), Status: reconcile.Compliant})
	}
	sum, err := s.Finish(now, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 2*drifted+failed || sum.AttentionTotal != drifted+failed || sum.AttentionShown != report.MaxAttention {
		t.Errorf("total %d attention %d shown %d", sum.Total, sum.AttentionTotal, sum.AttentionShown)
	}
	page, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	outcomes := regexp.MustCompile(`<article class="client" data-pool="[^"]*" data-client="[^"]*" data-outcome="([a-z]+)"`).FindAllSubmatch(page, -1)
	if len(outcomes) != report.MaxAttention {
		t.Fatalf("page lists %d clients, want %d", len(outcomes), report.MaxAttention)
	}
	for i, m := range outcomes[:failed] {
		if string(m[1]) != "failed" {
			t.Errorf("client %d on the page is %s, want failed first", i, m[1])
		}
	}
	if want := fmt.Sprintf(`data-omitted="%d"`, drifted+failed-report.MaxAttention); !bytes.Contains(page, []byte(want)) {
		t.Errorf("page lacks %s", want)
	}
	lines, err := os.ReadFile(filepath.Join(dir, report.JSONLFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(lines), "\n"); n != 2*drifted+failed {
		t.Errorf("JSON Lines file has %d lines, want %d", n, 2*drifted+failed)
	}
	n := 0
	if err := report.ReadJSONL(bytes.NewReader(lines), func(reconcile.Outcome) error { n++; return nil }); err != nil || n != 2*drifted+failed {
		t.Errorf("ReadJSONL: %d outcomes, %v", n, err)
	}
}

// A broken line is an error naming the outcome, not a silent stop.
func TestReadJSONLRejectsGarbage(t *testing.T) {
	err := report.ReadJSONL(strings.NewReader("{\"userPoolId\":\"a\"}\n{oops\n"), func(reconcile.Outcome) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "outcome 2") {
		t.Errorf("err = %v, want one naming outcome 2", err)
	}
}
