package metrics_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/metrics"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

var now = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return now }

func TestRecorderFlush(t *testing.T) {
	o := func(s reconcile.Status, dry bool) reconcile.Outcome {
		return reconcile.Outcome{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01", ClientName: "web-portal", Status: s, DryRun: dry}
	}
	tests := []struct {
		name      string
		function  string
		namespace string
		outcomes  []reconcile.Outcome
		want      []map[string]any // decoded lines
	}{
		{
			name:     "nothing recorded writes nothing",
			function: metrics.FunctionRemediate,
		},
		{
			name:     "remediate enforce",
			function: metrics.FunctionRemediate,
			outcomes: []reconcile.Outcome{o(reconcile.Remediated, false)},
			want: []map[string]any{
				line("CognitoGuard", false, "remediate", "enforce", map[string]float64{"DriftFound": 1, "Remediated": 1, "Unfixable": 0, "Failed": 0, "Skipped": 0, "UnknownMembers": 0}),
			},
		},
		{
			name:      "audit counts every status and splits by mode",
			function:  metrics.FunctionAudit,
			namespace: "Custom/NS",
			outcomes: []reconcile.Outcome{
				o(reconcile.Compliant, false), o(reconcile.Remediated, false), o(reconcile.Drift, false),
				unknown(o(reconcile.Unfixable, false)), o(reconcile.Exempt, false), o(reconcile.Skipped, false),
				o(reconcile.Failed, false), o(reconcile.Failed, false),
				o(reconcile.Drift, true), o(reconcile.Compliant, true),
			},
			want: []map[string]any{
				line("Custom/NS", true, "audit", "enforce", map[string]float64{"DriftFound": 3, "Remediated": 1, "Unfixable": 1, "Failed": 2, "Skipped": 1, "UnknownMembers": 1, "ClientsAudited": 8}),
				line("Custom/NS", true, "audit", "dryrun", map[string]float64{"DriftFound": 1, "Remediated": 0, "Unfixable": 0, "Failed": 0, "Skipped": 0, "UnknownMembers": 0, "ClientsAudited": 2}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			r := metrics.New(&buf, tt.namespace, tt.function, fixedNow)
			r.Record(tt.outcomes...)
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			got := decodeLines(t, buf.Bytes())
			if diff := diff.Diff(tt.want, got); diff != "" {
				t.Errorf("EMF lines (-want +got):\n%s", diff)
			}
			// A second flush has nothing new to say.
			buf.Reset()
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if buf.Len() != 0 {
				t.Errorf("second Flush wrote %q, want nothing", buf.String())
			}
		})
	}
}

// unknown marks an outcome as held back for a member the SDK does not know.
func unknown(o reconcile.Outcome) reconcile.Outcome {
	o.UnknownMembers = []string{"FutureSetting"}
	return o
}

// line builds the expected decoded EMF line.
func line(ns string, audit bool, function, mode string, values map[string]float64) map[string]any {
	names := []string{"DriftFound", "Remediated", "Unfixable", "Failed", "Skipped", "UnknownMembers"}
	if audit {
		names = append(names, "ClientsAudited")
	}
	var ms []any
	for _, n := range names {
		ms = append(ms, map[string]any{"Name": n, "Unit": "Count"})
	}
	m := map[string]any{
		"_aws": map[string]any{
			"Timestamp": float64(now.UnixMilli()),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  ns,
				"Dimensions": []any{[]any{"Function", "Mode"}},
				"Metrics":    ms,
			}},
		},
		"Function":  function,
		"Mode":      mode,
		"level":     "FATAL", // no AWS_LAMBDA_LOG_LEVEL given
		"timestamp": now.Format(time.RFC3339Nano),
	}
	for k, v := range values {
		m[k] = v
	}
	return m
}

