package main

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/audit"
	"github.com/cognito-guard/cognito-guard/internal/testkit/asl"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
)

// The state machine of template.yaml (statemachine/audit.asl.json, the file SAM deploys) run by a
// real ASL interpreter (moto's Step Functions execution mode, internal/testkit/asl), its audit task
// served by the real bootstrap under the RIE against the emulator. Each run has a 3 s Lambda
// deadline at 7 requests per second; the 2.5 s margin asked for is cut to a third of the run (1 s),
// so a run dispatches for 2 s and a sweep of 15 clients (19 paced calls) needs two runs.

const definitionPath = "../../statemachine/audit.asl.json"

// sweepFunction is a world of 3 pools of 5 clients (every 3rd drifted) and the audit function
// against it, with the runs described above.
func sweepFunction(t *testing.T) (*auditworld.World, *rie.Function) {
	t.Helper()
	w, url := newWorld(t, 3, 5, 3)
	return w, start(t, url, map[string]string{
		"AWS_LAMBDA_FUNCTION_TIMEOUT": "3", "AUDIT_DEADLINE_MARGIN": "2500ms", "AUDIT_RATE": "7",
	})
}

func definition(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(definitionPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStateMachineLoop: execution "a" loops the audit until complete (the first Invoke answered by
// an injected Lambda.ServiceException, which the Retry absorbs); execution "b", started 300 ms
// later while "a" runs, finds "a" the oldest running execution and ends without invoking the audit.
// TestStateMachineFailures, beside it, checks that failures are loud.
func TestStateMachineLoop(t *testing.T) {
	t.Parallel() // pacing waits on the clock, not the CPU
	asl.Python(t)
	w, f := sweepFunction(t)
	res := asl.Run(t, asl.Job{
		Functions:    map[string]string{"audit": f.URL()},
		Machines:     map[string]asl.Machine{"sweep": {Definition: definition(t), Substitutions: map[string]string{"MaxRuns": "20", "SettleSeconds": "0"}}},
		LambdaFaults: map[string]int{"ServiceException": 1},
		Phases: [][]asl.Start{{
			{Machine: "sweep", Name: "a", Input: `{"version":"0","source":"aws.events","detail-type":"Scheduled Event","detail":{}}`},
			{Machine: "sweep", Name: "b", Input: `{}`, DelayMs: 300},
		}},
	})
	byName := map[string]asl.Execution{}
	for _, e := range res.Executions {
		byName[e.Name] = e
	}
	a, b := byName["a"], byName["b"]
	if a.Status != "SUCCEEDED" {
		t.Fatalf("execution a: %s %v %v; states %v", a.Status, deref(a.Error), deref(a.Cause), a.States)
	}
	if res.Faults != 1 {
		t.Errorf("%d injected faults answered, want 1", res.Faults)
	}

	// The loop: one payload per run, {} first, then exactly the cursor the previous run returned.
	var got []string
	prev := ""
	for i, inv := range res.Invokes {
		if inv.FunctionError {
			t.Fatalf("invoke %d failed: %s", i, inv.Result)
		}
		var p map[string]string
		if err := json.Unmarshal(inv.Payload, &p); err != nil {
			t.Fatalf("invoke %d payload %s: %v", i, inv.Payload, err)
		}
		if want := map[string]string{}; i > 0 {
			want["cursor"] = prev
			if diff := diff.Diff(want, p); diff != "" {
				t.Errorf("invoke %d payload (-want +got):\n%s", i, diff)
			}
		} else if len(p) != 0 {
			t.Errorf("first payload %s, want {} (the schedule's event is not passed on)", inv.Payload)
		}
		var rep audit.Report
		if err := json.Unmarshal(inv.Result, &rep); err != nil {
			t.Fatal(err)
		}
		for _, o := range rep.Clients {
			got = append(got, o.UserPoolID+"/"+o.ClientID)
		}
		prev = rep.Cursor
		if last := i == len(res.Invokes)-1; rep.Complete != last {
			t.Errorf("invoke %d: complete %v, want %v", i, rep.Complete, last)
		}
	}
	runs := len(res.Invokes)
	if runs < 2 {
		t.Errorf("%d run; 19 paced calls at 7 per second should not fit in one run of 2 s of dispatch (a 3 s run keeps a third as its margin)", runs)
	}
	if n := a.Count("Audit"); n != runs {
		t.Errorf("execution a entered Audit %d times, %d invokes reached the function", n, runs)
	}
	var out struct {
		Runs   int          `json:"runs"`
		Report audit.Report `json:"report"`
	}
	if err := json.Unmarshal([]byte(deref(a.Output)), &out); err != nil {
		t.Fatalf("output %s: %v", deref(a.Output), err)
	}
	if out.Runs != runs || !out.Report.Complete {
		t.Errorf("output runs %d complete %v, want %d true", out.Runs, out.Report.Complete, runs)
	}

	// Every client described exactly once over the whole loop (the emulator's count).
	var wantIDs []string
	for _, r := range w.All {
		wantIDs = append(wantIDs, r.UserPoolID+"/"+r.ClientID)
	}
	sort.Strings(got)
	sort.Strings(wantIDs)
	if diff := diff.Diff(wantIDs, got); diff != "" {
		t.Errorf("clients over %d runs (-want +got):\n%s", runs, diff)
	}
	describes, _ := w.Calls("DescribeUserPoolClient")
	for _, r := range w.All {
		if n := describes[r]; n != 1 {
			t.Errorf("%v described %d times by the looped sweep", r, n)
		}
	}

	// b saw a running and ended at once.
	if b.Status != "SUCCEEDED" || b.Count("Audit") != 0 || b.Count("Skipped") != 1 {
		t.Errorf("execution b: %s, states %v; want it skipped", b.Status, b.States)
	}
	var skipped map[string]string
	if err := json.Unmarshal([]byte(deref(b.Output)), &skipped); err != nil || skipped["running"] != a.ARN || a.ARN == "" {
		t.Errorf("execution b output %s (%v), want the running execution a named", deref(b.Output), err)
	}
	t.Logf("%d runs, %d clients; a: %v", runs, len(got), a.States)
}

// TestStateMachineFailures: a bad cursor and a payload with a typo fail the execution loudly
// (Sweep.AuditFailed, with the function's reason; the typo reaches the function as given instead
// of widening the sweep), and a run cap of 1 fails with Sweep.RunCapReached. Each execution has
// its own state machine, so that none sees another running (the mutex lists one machine's
// executions) and they overlap; the RIE still serves one invoke at a time. Its own world and
// function, so that it runs beside TestStateMachineLoop.
func TestStateMachineFailures(t *testing.T) {
	t.Parallel() // pacing waits on the clock, not the CPU
	asl.Python(t)
	_, f := sweepFunction(t)
	def := definition(t)
	capped := map[string]string{"MaxRuns": "1", "SettleSeconds": "0"}
	res := asl.Run(t, asl.Job{
		Functions: map[string]string{"audit": f.URL()},
		Machines: map[string]asl.Machine{
			"sweep":  {Definition: def, Substitutions: map[string]string{"MaxRuns": "20", "SettleSeconds": "0"}},
			"typos":  {Definition: def, Substitutions: capped},
			"capped": {Definition: def, Substitutions: capped},
		},
		Phases: [][]asl.Start{{
			{Machine: "sweep", Name: "bad-cursor", Input: `{"cursor": "garbage!"}`},
			{Machine: "typos", Name: "typo", Input: `{"userPoolId": "us-east-1_Pool0000"}`},
			{Machine: "capped", Name: "capped", Input: `{}`},
		}},
	})
	// Invokes, in whatever order the RIE served them, told apart by their payloads.
	byPayload := map[string]asl.Invoke{}
	var payloads []string
	for _, inv := range res.Invokes {
		var b bytes.Buffer
		if err := json.Compact(&b, inv.Payload); err != nil {
			t.Fatal(err)
		}
		byPayload[b.String()] = inv
		payloads = append(payloads, b.String())
	}
	badCursor, typo, cappedRun := byPayload[`{"cursor":"garbage!"}`], byPayload[`{"userPoolId":"us-east-1_Pool0000"}`], byPayload[`{}`]
	if len(res.Invokes) != 3 || badCursor.Payload == nil || typo.Payload == nil || cappedRun.Payload == nil {
		t.Fatalf("invokes %q, want one each for the bad cursor, the typo and the capped run", payloads)
	}
	for _, e := range res.Executions {
		want := map[string]string{"bad-cursor": "Sweep.AuditFailed", "typo": "Sweep.AuditFailed", "capped": "Sweep.RunCapReached"}[e.Name]
		if e.Status != "FAILED" || deref(e.Error) != want {
			t.Errorf("execution %s: %s %s (%s), want FAILED %s", e.Name, e.Status, deref(e.Error), deref(e.Cause), want)
		}
		if reason := map[string]string{"bad-cursor": "not a cursor", "typo": `unknown field \"userPoolId\"`}[e.Name]; !strings.Contains(deref(e.Cause), reason) {
			t.Errorf("%s: cause %q does not carry the function's reason %q", e.Name, deref(e.Cause), reason)
		}
	}
	if len(res.Executions) != 3 {
		t.Errorf("%d executions, want 3", len(res.Executions))
	}
	if !badCursor.FunctionError || !typo.FunctionError || cappedRun.FunctionError {
		t.Errorf("function errors: bad cursor %v, typo %v, capped run %v; want true, true, false",
			badCursor.FunctionError, typo.FunctionError, cappedRun.FunctionError)
	}
	var rep audit.Report
	if err := json.Unmarshal(cappedRun.Result, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Complete || len(rep.Clients) == 0 {
		t.Errorf("capped run: complete %v with %d clients; want a cut run", rep.Complete, len(rep.Clients))
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
