package audit

import (
	"sort"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// These tests run the real chain (appclient, reconcile, policy, the pacer
// in the SDK client) against the emulator with Cognito's quotas on.

func outcomesByRef(rep *Report) map[reconcile.Ref]reconcile.Status {
	m := map[reconcile.Ref]reconcile.Status{}
	for _, o := range rep.Clients {
		m[reconcile.Ref{UserPoolID: o.UserPoolID, ClientID: o.ClientID}] = o.Status
	}
	return m
}

func wantOutcomes(w *world, drifted reconcile.Status) map[reconcile.Ref]reconcile.Status {
	m := map[reconcile.Ref]reconcile.Status{}
	for _, r := range w.All {
		m[r] = reconcile.Compliant
		if w.Drifted[r] {
			m[r] = drifted
		}
	}
	return m
}

func TestEmulatorEnforceFixesExactlyTheDrifted(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Options{Quotas: true, Latency: 5 * time.Millisecond}, 3, 4, 3)
	rep := sweepAll(t, w.sweeper(t, testConfig(true)))
	if diff := diff.Diff(wantOutcomes(w, reconcile.Remediated), outcomesByRef(rep)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	updates, failedUpdates := w.calls("UpdateUserPoolClient")
	wantUpdates := map[reconcile.Ref]int{}
	for r := range w.Drifted {
		wantUpdates[r] = 1
	}
	if diff := diff.Diff(wantUpdates, updates); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
	if len(failedUpdates) > 0 || !rep.Complete || len(rep.Pending) > 0 || rep.DryRun {
		t.Errorf("failed updates %v, complete %v, pending %v, dryRun %v", failedUpdates, rep.Complete, rep.Pending, rep.DryRun)
	}
	// Converged: a second sweep finds nothing to do and writes nothing.
	w.Emu.ResetCalls()
	rep = sweepAll(t, w.sweeper(t, testConfig(true)))
	if diff := diff.Diff(wantOutcomes(w, reconcile.Compliant), outcomesByRef(rep)); diff != "" {
		t.Errorf("second sweep (-want +got):\n%s", diff)
	}
	if updates, _ := w.calls("UpdateUserPoolClient"); len(updates) > 0 {
		t.Errorf("second sweep wrote %v", updates)
	}
}

func TestEmulatorDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{testConfig(false), func() Config { c := testConfig(true); c.DryRun = true; return c }()} {
		w := newWorld(t, emulator.Options{Quotas: true}, 2, 5, 2)
		rep := sweepAll(t, w.sweeper(t, cfg))
		if diff := diff.Diff(wantOutcomes(w, reconcile.Drift), outcomesByRef(rep)); diff != "" {
			t.Errorf("enforce=%v dryRun=%v: outcomes (-want +got):\n%s", cfg.Enforce, cfg.DryRun, diff)
		}
		if updates, failed := w.calls("UpdateUserPoolClient"); len(updates)+len(failed) > 0 {
			t.Errorf("enforce=%v dryRun=%v: wrote %v %v", cfg.Enforce, cfg.DryRun, updates, failed)
		}
		// Exactly one describe per client: nothing evaluated twice.
		describes, _ := w.calls("DescribeUserPoolClient")
		for _, r := range w.All {
			if describes[r] != 1 {
				t.Errorf("%v described %d times", r, describes[r])
			}
		}
		if !rep.DryRun || rep.Counts["drift"] != len(w.Drifted) {
			t.Errorf("dryRun=%v counts=%v", rep.DryRun, rep.Counts)
		}
	}
}

func TestEmulatorClientDeletedMidSweep(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Options{Quotas: true}, 2, 3, 0)
	gone := w.All[4]
	w.DeleteAfterList(gone)
	rep := sweepAll(t, w.sweeper(t, testConfig(true)))
	want := wantOutcomes(w, reconcile.Remediated)
	want[gone] = reconcile.Skipped
	if diff := diff.Diff(want, outcomesByRef(rep)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if !rep.Complete {
		t.Errorf("incomplete: %v", rep.Pending)
	}
}

// TestEmulatorThrottleBursts: bursts of TooManyRequestsException on every
// operation (another tool eating the quota) cost retries and time, never a
// client.
func TestEmulatorThrottleBursts(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Options{Quotas: true}, 2, 2, 2) // each throttled operation still has calls left to succeed
	w.Emu.Fail("ListUserPools", 2, "TooManyRequestsException")
	w.Emu.Fail("ListUserPoolClients", 2, "TooManyRequestsException")
	w.Emu.Fail("DescribeUserPoolClient", 3, "TooManyRequestsException")
	w.Emu.Fail("UpdateUserPoolClient", 1, "TooManyRequestsException")
	rep := sweepAll(t, w.sweeper(t, testConfig(true)))
	if diff := diff.Diff(wantOutcomes(w, reconcile.Remediated), outcomesByRef(rep)); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	want := map[string]int64{"ListUserPools": 2, "ListUserPoolClients": 2, "DescribeUserPoolClient": 3, "UpdateUserPoolClient": 1}
	if diff := diff.Diff(want, rep.Throttles); diff != "" {
		t.Errorf("throttles seen (-want +got):\n%s", diff)
	}
	if !rep.Complete || len(rep.Pending) > 0 {
		t.Errorf("complete %v, pending %v", rep.Complete, rep.Pending)
	}
	// API calls reported are the attempts Cognito saw.
	seen := map[string]int64{}
	for _, c := range w.Emu.Calls() {
		seen[c.Op]++
	}
	delete(seen, "GetParameter")
	if diff := diff.Diff(seen, rep.APICalls); diff != "" {
		t.Errorf("apiCalls vs the emulator's log (-emulator +report):\n%s", diff)
	}
}

// TestEmulatorResume: sweeps cut short by a deadline, resumed from their
// cursors, describe every client exactly once in all.
func TestEmulatorResume(t *testing.T) {
	t.Parallel()
	w := newWorld(t, emulator.Options{Quotas: true, Latency: 5 * time.Millisecond}, 3, 7, 0)
	var got []string
	in := Input{}
	for run := 0; ; run++ {
		if run > 30 {
			t.Fatal("no end after 30 runs")
		}
		s := w.sweeper(t, testConfig(false))
		// 0.7 s of work a run: about 8 calls at 12 RPS, for 25 (21 clients, 3 pools, the list).
		s.Margin = 300 * time.Millisecond
		ctx, cancel := contextWithTimeout(time.Second)
		rep, err := s.Sweep(ctx, in)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range rep.Clients {
			got = append(got, o.UserPoolID+"/"+o.ClientID)
		}
		if rep.Complete {
			if run == 0 {
				t.Fatal("finished in one run; the test needs a cut")
			}
			break
		}
		in = Input{Cursor: rep.Cursor}
	}
	var want []string
	for _, r := range w.All {
		want = append(want, r.UserPoolID+"/"+r.ClientID)
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("clients over all runs (-want +got):\n%s", diff)
	}
	describes, _ := w.calls("DescribeUserPoolClient")
	for _, r := range w.All {
		if describes[r] != 1 {
			t.Errorf("%v described %d times", r, describes[r])
		}
	}
}
