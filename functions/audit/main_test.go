package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/audit"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
)

// End-to-end: the real bootstrap under the real RIE, against the emulator
// with Cognito's quotas on and 20 ms per call.

const secret = "SECRETCANARY0123456789abcdefghijklmnopqrstuvwxyz0123"

func newWorld(t *testing.T, pools, perPool, driftEvery int) (*auditworld.World, string) {
	t.Helper()
	doc, err := os.ReadFile("../../events/baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	w, err := auditworld.New(emulator.Options{Quotas: true, Latency: 20 * time.Millisecond}, doc, pools, perPool, driftEvery)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	return w, srv.URL
}

// addSecretClient adds a drifted client with a secret to pool 0; its secret
// must appear nowhere.
func addSecretClient(t *testing.T, w *auditworld.World) {
	t.Helper()
	pool := auditworld.PoolID(0)
	c := auditworld.Drifted(pool, "p0000withsecret", "confidential-app")
	c.ClientSecret = aws.String(secret)
	if _, err := w.Emu.PutClient(pool, c); err != nil {
		t.Fatal(err)
	}
	ref := reconcile.Ref{UserPoolID: pool, ClientID: "p0000withsecret"}
	w.All = append(w.All, ref)
	w.Drifted[ref] = true
}

func start(t *testing.T, url string, env map[string]string) *rie.Function {
	t.Helper()
	vars := map[string]string{
		"BASELINE_PARAMETER":    auditworld.BaselineParameter,
		"AWS_REGION":            "us-east-1",
		"AWS_ENDPOINT_URL":      url,
		"AWS_ACCESS_KEY_ID":     "AKIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "example",
		"LOG_LEVEL":             "INFO",
		// Every outcome in the result, to compare with the world; 12 of
		// Cognito's 15 requests per second as the share (the emulator
		// enforces the quotas), so the runs are short and must still see
		// no throttling.
		"AUDIT_REPORT_CLIENTS": "all",
		"AUDIT_RATE":           "12",
	}
	for k, v := range env {
		vars[k] = v
	}
	return rie.Start(t, rie.Build(t, "./functions/audit"), vars)
}

func invoke(t *testing.T, f *rie.Function, payload string) *audit.Report {
	t.Helper()
	out, err := f.Invoke(context.Background(), []byte(payload))
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, out)
	}
	if strings.Contains(string(out), secret) {
		t.Errorf("result holds the client secret")
	}
	var rep audit.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("result %s: %v", out, err)
	}
	return &rep
}

func outcomes(rep *audit.Report) map[reconcile.Ref]reconcile.Status {
	m := map[reconcile.Ref]reconcile.Status{}
	for _, o := range rep.Clients {
		m[reconcile.Ref{UserPoolID: o.UserPoolID, ClientID: o.ClientID}] = o.Status
	}
	return m
}

func want(w *auditworld.World, drifted reconcile.Status) map[reconcile.Ref]reconcile.Status {
	m := map[reconcile.Ref]reconcile.Status{}
	for _, r := range w.All {
		m[r] = reconcile.Compliant
		if w.Drifted[r] {
			m[r] = drifted
		}
	}
	return m
}

