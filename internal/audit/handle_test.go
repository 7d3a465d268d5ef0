package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// fakeOutputs records the batches emitted.
type fakeOutputs struct{ batches []outputs.Batch }

func (f *fakeOutputs) Emit(_ context.Context, b outputs.Batch) { f.batches = append(f.batches, b) }

// TestHandle: the handler parses the payload, sweeps, hands every outcome
// to the outputs in one batch, and returns and logs (as one JSON line) the
// report with the outcomes asked for.
func TestHandle(t *testing.T) {
	for _, tc := range []struct {
		list ClientList
		want []string
	}{
		{ClientsAll, []string{"us-east-1_B/b1", "us-east-1_C/c1", "us-east-1_C/c2", "us-east-1_C/c3", "us-east-1_C/c4"}},
		{ClientsAttention, []string{"us-east-1_C/c2"}},
		{ClientsNone, nil},
	} {
		t.Run(string(tc.list), func(t *testing.T) {
			b := &fakeBaselines{b: &policy.Baseline{}}
			l := threePools()
			r := newFakeReconciler(b.b, l)
			r.script[ref("us-east-1_C", "c2")] = []result{{out: reconcile.Outcome{Status: reconcile.Drift}}}
			var logs bytes.Buffer
			m := &fakeOutputs{}
			s := newSweeper(l, r, b)
			s.Log, s.Outputs, s.Clients = slog.New(slog.NewJSONHandler(&logs, nil)), m, tc.list

			rep, err := s.Handle(context.Background(), json.RawMessage(`{"userPoolIds": ["us-east-1_B", "us-east-1_C"]}`))
			if err != nil {
				t.Fatal(err)
			}
			if diff := diff.Diff(tc.want, refsOf(rep.Clients)); diff != "" {
				t.Errorf("report clients (-want +got):\n%s", diff)
			}
			if diff := diff.Diff(map[string]int{"compliant": 4, "drift": 1}, rep.Counts); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			if len(m.batches) != 1 || len(m.batches[0].Items) != 5 || m.batches[0].Retry {
				t.Errorf("outputs got %+v; want one batch of 5 outcomes", m.batches)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs.String())
			}
			var line struct {
				Msg    string `json:"msg"`
				Report Report `json:"report"`
			}
			if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
				t.Fatal(err)
			}
			if diff := diff.Diff(*rep, line.Report); diff != "" || line.Msg != "audit report" {
				t.Errorf("logged %q, report (-returned +logged):\n%s", line.Msg, diff)
			}
		})
	}
}

func TestHandleBadInput(t *testing.T) {
	s := newSweeper(&fakeLister{}, &fakeReconciler{}, &fakeBaselines{})
	if _, err := s.Handle(context.Background(), json.RawMessage(`{"userPoolID": ["us-east-1_A"]}`)); err == nil {
		t.Error("no error for an unknown key")
	}
}

// TestHandleLogsBoundedReport: with AUDIT_REPORT_CLIENTS=all, 3,000
// clients made a 279 KB log line, over CloudWatch Logs' 256 KB event
// limit. The logged line stays bounded and says how many clients it
// leaves out; the result still lists every client.
func TestHandleLogsBoundedReport(t *testing.T) {
	const n = 3000
	l := &fakeLister{clients: map[string][][]string{"us-east-1_Big": {}}}
	var page []string
	for i := range n {
		page = append(page, fmt.Sprintf("client%06d", i))
	}
	l.clients["us-east-1_Big"] = [][]string{page}
	b := &fakeBaselines{b: &policy.Baseline{}}
	r := newFakeReconciler(b.b, l)
	for _, id := range page {
		r.script[ref("us-east-1_Big", id)] = []result{{out: reconcile.Outcome{Status: reconcile.Drift, ClientName: "app " + id, Reason: "dry run: would remediate AccessTokenValidity",
			Findings: []policy.Finding{{Rule: "AccessTokenValidity.max", Field: "AccessTokenValidity", Current: "24h", Required: "<= 1h", Action: policy.Enforce, Fixable: true, Fix: "1h"}}}}}
	}
	var logs bytes.Buffer
	s := newSweeper(l, r, b)
	s.Log, s.Clients = slog.New(slog.NewJSONHandler(&logs, nil)), ClientsAll
	rep, err := s.Handle(context.Background(), json.RawMessage(`{"userPoolIds": ["us-east-1_Big"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Clients) != n {
		t.Errorf("result lists %d clients, want %d", len(rep.Clients), n)
	}
	line := bytes.TrimSpace(logs.Bytes())
	if bytes.Count(line, []byte("\n")) != 0 {
		t.Fatalf("want one log line")
	}
	if len(line) > 200<<10 {
		t.Errorf("log line is %d bytes, want at most 200 KB", len(line))
	}
	var logged struct {
		Report struct {
			Counts         map[string]int      `json:"counts"`
			Clients        []reconcile.Outcome `json:"clients"`
			ClientsOmitted int                 `json:"clientsOmitted"`
		} `json:"report"`
	}
	if err := json.Unmarshal(line, &logged); err != nil {
		t.Fatal(err)
	}
	got := logged.Report
	if len(got.Clients) == 0 || len(got.Clients)+got.ClientsOmitted != n || got.Counts["drift"] != n {
		t.Errorf("logged %d clients + %d omitted, counts %v; want %d in all", len(got.Clients), got.ClientsOmitted, got.Counts, n)
	}
}
