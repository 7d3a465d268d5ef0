package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// fakeLister serves pools and clients from memory. It panics on a pool it
// does not know and when PoolPages is called without pools.
type fakeLister struct {
	mu    sync.Mutex
	pools []string // nil: PoolPages must not be called
	// clients holds each pool's pages of client IDs.
	clients map[string][][]string
	// fail holds errors returned by successive ClientPages calls of a
	// pool before it answers (nil entries answer normally).
	fail map[string][]error
	// failSecondPage is returned once, instead of a pool's second page.
	failSecondPage map[string]error
	calls          []string
}

func (f *fakeLister) PoolPages(_ context.Context, start string, fn func([]types.UserPoolDescriptionType, string) error) error {
	f.mu.Lock()
	if f.pools == nil {
		panic("unexpected PoolPages")
	}
	f.calls = append(f.calls, "PoolPages")
	f.mu.Unlock()
	if start != "" {
		panic("unexpected PoolPages start token " + start)
	}
	// Two pools a page, to cross a page boundary.
	for i := 0; i < len(f.pools); i += 2 {
		var page []types.UserPoolDescriptionType
		for _, id := range f.pools[i:min(i+2, len(f.pools))] {
			page = append(page, types.UserPoolDescriptionType{Id: aws.String(id)})
		}
		next := ""
		if i+2 < len(f.pools) {
			next = "pools#" + strconv.Itoa(i+2)
		}
		if err := fn(page, next); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeLister) ClientPages(_ context.Context, pool, start string, fn func([]types.UserPoolClientDescription, string) error) error {
	f.mu.Lock()
	pages, ok := f.clients[pool]
	if !ok {
		panic("unexpected ClientPages for pool " + pool)
	}
	f.calls = append(f.calls, "ClientPages "+pool+" "+start)
	var err error
	if errs := f.fail[pool]; len(errs) > 0 {
		err, f.fail[pool] = errs[0], errs[1:]
	}
	f.mu.Unlock()
	if err != nil {
		return err
	}
	first := 0
	if start != "" {
		p, n, ok := strings.Cut(start, "#")
		if !ok || p != pool {
			panic("ClientPages: token " + start + " is not from pool " + pool)
		}
		first, _ = strconv.Atoi(n)
	}
	if len(pages) == 0 {
		return fn(nil, "")
	}
	for i := first; i < len(pages); i++ {
		f.mu.Lock()
		err := f.failSecondPage[pool]
		if i == 1 && err != nil {
			delete(f.failSecondPage, pool)
		}
		f.mu.Unlock()
		if i == 1 && err != nil {
			return err
		}
		var page []types.UserPoolClientDescription
		for _, id := range pages[i] {
			page = append(page, types.UserPoolClientDescription{UserPoolId: aws.String(pool), ClientId: aws.String(id)})
		}
		next := ""
		if i+1 < len(pages) {
			next = fmt.Sprintf("%s#%d", pool, i+1)
		}
		if err := fn(page, next); err != nil {
			return err
		}
	}
	return nil
}

type result struct {
	out reconcile.Outcome
	err error
}

// fakeReconciler answers Reconcile for the clients it knows: scripted
// results first, then "compliant". It panics on any other client and on a
// baseline it was not given.
type fakeReconciler struct {
	mu       sync.Mutex
	baseline *policy.Baseline
	known    map[reconcile.Ref]bool
	script   map[reconcile.Ref][]result
	calls    []reconcile.Ref
	// onCall runs before each answer (outside the lock), e.g. to move a
	// fake clock.
	onCall func(reconcile.Ref)
	// hang lists clients whose call blocks until the context ends, like a
	// paced wait or a retry that outlives the run.
	hang map[reconcile.Ref]bool
	// hungDeadline is the deadline of the last hung call's context.
	hungDeadline time.Time
}

func newFakeReconciler(b *policy.Baseline, l *fakeLister) *fakeReconciler {
	f := &fakeReconciler{baseline: b, known: map[reconcile.Ref]bool{}, script: map[reconcile.Ref][]result{}}
	for pool, pages := range l.clients {
		for _, page := range pages {
			for _, id := range page {
				f.known[reconcile.Ref{UserPoolID: pool, ClientID: id}] = true
			}
		}
	}
	return f
}

func (f *fakeReconciler) Reconcile(ctx context.Context, b *policy.Baseline, ref reconcile.Ref) (reconcile.Outcome, error) {
	if f.onCall != nil {
		f.onCall(ref)
	}
	if f.hang[ref] {
		<-ctx.Done()
		f.mu.Lock()
		f.hungDeadline, _ = ctx.Deadline()
		f.calls = append(f.calls, ref)
		f.mu.Unlock()
		return reconcile.Outcome{UserPoolID: ref.UserPoolID, ClientID: ref.ClientID, Status: reconcile.Failed}, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if b != f.baseline {
		panic("Reconcile with an unexpected baseline")
	}
	if !f.known[ref] {
		panic(fmt.Sprintf("unexpected Reconcile %+v", ref))
	}
	f.calls = append(f.calls, ref)
	if rs := f.script[ref]; len(rs) > 0 {
		f.script[ref] = rs[1:]
		r := rs[0]
		r.out.UserPoolID, r.out.ClientID = ref.UserPoolID, ref.ClientID
		return r.out, r.err
	}
	return reconcile.Outcome{UserPoolID: ref.UserPoolID, ClientID: ref.ClientID, Status: reconcile.Compliant}, nil
}

func (f *fakeReconciler) callCount() map[reconcile.Ref]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := map[reconcile.Ref]int{}
	for _, r := range f.calls {
		n[r]++
	}
	return n
}

// fakeBaselines returns one baseline, or an error; Load must be called at
// most once per run.
type fakeBaselines struct {
	b     *policy.Baseline
	err   error
	loads int
}

func (f *fakeBaselines) Load(context.Context) (*policy.Baseline, error) {
	f.loads++
	return f.b, f.err
}

// fakeClock is a clock that only moves when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var (
	errThrottled = &types.TooManyRequestsException{Message: aws.String("Too many requests")}
	errPoolGone  = &types.ResourceNotFoundException{Message: aws.String("User pool does not exist.")}
	errDenied    = &types.NotAuthorizedException{Message: aws.String("not authorized")}
	errRetryable = errors.New("describe failed, will be retried: TooManyRequestsException")
)