// TestDryRunThenEnforce: the schedule's report-only sweep, paced under Cognito's quotas, writes
// nothing and meets no throttling; then an enforcing sweep, while another caller eats the quota
// (a throttle on every operation, retried by the deployed retryer with its real backoff) and a
// client is deleted between its listing and its describe, writes exactly the drifted clients, once
// each, skips the deleted one and completes. Bursts of throttles (several in a row per operation)
// are internal/audit TestEmulatorThrottleBursts', in process without the backoff's seconds.
func TestDryRunThenEnforce(t *testing.T) {
	t.Parallel() // pacing waits on the clock, not the CPU: the sweeps overlap well
	w, url := newWorld(t, 3, 3, 2)
	addSecretClient(t, w)

	// The schedule's event: a report-only sweep of every pool.
	scheduled, err := os.ReadFile("../../events/scheduled-event.json")
	if err != nil {
		t.Fatal(err)
	}
	f := start(t, url, map[string]string{"AUDIT_ENFORCE": "false"})
	rep := invoke(t, f, string(scheduled))
	if diff := diff.Diff(want(w, reconcile.Drift), outcomes(rep)); diff != "" {
		t.Errorf("report-only outcomes (-want +got):\n%s", diff)
	}
	if ok, failed := w.Calls("UpdateUserPoolClient"); len(ok)+len(failed) > 0 {
		t.Errorf("report-only sweep wrote %v %v", ok, failed)
	}
	if !rep.DryRun || !rep.Complete {
		t.Errorf("dryRun %v complete %v", rep.DryRun, rep.Complete)
	}
	if len(rep.Throttles) > 0 || len(rep.Pending) > 0 {
		t.Errorf("throttles %v pending %v: pacing should keep a lone sweep under the quotas", rep.Throttles, rep.Pending)
	}

	// (DRY_RUN winning over AUDIT_ENFORCE is checked in process:
	// internal/audit TestConfigFromEnv and TestEmulatorDryRunWritesNothing.)

	// Enforce, with a throttle on every operation and a client gone mid-sweep.
	gone := w.All[4]
	w.DeleteAfterList(gone)
	w.Emu.Fail("ListUserPoolClients", 1, "TooManyRequestsException")
	w.Emu.Fail("DescribeUserPoolClient", 1, "TooManyRequestsException")
	w.Emu.Fail("UpdateUserPoolClient", 1, "TooManyRequestsException")
	f = start(t, url, map[string]string{"AUDIT_ENFORCE": "true"})
	rep = invoke(t, f, `{"userPoolIds": ["us-east-1_Pool0000", "us-east-1_Pool0001", "us-east-1_Pool0002"]}`)
	wantOut := want(w, reconcile.Remediated)
	wantOut[gone] = reconcile.Skipped
	if diff := diff.Diff(wantOut, outcomes(rep)); diff != "" {
		t.Errorf("enforce outcomes (-want +got):\n%s", diff)
	}
	wantUpdates := map[reconcile.Ref]int{}
	for r := range w.Drifted {
		if r != gone {
			wantUpdates[r] = 1
		}
	}
	updates, _ := w.Calls("UpdateUserPoolClient")
	if diff := diff.Diff(wantUpdates, updates); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
	if diff := diff.Diff(map[string]int64{"ListUserPoolClients": 1, "DescribeUserPoolClient": 1, "UpdateUserPoolClient": 1}, rep.Throttles); diff != "" {
		t.Errorf("throttles seen (-want +got):\n%s", diff)
	}
	if !rep.Complete || len(rep.Pending) > 0 {
		t.Errorf("complete %v pending %v", rep.Complete, rep.Pending)
	}
	logs := f.Logs()
	if !strings.Contains(logs, `"message":"audit report"`) {
		t.Errorf("no report line in the logs:\n%s", logs)
	}
	if strings.Contains(logs, secret) {
		t.Errorf("logs hold the client secret")
	}

	// A payload with a typo is an error, not a sweep of everything.
	if out, err := f.Invoke(context.Background(), []byte(`{"userPoolId": "us-east-1_Pool0000"}`)); err == nil || !strings.Contains(string(out), `unknown field \"userPoolId\"`) {
		t.Errorf("typo payload: err %v, result %s", err, out)
	}
}

// TestDeadlineResume: a 3 s function timeout (Lambda's deadline, through
// the runtime) with a 1.5 s margin cuts a run at the default 5 requests per
// second short; invoking again with the cursor finishes the sweep, and the
// emulator's call log shows every client described exactly once.
func TestDeadlineResume(t *testing.T) {
	t.Parallel() // pacing waits on the clock, not the CPU: the sweeps overlap well
	w, url := newWorld(t, 3, 4, 0)
	f := start(t, url, map[string]string{"AWS_LAMBDA_FUNCTION_TIMEOUT": "3", "AUDIT_DEADLINE_MARGIN": "1500ms", "AUDIT_RATE": "5"})
	var got []string
	payload := `{}`
	runs := 0
	for ; ; runs++ {
		if runs > 20 {
			t.Fatal("no end after 20 runs")
		}
		rep := invoke(t, f, payload)
		for _, o := range rep.Clients {
			got = append(got, o.UserPoolID+"/"+o.ClientID)
		}
		if rep.Complete {
			break
		}
		b, _ := json.Marshal(map[string]string{"cursor": rep.Cursor})
		payload = string(b)
	}
	if runs == 0 {
		t.Fatal("finished in one run; the test needs a cut")
	}
	var wantIDs []string
	for _, r := range w.All {
		wantIDs = append(wantIDs, r.UserPoolID+"/"+r.ClientID)
	}
	sort.Strings(got)
	sort.Strings(wantIDs)
	if diff := diff.Diff(wantIDs, got); diff != "" {
		t.Errorf("clients over %d runs (-want +got):\n%s", runs+1, diff)
	}
	describes, _ := w.Calls("DescribeUserPoolClient")
	for _, r := range w.All {
		if describes[r] != 1 {
			t.Errorf("%v described %d times", r, describes[r])
		}
	}
	var fe *rie.FunctionError
	if out, err := f.Invoke(context.Background(), []byte(`{"cursor": "garbage!"}`)); !errors.As(err, &fe) {
		t.Errorf("bad cursor: err %v, result %s", err, out)
	}
}