// decodeLines decodes each line and checks it against the EMF
// specification, independently of the encoder.
func decodeLines(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		if err := checkEMF(m); err != nil {
			t.Errorf("line %s: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return lines
}

// checkEMF validates the structure the CloudWatch EMF specification requires.
func checkEMF(m map[string]any) error {
	aws, ok := m["_aws"].(map[string]any)
	if !ok {
		return errors.New("no _aws object")
	}
	if ts, ok := aws["Timestamp"].(float64); !ok || ts <= 0 || ts != float64(int64(ts)) {
		return fmt.Errorf("Timestamp %v is not a positive integer of milliseconds", aws["Timestamp"])
	}
	dirs, ok := aws["CloudWatchMetrics"].([]any)
	if !ok || len(dirs) == 0 {
		return errors.New("no CloudWatchMetrics directives")
	}
	for _, d := range dirs {
		dir, ok := d.(map[string]any)
		if !ok {
			return errors.New("directive is not an object")
		}
		if ns, ok := dir["Namespace"].(string); !ok || ns == "" || len(ns) > 255 {
			return fmt.Errorf("bad Namespace %v", dir["Namespace"])
		}
		sets, ok := dir["Dimensions"].([]any)
		if !ok {
			return errors.New("Dimensions is not an array")
		}
		for _, s := range sets {
			keys, ok := s.([]any)
			if !ok || len(keys) > 30 {
				return fmt.Errorf("dimension set %v: not an array of at most 30", s)
			}
			for _, k := range keys {
				name, _ := k.(string)
				if _, ok := m[name].(string); !ok {
					return fmt.Errorf("dimension %v has no string value at the root", k)
				}
				if strings.Contains(strings.ToLower(name), "client") || strings.Contains(strings.ToLower(name), "pool") {
					return fmt.Errorf("dimension %q is high-cardinality", name)
				}
			}
		}
		ms, ok := dir["Metrics"].([]any)
		if !ok || len(ms) == 0 || len(ms) > 100 {
			return fmt.Errorf("Metrics: want 1..100 entries, got %v", dir["Metrics"])
		}
		for _, x := range ms {
			def, ok := x.(map[string]any)
			if !ok {
				return errors.New("metric definition is not an object")
			}
			name, _ := def["Name"].(string)
			if name == "" || len(name) > 1024 {
				return fmt.Errorf("bad metric Name %v", def["Name"])
			}
			if _, ok := m[name].(float64); !ok {
				return fmt.Errorf("metric %q has no numeric value at the root", name)
			}
			if def["Unit"] != "Count" {
				return fmt.Errorf("metric %q unit %v", name, def["Unit"])
			}
		}
	}
	return nil
}

func TestRecorderConcurrent(t *testing.T) {
	var buf bytes.Buffer
	r := metrics.New(&buf, "", metrics.FunctionAudit, fixedNow)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				r.Record(reconcile.Outcome{Status: reconcile.Drift})
			}
		})
	}
	wg.Wait()
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	got := decodeLines(t, buf.Bytes())
	if len(got) != 1 || got[0]["DriftFound"] != 800.0 || got[0]["ClientsAudited"] != 800.0 {
		t.Errorf("got %v, want one line with DriftFound and ClientsAudited 800", got)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("stdout closed") }

func TestFlushWriteError(t *testing.T) {
	r := metrics.New(failingWriter{}, "", metrics.FunctionRemediate, fixedNow)
	r.Record(reconcile.Outcome{Status: reconcile.Failed})
	if err := r.Flush(); err == nil || !strings.Contains(err.Error(), "stdout closed") {
		t.Errorf("Flush() = %v, want the write error", err)
	}
}

func TestEncodeLimits(t *testing.T) {
	many := func(n int) []metrics.Value {
		var v []metrics.Value
		for i := range n {
			v = append(v, metrics.Value{Name: fmt.Sprintf("M%d", i), Value: 1})
		}
		return v
	}
	manyDims := map[string]string{}
	for i := range 31 {
		manyDims[fmt.Sprintf("D%d", i)] = "x"
	}
	tests := []struct {
		name    string
		dims    map[string]string
		values  []metrics.Value
		wantErr string
	}{
		{"100 metrics", map[string]string{"Function": "audit"}, many(100), ""},
		{"101 metrics", map[string]string{"Function": "audit"}, many(101), "101 metrics"},
		{"31 dimensions", manyDims, many(1), "31 dimensions"},
		{"metric clashes with dimension", map[string]string{"Function": "audit"}, []metrics.Value{{Name: "Function", Value: 1}}, `"Function" is already used`},
		{"duplicate metric", nil, []metrics.Value{{Name: "A", Value: 1}, {Name: "A", Value: 2}}, `"A" is already used`},
		{"reserved name", nil, []metrics.Value{{Name: "_aws", Value: 1}}, `"_aws" is already used`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := metrics.Encode("NS", now.UnixMilli(), tt.dims, tt.values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Encode() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			decodeLines(t, b)
		})
	}
}

func BenchmarkFlush(b *testing.B) {
	var buf bytes.Buffer
	r := metrics.New(&buf, "", metrics.FunctionAudit, fixedNow)
	for b.Loop() {
		buf.Reset()
		r.Record(reconcile.Outcome{Status: reconcile.Remediated}, reconcile.Outcome{Status: reconcile.Drift, DryRun: true})
		if err := r.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
