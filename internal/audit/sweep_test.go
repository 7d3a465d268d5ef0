package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

func refsOf(outs []reconcile.Outcome) []string {
	var ids []string
	for _, o := range outs {
		ids = append(ids, o.UserPoolID+"/"+o.ClientID)
	}
	sort.Strings(ids)
	return ids
}

func allRefs(l *fakeLister) []string {
	var ids []string
	for pool, pages := range l.clients {
		for _, page := range pages {
			for _, id := range page {
				ids = append(ids, pool+"/"+id)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

func newSweeper(l *fakeLister, r *fakeReconciler, b *fakeBaselines) *Sweeper {
	return &Sweeper{
		Baselines:    b,
		Lister:       l,
		Reconciler:   r,
		Concurrency:  2,
		RetryBackoff: time.Millisecond,
		Log:          slog.New(slog.DiscardHandler),
	}
}

func threePools() *fakeLister {
	return &fakeLister{
		pools: []string{"us-east-1_A", "us-east-1_B", "us-east-1_C"},
		clients: map[string][][]string{
			"us-east-1_A": {{"a1", "a2", "a3"}, {"a4", "a5"}},
			"us-east-1_B": {{"b1"}},
			"us-east-1_C": {{"c1", "c2"}, {"c3"}, {"c4"}},
		},
	}
}

func TestSweepEveryPool(t *testing.T) {
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	r := newFakeReconciler(b.b, l)
	r.script[reconcile.Ref{UserPoolID: "us-east-1_A", ClientID: "a2"}] = []result{{out: reconcile.Outcome{Status: reconcile.Drift}}}
	r.script[reconcile.Ref{UserPoolID: "us-east-1_C", ClientID: "c3"}] = []result{{out: reconcile.Outcome{Status: reconcile.Remediated}}}

	rep, err := newSweeper(l, r, b).Sweep(context.Background(), Input{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(allRefs(l), refsOf(rep.Clients)); diff != "" {
		t.Errorf("clients (-want +got):\n%s", diff)
	}
	want := map[string]int{"compliant": 8, "drift": 1, "remediated": 1}
	if diff := diff.Diff(want, rep.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if !rep.Complete || rep.Cursor != "" || rep.PoolsDone != 3 || rep.PoolsLeft != 0 {
		t.Errorf("complete=%v cursor=%q done=%d left=%d, want a complete sweep of 3 pools", rep.Complete, rep.Cursor, rep.PoolsDone, rep.PoolsLeft)
	}
	if b.loads != 1 {
		t.Errorf("baseline loaded %d times, want once", b.loads)
	}
}

func TestSweepUserPoolIDs(t *testing.T) {
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	l.pools = nil // PoolPages must not be called
	r := newFakeReconciler(b.b, l)
	rep, err := newSweeper(l, r, b).Sweep(context.Background(), Input{UserPoolIDs: []string{"us-east-1_C", "us-east-1_B"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"us-east-1_B/b1", "us-east-1_C/c1", "us-east-1_C/c2", "us-east-1_C/c3", "us-east-1_C/c4"}
	if diff := diff.Diff(want, refsOf(rep.Clients)); diff != "" {
		t.Errorf("clients (-want +got):\n%s", diff)
	}
	for _, c := range l.calls {
		if strings.Contains(c, "_A") {
			t.Errorf("call %q to a pool outside userPoolIds", c)
		}
	}
}

func TestBaselineFailsClosed(t *testing.T) {
	b := &fakeBaselines{err: errors.New("parameter /cognito-guard/baseline not found")}
	l := &fakeLister{}     // any call panics
	r := &fakeReconciler{} // any call panics
	_, err := newSweeper(l, r, b).Sweep(context.Background(), Input{})
	if err == nil || !strings.Contains(err.Error(), "parameter /cognito-guard/baseline not found") {
		t.Fatalf("err = %v, want the baseline error", err)
	}
}

// TestDeadlineCursor pins the cursor a deadline leaves: the page being
// worked on, the clients of it already done, and the pools not started.
func TestDeadlineCursor(t *testing.T) {
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	r := newFakeReconciler(b.b, l)
	clock := &fakeClock{t: time.Now()}
	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(time.Hour))
	defer cancel()
	// Each client takes 30 minutes and the margin is one: a1 and a2 fit,
	// a3 would start after the stop time.
	r.onCall = func(reconcile.Ref) { clock.Advance(30 * time.Minute) }
	s := newSweeper(l, r, b)
	s.Concurrency, s.Now, s.Margin = 1, clock.Now, time.Minute

	rep, err := s.Sweep(ctx, Input{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff([]string{"us-east-1_A/a1", "us-east-1_A/a2"}, refsOf(rep.Clients)); diff != "" {
		t.Errorf("clients (-want +got):\n%s", diff)
	}
	if rep.Complete || rep.PoolsLeft != 3 {
		t.Fatalf("complete=%v poolsLeft=%d, want a cursor with 3 pools", rep.Complete, rep.PoolsLeft)
	}
	cur, err := DecodeCursor(rep.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	want := Cursor{V: 1, Pools: []PoolState{
		{ID: "us-east-1_A", Done: []string{"a1", "a2"}},
		{ID: "us-east-1_B"},
		{ID: "us-east-1_C"},
	}}
	if diff := diff.Diff(want, cur, ignoreSweep); diff != "" {
		t.Errorf("cursor (-want +got):\n%s", diff)
	}
}

// TestResumeEveryClientOnce runs sweeps that each stop early, resuming from
// the cursor, until one completes: every client must be evaluated exactly
// once across the runs, whatever the concurrency and wherever the cut
// falls (mid-page, at a page boundary, between pools).
func TestResumeEveryClientOnce(t *testing.T) {
	for _, tc := range []struct {
		concurrency int
		perClient   time.Duration // fake time one client takes
	}{
		{1, 30 * time.Minute}, {1, 20 * time.Minute}, {1, 59 * time.Minute},
		{3, 30 * time.Minute}, {3, 7 * time.Minute}, {5, 11 * time.Minute},
	} {
		t.Run(fmt.Sprintf("concurrency=%d,perClient=%v", tc.concurrency, tc.perClient), func(t *testing.T) {
			b := &fakeBaselines{b: &policy.Baseline{}}
			l := threePools()
			l.clients["us-east-1_D"] = nil // no clients
			l.pools = append(l.pools, "us-east-1_D")
			r := newFakeReconciler(b.b, l)
			clock := &fakeClock{t: time.Now()}
			r.onCall = func(reconcile.Ref) { clock.Advance(tc.perClient) }
			s := newSweeper(l, r, b)
			s.Concurrency, s.Now, s.Margin = tc.concurrency, clock.Now, time.Minute

			var got []reconcile.Outcome
			in := Input{}
			for run := 0; ; run++ {
				if run > 20 {
					t.Fatal("no end after 20 runs")
				}
				ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(time.Hour))
				rep, err := s.Sweep(ctx, in)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, rep.Clients...)
				if rep.Complete {
					break
				}
				in = Input{Cursor: rep.Cursor}
				// The next run starts later: the schedule or Step Functions.
				clock.Advance(time.Hour)
			}
			if diff := diff.Diff(allRefs(l), refsOf(got)); diff != "" {
				t.Errorf("clients over all runs (-want +got):\n%s", diff)
			}
			for ref, n := range r.callCount() {
				if n != 1 {
					t.Errorf("%v evaluated %d times, want once", ref, n)
				}
			}
		})
	}
}

func ref(pool, id string) reconcile.Ref { return reconcile.Ref{UserPoolID: pool, ClientID: id} }

// TestRetryableFailures: a client or a page that still fails after the
// SDK's retries is tried again later in the run, and what still fails at
// the end stays in the cursor; nothing is dropped.
func TestRetryableFailures(t *testing.T) {
	failed := reconcile.Outcome{Status: reconcile.Failed, Reason: "describe failed, will be retried"}
	for _, tc := range []struct {
		name       string
		script     map[reconcile.Ref][]result
		listFail   map[string][]error
		wantCalls  map[reconcile.Ref]int // evaluations beyond one
		wantCursor *Cursor
		wantPend   []Pending
	}{{
		name:      "client throttled once, done later in the run",
		script:    map[reconcile.Ref][]result{ref("us-east-1_A", "a2"): {{out: failed, err: errRetryable}}},
		wantCalls: map[reconcile.Ref]int{ref("us-east-1_A", "a2"): 2},
	}, {
		name: "client throttled in every round, left in the cursor",
		script: map[reconcile.Ref][]result{ref("us-east-1_C", "c3"): {
			{out: failed, err: errRetryable}, {out: failed, err: errRetryable}, {out: failed, err: errRetryable},
		}},
		wantCalls:  map[reconcile.Ref]int{ref("us-east-1_C", "c3"): 3},
		wantCursor: &Cursor{V: 1, Pools: []PoolState{{ID: "us-east-1_C", Retry: []string{"c3"}, Listed: true}}},
		wantPend:   []Pending{{UserPoolID: "us-east-1_C", ClientID: "c3", Reason: errRetryable.Error()}},
	}, {
		name:     "listing throttled once, listed again from the same page",
		listFail: map[string][]error{"us-east-1_C": {errThrottled}},
	}, {
		name:       "listing throttled in every round, pool left in the cursor",
		listFail:   map[string][]error{"us-east-1_B": {errThrottled, errThrottled, errThrottled}},
		wantCursor: &Cursor{V: 1, Pools: []PoolState{{ID: "us-east-1_B"}}},
		wantPend:   []Pending{{UserPoolID: "us-east-1_B", Reason: "listing clients: " + errThrottled.Error()}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b := &fakeBaselines{b: &policy.Baseline{}}
			l := threePools()
			l.fail = tc.listFail
			r := newFakeReconciler(b.b, l)
			for k, v := range tc.script {
				r.script[k] = v
			}
			s := newSweeper(l, r, b)
			s.RetryRounds = 2
			rep, err := s.Sweep(context.Background(), Input{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := diff.Diff(tc.wantPend, rep.Pending); diff != "" {
				t.Errorf("pending (-want +got):\n%s", diff)
			}
			var gotCursor *Cursor
			if rep.Cursor != "" {
				c, err := DecodeCursor(rep.Cursor)
				if err != nil {
					t.Fatal(err)
				}
				gotCursor = &c
			}
			if diff := diff.Diff(tc.wantCursor, gotCursor, ignoreSweep); diff != "" {
				t.Errorf("cursor (-want +got):\n%s", diff)
			}
			if rep.Complete != (tc.wantCursor == nil) {
				t.Errorf("complete = %v", rep.Complete)
			}
			want := map[reconcile.Ref]int{}
			for _, id := range allRefs(l) {
				pool, client, _ := strings.Cut(id, "/")
				want[ref(pool, client)] = 1
			}
			for k, v := range tc.wantCalls {
				want[k] = v
			}
			if tc.wantCursor != nil && len(tc.wantCursor.Pools[0].Retry) == 0 {
				for _, page := range l.clients[tc.wantCursor.Pools[0].ID] {
					for _, id := range page {
						delete(want, ref(tc.wantCursor.Pools[0].ID, id))
					}
				}
			}
			if diff := diff.Diff(want, r.callCount()); diff != "" {
				t.Errorf("evaluations (-want +got):\n%s", diff)
			}
			// Every evaluated client is in the report once; the pending
			// one is not (it has no outcome yet).
			var wantIDs []string
			for k := range want {
				if len(tc.wantPend) == 0 || tc.wantPend[0].ClientID != k.ClientID {
					wantIDs = append(wantIDs, k.UserPoolID+"/"+k.ClientID)
				}
			}
			sort.Strings(wantIDs)
			if diff := diff.Diff(wantIDs, refsOf(rep.Clients)); diff != "" {
				t.Errorf("reported clients (-want +got):\n%s", diff)
			}

			if rep.Complete {
				return
			}
			// The next run finishes the job with only what was left.
			l.fail = nil
			before := r.callCount()
			rep2, err := s.Sweep(context.Background(), Input{Cursor: rep.Cursor})
			if err != nil {
				t.Fatal(err)
			}
			if !rep2.Complete {
				t.Fatalf("resumed run incomplete: %+v", rep2.Pending)
			}
			// Only what was left is evaluated: the pending client, or
			// every client of the pool that could not be listed.
			wantAgain := map[reconcile.Ref]int{}
			p := tc.wantCursor.Pools[0]
			for _, id := range p.Retry {
				wantAgain[ref(p.ID, id)] = 1
			}
			if len(p.Retry) == 0 {
				for _, page := range l.clients[p.ID] {
					for _, id := range page {
						wantAgain[ref(p.ID, id)] = 1
					}
				}
			}
			gotAgain := map[reconcile.Ref]int{}
			for k, n := range r.callCount() {
				if n > before[k] {
					gotAgain[k] = n - before[k]
				}
			}
			if diff := diff.Diff(wantAgain, gotAgain); diff != "" {
				t.Errorf("resumed run evaluations (-want +got):\n%s", diff)
			}
			got := append(refsOf(rep.Clients), refsOf(rep2.Clients)...)
			sort.Strings(got)
			if diff := diff.Diff(allRefs(l), got); diff != "" {
				t.Errorf("clients over both runs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFailuresRecorded: a client deleted meanwhile, an update Cognito
// refuses and a pool deleted or refused are recorded; the sweep goes on.
func TestFailuresRecorded(t *testing.T) {
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	l.fail = map[string][]error{"us-east-1_B": {errPoolGone}, "us-east-1_C": {errDenied}}
	r := newFakeReconciler(b.b, l)
	r.script[ref("us-east-1_A", "a1")] = []result{{out: reconcile.Outcome{Status: reconcile.Skipped, Reason: "client no longer exists"}}}
	r.script[ref("us-east-1_A", "a4")] = []result{{out: reconcile.Outcome{Status: reconcile.Failed, Reason: "update rejected: InvalidParameterException"}}}
	rep, err := newSweeper(l, r, b).Sweep(context.Background(), Input{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(map[string]int{"skipped": 1, "failed": 1, "compliant": 3}, rep.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	wantPools := []PoolError{
		{UserPoolID: "us-east-1_B", Outcome: reconcile.Skipped, Reason: "user pool not found"},
		{UserPoolID: "us-east-1_C", Outcome: reconcile.Failed, Reason: errDenied.Error()},
	}
	sort.Slice(rep.PoolErrors, func(i, j int) bool { return rep.PoolErrors[i].UserPoolID < rep.PoolErrors[j].UserPoolID })
	if diff := diff.Diff(wantPools, rep.PoolErrors); diff != "" {
		t.Errorf("pool errors (-want +got):\n%s", diff)
	}
	// A refused or vanished pool is not retried forever: the sweep is
	// complete, with the problem in the report.
	if !rep.Complete {
		t.Errorf("incomplete: %s", rep.Cursor)
	}
	// Every pool is accounted for: done (the vanished one included) or
	// left in the cursor.
	if rep.PoolsDone != 3 || rep.PoolsLeft != 0 {
		t.Errorf("poolsDone %d, poolsLeft %d; want 3, 0", rep.PoolsDone, rep.PoolsLeft)
	}
}

// TestPoolVanishedMidSweep: a pool deleted after its first page was
// evaluated, with clients queued for retry, counts as done.
func TestPoolVanishedMidSweep(t *testing.T) {
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	l.failSecondPage = map[string]error{"us-east-1_A": errPoolGone}
	r := newFakeReconciler(b.b, l)
	r.script[ref("us-east-1_A", "a2")] = []result{{err: errRetryable}}
	rep, err := newSweeper(l, r, b).Sweep(context.Background(), Input{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.PoolsDone+rep.PoolsLeft != 3 || !rep.Complete {
		t.Errorf("poolsDone %d + poolsLeft %d, complete %v; want 3 pools accounted for, complete", rep.PoolsDone, rep.PoolsLeft, rep.Complete)
	}
	if diff := diff.Diff([]PoolError{{UserPoolID: "us-east-1_A", Outcome: reconcile.Skipped, Reason: "user pool not found"}}, rep.PoolErrors); diff != "" {
		t.Errorf("pool errors (-want +got):\n%s", diff)
	}
}

// TestInFlightCutBeforeDeadline: a call still running at the stop (here one
// that never returns by itself) is cut off a quarter of the margin before
// the invocation's deadline, so the report comes back before it, and the
// client stays in the cursor. The cut is checked exactly (the hung call's
// context ends at deadline - margin/4); that the report then comes back
// before the deadline is a matter of the 225 ms left, on the real clock.
func TestInFlightCutBeforeDeadline(t *testing.T) {
	t.Parallel() // three seconds of waiting for the deadline, beside the emulator tests
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	r := newFakeReconciler(b.b, l)
	r.hang = map[reconcile.Ref]bool{ref("us-east-1_A", "a2"): true}
	s := newSweeper(l, r, b)
	// The margin is under a third of the run, so it is used as given.
	const margin = 900 * time.Millisecond
	s.Concurrency, s.Margin, s.RetryRounds = 1, margin, 1
	deadline := time.Now().Add(3 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	rep, err := s.Sweep(ctx, Input{UserPoolIDs: []string{"us-east-1_A"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := deadline.Add(-margin / 4); !r.hungDeadline.Equal(want) {
		t.Errorf("the in-flight call was cut at %v before the deadline, want %v (a quarter of the margin)", deadline.Sub(r.hungDeadline), margin/4)
	}
	if !time.Now().Before(deadline) {
		t.Errorf("report returned %v after the deadline", time.Since(deadline))
	}
	cur, err := DecodeCursor(rep.Cursor)
	if err != nil {
		t.Fatal(err)
	}
	want := Cursor{V: 1, Pools: []PoolState{{ID: "us-east-1_A", Done: []string{"a1", "a2"}, Retry: []string{"a2"}}}}
	if diff := diff.Diff(want, cur, ignoreSweep); diff != "" {
		t.Errorf("cursor (-want +got):\n%s", diff)
	}
}

// TestTerminalListingKeepsRetries: access denied on a pool's second page
// ends its listing, but a client of the first page waiting for a retry
// still gets it.
func TestTerminalListingKeepsRetries(t *testing.T) {
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	l.failSecondPage = map[string]error{"us-east-1_A": errDenied}
	r := newFakeReconciler(b.b, l)
	r.script[ref("us-east-1_A", "a2")] = []result{{out: reconcile.Outcome{Status: reconcile.Failed}, err: errRetryable}}
	rep, err := newSweeper(l, r, b).Sweep(context.Background(), Input{UserPoolIDs: []string{"us-east-1_A"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff([]string{"us-east-1_A/a1", "us-east-1_A/a2", "us-east-1_A/a3"}, refsOf(rep.Clients)); diff != "" {
		t.Errorf("clients (-want +got):\n%s", diff)
	}
	want := []PoolError{{UserPoolID: "us-east-1_A", Outcome: reconcile.Failed, Reason: errDenied.Error()}}
	if diff := diff.Diff(want, rep.PoolErrors); diff != "" {
		t.Errorf("pool errors (-want +got):\n%s", diff)
	}
	if !rep.Complete {
		t.Errorf("incomplete: a refused listing is reported, not retried forever")
	}
}

// ignoreSweep leaves the sweep's identity (random, timed) out of cursor
// comparisons; TestSweepCarriedInCursor pins it.
var ignoreSweep = diff.IgnoreFields(Cursor{}, "Sweep")

// TestSweepCarriedInCursor: a run resumed from a cursor continues the
// same sweep (same ID and start, next run number); a fresh run starts a
// new one; a cursor naming a malformed sweep is refused (the ID becomes
// part of S3 keys).
func TestSweepCarriedInCursor(t *testing.T) {
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	r := newFakeReconciler(b.b, l)
	clock := &fakeClock{t: time.Now()}
	r.onCall = func(reconcile.Ref) { clock.Advance(30 * time.Minute) }
	s := newSweeper(l, r, b)
	s.Concurrency, s.Now, s.Margin = 1, clock.Now, time.Minute
	var sweep SweepState
	in := Input{}
	for run := 1; ; run++ {
		if run > 20 {
			t.Fatal("no end after 20 runs")
		}
		ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(time.Hour))
		rep, err := s.Sweep(ctx, in)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Sweep == nil || !sweepIDPattern().MatchString(rep.Sweep.ID) || rep.Sweep.Run != run {
			t.Fatalf("run %d: sweep %+v", run, rep.Sweep)
		}
		if run == 1 {
			sweep = *rep.Sweep
		} else if rep.Sweep.ID != sweep.ID || !rep.Sweep.Started.Equal(sweep.Started) {
			t.Fatalf("run %d: sweep %+v, want %+v continued", run, rep.Sweep, sweep)
		}
		if rep.Complete {
			if run < 3 {
				t.Fatalf("complete after %d runs; the test wants several", run)
			}
			break
		}
		in = Input{Cursor: rep.Cursor}
		clock.Advance(time.Hour)
	}
	fresh, err := s.Sweep(context.Background(), Input{})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Sweep.ID == sweep.ID || fresh.Sweep.Run != 1 {
		t.Errorf("a new sweep reuses %+v", fresh.Sweep)
	}
	bad := Cursor{Pools: []PoolState{{ID: "us-east-1_A"}}, Sweep: &SweepState{ID: "../../x", Started: time.Now(), Run: 1}}.Encode()
	if _, err := DecodeCursor(bad); err == nil || !strings.Contains(err.Error(), "not a sweep started by the audit") {
		t.Errorf("malformed sweep: %v", err)
	}
}
