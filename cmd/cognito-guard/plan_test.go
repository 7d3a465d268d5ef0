package main

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// The tests pace at 15 requests/s (the account's whole read quota, which
// the emulator does not enforce here) to stay fast; the pacer itself is
// tested in internal/audit.
const fastRate = "15"

func putCurrent(t *testing.T) func(*emulator.Emulator) {
	return func(e *emulator.Emulator) {
		doc, err := os.ReadFile("testdata/baselines/current.json")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.PutParameter("/cognito-guard/baseline", "SecureString", string(doc), "", true); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPlan(t *testing.T) {
	t.Parallel() // its own emulator and pacer; it waits on the pacer
	cand := []string{"plan", "--baseline", "testdata/baselines/candidate.json", "--rate", fastRate, "-q"}
	with := func(extra ...string) []string { return append(slices.Clone(cand), extra...) }
	runCases(t, []cmdCase{
		{name: "plan_against_clients", args: cand, fleet: true, code: 0},
		{name: "plan_current_file", args: with("--current", "testdata/baselines/current.json"), fleet: true, code: 0},
		{name: "plan_current_parameter", args: with("--current-parameter", "/cognito-guard/baseline", "--detailed-exitcode"),
			fleet: true, setup: putCurrent(t), code: 2},
		{name: "plan_json", args: with("--current", "testdata/baselines/current.json", "--json"), fleet: true, code: 0},
		{name: "plan_pools", args: with("--pools", "us-east-1_Stage0001", "--detailed-exitcode"), fleet: true, code: 0},
		// No field to write, but ci-client goes from compliant to drift (the
		// report-only name rule): a change for --detailed-exitcode.
		{name: "plan_outcome_only_detailed", args: with("--pools", "us-east-1_Stage0001", "--current", "testdata/baselines/current.json", "--detailed-exitcode"),
			fleet: true, code: 2},
		{name: "plan_no_change_detailed", args: []string{"plan", "--baseline", "testdata/baselines/current.json",
			"--current", "testdata/baselines/current.json", "--detailed-exitcode", "--rate", fastRate, "-q"}, fleet: true, code: 0},
		{name: "plan_progress", args: []string{"plan", "--baseline", "testdata/baselines/candidate.json", "--rate", fastRate},
			fleet: true, clock: stepping(), code: 0},
		// Bad input and a hostile account.
		{name: "plan_invalid_baseline", args: []string{"plan", "--baseline", "testdata/baselines/errors.json"}, code: 1},
		{name: "plan_missing_baseline_flag", args: []string{"plan"}, code: 1},
		{name: "plan_both_currents", args: with("--current", "a", "--current-parameter", "b"), code: 1},
		{name: "plan_bad_rate", args: []string{"plan", "--baseline", "testdata/baselines/candidate.json", "--rate", "40"}, fleet: true, code: 1},
		{name: "plan_no_credentials", args: cand, fleet: true, env: func(m map[string]string) {
			delete(m, "AWS_ACCESS_KEY_ID")
			delete(m, "AWS_SECRET_ACCESS_KEY")
		}, code: 1},
		{name: "plan_no_region", args: cand, fleet: true, env: func(m map[string]string) { delete(m, "AWS_REGION") }, code: 1},
		{name: "plan_denied_list_pools", args: cand, fleet: true, setup: func(e *emulator.Emulator) {
			e.Fail("ListUserPools", 1, "AccessDeniedException")
		}, code: 1},
		{name: "plan_denied_describe", args: cand, fleet: true, setup: func(e *emulator.Emulator) {
			e.Fail("DescribeUserPoolClient", 1, "AccessDeniedException")
		}, code: 1},
		{name: "plan_throttled", args: with("--pools", "us-east-1_Stage0001"), fleet: true, setup: func(e *emulator.Emulator) {
			e.Fail("DescribeUserPoolClient", 3, "TooManyRequestsException") // every attempt of the test retryer
		}, code: 1},
		{name: "plan_parameter_missing", args: with("--current-parameter", "/nope"), fleet: true, code: 1},
		{name: "plan_parameter_denied", args: with("--current-parameter", "/cognito-guard/baseline"), fleet: true,
			setup: func(e *emulator.Emulator) { e.Fail("GetParameter", 1, "AccessDeniedException") }, code: 1},
	})
}

// A client deleted between the listing and its describe is reported, not
// an error; a throttle that the retries absorb does not show.
func TestPlanSurvivesDeletedClientAndThrottle(t *testing.T) {
	t.Parallel() // its own emulator and pacer; it waits on the pacer
	emu, env := startFleet(t)
	emu.Fail("DescribeUserPoolClient", 1, "ResourceNotFoundException")
	emu.Fail("ListUserPoolClients", 1, "TooManyRequestsException")
	r := invoke(t, fixed, env, "", "plan", "--baseline", "testdata/baselines/candidate.json", "--rate", fastRate, "-q", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var p Plan
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatal(err)
	}
	if p.Fleet.Clients != 5 || len(p.Fleet.Gone) != 1 || p.Summary.Clients != 4 {
		t.Errorf("fleet %+v, %d clients planned; want 5 listed, 1 gone, 4 planned", p.Fleet, p.Summary.Clients)
	}
}

// plan only reads: no write, and exactly one describe per client.
func TestPlanReadsOnly(t *testing.T) {
	t.Parallel() // its own emulator and pacer; it waits on the pacer
	emu, env := startFleet(t)
	if r := invoke(t, fixed, env, "", "plan", "--baseline", "testdata/baselines/candidate.json", "--rate", fastRate, "-q"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	ops := map[string]int{}
	described := map[string]int{}
	for _, c := range emu.Calls() {
		ops[c.Op]++
		if c.Op == "DescribeUserPoolClient" {
			described[c.ClientID]++
		}
	}
	want := map[string]int{"ListUserPools": 1, "ListUserPoolClients": 2, "DescribeUserPoolClient": 5}
	if diff := diff.Diff(want, ops); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	for id, n := range described {
		if n != 1 {
			t.Errorf("%s described %d times", id, n)
		}
	}
}

// Without a current baseline the changes are what the candidate would
// write on the clients as they are.
func TestPlanChanges(t *testing.T) {
	t.Parallel() // its own emulator and pacer; it waits on the pacer
	_, env := startFleet(t)
	r := invoke(t, fixed, env, "", "plan", "--baseline", "testdata/baselines/candidate.json", "--rate", fastRate, "-q", "--json")
	var p Plan
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Clients {
		for _, ch := range c.Changes {
			got = append(got, c.ClientID+" "+ch.Field)
		}
	}
	want := []string{
		"1webportal0client0id000000 AccessTokenValidity",
		"1webportal0client0id000000 AllowedOAuthFlows",
		"3legacybatch0client0id0000 ExplicitAuthFlows",
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.stdout, `"newlyUnfixable": 1`) {
		t.Errorf("partner-sso's http callback should be the one unfixable client:\n%s", r.stdout)
	}
}

// With Cognito's quotas switched on in the emulator, the paced plan is
// never throttled: the describes of one pool are spaced at 5 per second
// although eight are in flight.
func TestPlanPacedWithinQuotas(t *testing.T) {
	t.Parallel() // its own emulator and pacer; it waits on the pacer
	emu := emulator.New(emulator.Options{Quotas: true})
	seed, err := os.ReadFile("testdata/fleet.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Seed(seed); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL": srv.URL}
	if r := invoke(t, fixed, env, "", "plan", "--baseline", "testdata/baselines/candidate.json", "-q"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, c := range emu.Calls() {
		if c.Error != "" {
			t.Errorf("%s %s: %s", c.Op, c.ClientID, c.Error)
		}
	}
}

func TestInterleave(t *testing.T) {
	a := []ref{{"a", "1"}, {"a", "2"}, {"a", "3"}}
	b := []ref{{"b", "1"}}
	got := interleave([][]ref{a, b, nil})
	want := []ref{{"a", "1"}, {"b", "1"}, {"a", "2"}, {"a", "3"}}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("interleave (-want +got):\n%s", diff)
	}
}
