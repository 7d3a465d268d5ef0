package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// A sweep that runs into its deadline returns a cursor; passing the cursor
// back continues where it stopped. functions/audit wires the Sweeper with
// appclient, reconcile, baseline and a Pacer; fakes stand in for them here.
func ExampleSweeper_Sweep() {
	lister := &fakeLister{
		pools:   []string{"us-east-1_A", "us-east-1_B"},
		clients: map[string][][]string{"us-east-1_A": {{"a1", "a2"}, {"a3"}}, "us-east-1_B": {{"b1"}}},
	}
	baselines := &fakeBaselines{b: &policy.Baseline{}}
	clock := &fakeClock{t: time.Now()}
	rec := newFakeReconciler(baselines.b, lister)
	rec.onCall = func(reconcile.Ref) { clock.Advance(4 * time.Minute) } // a slow account
	s := &Sweeper{Baselines: baselines, Lister: lister, Reconciler: rec, Concurrency: 1, Now: clock.Now, Margin: time.Minute}

	in := Input{}
	for run := 1; run < 10; run++ {
		// Each run has ten minutes, like a Lambda timeout.
		ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(10*time.Minute))
		rep, err := s.Sweep(ctx, in)
		cancel()
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("run %d: %d evaluated, complete=%v\n", run, len(rep.Clients), rep.Complete)
		if rep.Complete {
			break
		}
		in = Input{Cursor: rep.Cursor}
	}
	// Output:
	// run 1: 3 evaluated, complete=false
	// run 2: 1 evaluated, complete=true
}
