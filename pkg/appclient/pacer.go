package appclient

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// Cognito's request-rate quotas for app-client operations: the
// UserPoolClientRead and UserPoolClientUpdate categories allow 15 requests
// per second per account and Region, and "any individual operation in this
// category" at most 5 per second on a single user pool
// (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html).
// None is adjustable, and every other caller in the account shares them.
const (
	// AccountRPS is the account+Region budget of each category.
	AccountRPS = 15
	// PoolRPS is the cap of each client operation on a single pool.
	PoolRPS = 5
)

// Limits is the Pacer's share of the quotas. Rates are requests per second.
type Limits struct {
	// Read is the caller's share of the UserPoolClientRead budget
	// (DescribeUserPoolClient + ListUserPoolClients), at most AccountRPS.
	Read float64
	// Update is its share of the UserPoolClientUpdate budget, at most
	// AccountRPS. The remediate function and the audit draw on the same
	// budget.
	Update float64
	// Pool caps each operation on one pool, at most PoolRPS.
	Pool float64
	// ListPools paces ListUserPools (UserPoolRead).
	ListPools float64
}

// DefaultLimits leaves two thirds of each account budget to other callers.
var DefaultLimits = Limits{Read: 5, Update: 5, Pool: PoolRPS, ListPools: 1}

// Validate reports a rate that is not above 0 or above its quota.
func (l Limits) Validate() error {
	for _, r := range []struct {
		name   string
		v, max float64
	}{{"read rate", l.Read, AccountRPS}, {"update rate", l.Update, AccountRPS}, {"pool rate", l.Pool, PoolRPS}, {"list-pools rate", l.ListPools, AccountRPS}} {
		if !(r.v > 0) || r.v > r.max || math.IsInf(r.v, 0) {
			return fmt.Errorf("%s %v: want more than 0 and at most %v requests per second", r.name, r.v, r.max)
		}
	}
	return nil
}

// Pacer keeps the Cognito calls of one client within Limits. Install it on
// the SDK client with Options.APIOptions (Pacer.AddTo).
//
// Why SDK middleware rather than a wrapper around appclient.API: a wrapper
// sees one call, but the SDK's retryer makes several attempts inside it,
// and each attempt counts against Cognito's quota. The middleware sits in
// the Finalize step after the "Retry" middleware, so it runs once per
// attempt: every attempt waits for its tokens, is counted, and a throttled
// attempt lowers the rate before the retryer tries again. It also covers
// the Describe and Update calls that reconcile.Reconciler makes through
// appclient without either package knowing about pacing.
//
// Each attempt must get a token from the account share of its category
// and from the (pool, operation) bucket; both are taken at the same
// instant, so the send time is the token time of both and the per-pool
// spacing holds exactly. Buckets hold one token: Cognito's own buckets are
// small, and a burst after an idle pool is what gets throttled.
//
// On TooManyRequestsException the account share and the pool bucket that
// saw it halve their rate (at most once a second, floor a tenth); each
// successful attempt gives back a fiftieth of the configured rate
// (additive increase, multiplicative decrease), so the pacer yields to
// other callers of the shared quota and recovers in a few seconds.
type Pacer struct {
	limits Limits
	clock  Clock
	// sent, when set (tests), is called under the lock with the token time
	// of every attempt that may be sent.
	sent func(op, pool string, at time.Time)

	mu        sync.Mutex
	shared    map[string]*adaptive // category
	perPool   map[poolOp]*adaptive
	calls     map[string]int64 // attempts per operation
	throttles map[string]int64
}

type poolOp struct{ pool, op string }

// Clock is the pacer's time: Now, and Sleep, which waits d or until ctx
// ends. Tests pass a virtual clock, so that spacing is checked exactly
// rather than within a wall-clock tolerance.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits d, or returns ctx's error when it ends first.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewPacer returns a Pacer for l on clock c (SystemClock when nil).
func NewPacer(l Limits, c Clock) (*Pacer, error) {
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("pacer: %w", err)
	}
	if c == nil {
		c = SystemClock{}
	}
	return &Pacer{
		limits: l,
		clock:  c,
		shared: map[string]*adaptive{
			"read":   newAdaptive(l.Read),
			"update": newAdaptive(l.Update),
			"pools":  newAdaptive(l.ListPools),
		},
		perPool:   make(map[poolOp]*adaptive),
		calls:     make(map[string]int64),
		throttles: make(map[string]int64),
	}, nil
}

// categories maps the operations this package makes to their quota
// category; other operations are not paced.
var categories = map[string]string{
	"DescribeUserPoolClient": "read",
	"ListUserPoolClients":    "read",
	"UpdateUserPoolClient":   "update",
	"ListUserPools":          "pools",
}

// AddTo installs the pacer on an SDK operation stack; pass it in
// cognitoidentityprovider.Options.APIOptions.
func (p *Pacer) AddTo(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(poolIDMiddleware{}, middleware.After); err != nil {
		return err
	}
	return stack.Finalize.Insert(paceMiddleware{p}, "Retry", middleware.After)
}

// Usage is the number of attempts and of throttled attempts, per operation.
type Usage struct {
	Calls     map[string]int64 `json:"calls"`
	Throttles map[string]int64 `json:"throttles,omitempty"`
}

// Usage returns the counts since the Pacer was made.
func (p *Pacer) Usage() Usage {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := Usage{Calls: make(map[string]int64, len(p.calls)), Throttles: make(map[string]int64, len(p.throttles))}
	for k, v := range p.calls {
		u.Calls[k] = v
	}
	for k, v := range p.throttles {
		u.Throttles[k] = v
	}
	return u
}

// Since returns the difference u - before: the usage of one run of a
// Pacer that lives across warm invocations.
func (u Usage) Since(before Usage) Usage {
	d := Usage{Calls: map[string]int64{}, Throttles: map[string]int64{}}
	for k, v := range u.Calls {
		if n := v - before.Calls[k]; n != 0 {
			d.Calls[k] = n
		}
	}
	for k, v := range u.Throttles {
		if n := v - before.Throttles[k]; n != 0 {
			d.Throttles[k] = n
		}
	}
	return d
}

// sendByKey carries the context WithSendBy gave.
type sendByKey struct{}

// WithSendBy returns ctx for calls whose attempts may only start while
// sendBy is live: an attempt still waiting for its pacing slot when sendBy
// ends fails with sendBy's error, while an attempt already sent runs on
// under ctx. A caller stopping at a deadline cuts its queued attempts
// without abandoning requests Cognito may already have answered (a
// describe cut on the wire is a read spent twice when it is retried).
func WithSendBy(ctx, sendBy context.Context) context.Context {
	return context.WithValue(ctx, sendByKey{}, sendBy)
}

// wait blocks until an attempt of op on pool may be sent, and takes its
// tokens.
func (p *Pacer) wait(ctx context.Context, op, pool string) error {
	lims := p.limitersFor(op, pool)
	if len(lims) == 0 {
		return nil
	}
	if sendBy, ok := ctx.Value(sendByKey{}).(context.Context); ok {
		if err := sendBy.Err(); err != nil {
			return err
		}
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		stop := context.AfterFunc(sendBy, func() { cancel(context.Cause(sendBy)) })
		defer stop()
		defer cancel(nil)
	}
	for {
		p.mu.Lock()
		now := p.clock.Now()
		var delay time.Duration
		for _, a := range lims {
			if d := a.delay(now); d > delay {
				delay = d
			}
		}
		if delay == 0 {
			for _, a := range lims {
				a.lim.AllowN(now, 1)
			}
			if p.sent != nil {
				p.sent(op, pool, now)
			}
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		// Another attempt may take the token first; then we wait again.
		if err := p.clock.Sleep(ctx, delay); err != nil {
			return err
		}
	}
}

func (p *Pacer) limitersFor(op, pool string) []*adaptive {
	cat, ok := categories[op]
	if !ok {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	lims := []*adaptive{p.shared[cat]}
	if pool != "" && cat != "pools" {
		k := poolOp{pool, op}
		a, ok := p.perPool[k]
		if !ok {
			a = newAdaptive(p.limits.Pool)
			p.perPool[k] = a
		}
		lims = append(lims, a)
	}
	return lims
}

// done records the result of one attempt.
func (p *Pacer) done(op, pool string, err error) {
	lims := p.limitersFor(op, pool)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	now := p.clock.Now()
	if isThrottle(err) {
		p.throttles[op]++
		for _, a := range lims {
			a.throttled(now)
		}
		return
	}
	for _, a := range lims {
		a.succeeded(now)
	}
}

func isThrottle(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "TooManyRequestsException"
}

// adaptive is a one-token bucket whose rate moves between max/10 and max.
type adaptive struct {
	lim     *rate.Limiter
	max     rate.Limit
	lastCut time.Time
}

func newAdaptive(rps float64) *adaptive {
	return &adaptive{lim: rate.NewLimiter(rate.Limit(rps), 1), max: rate.Limit(rps)}
}

func (a *adaptive) delay(now time.Time) time.Duration {
	tok := a.lim.TokensAt(now)
	if tok >= 1 {
		return 0
	}
	d := time.Duration((1 - tok) / float64(a.lim.Limit()) * float64(time.Second))
	if d <= 0 {
		d = time.Millisecond // rounding: never spin
	}
	return d
}

func (a *adaptive) throttled(now time.Time) {
	// One cut per second: the attempts already in flight when the first
	// throttle arrives say nothing new about the rate.
	if now.Sub(a.lastCut) < time.Second {
		return
	}
	a.lastCut = now
	a.lim.SetLimitAt(now, max(a.lim.Limit()/2, a.max/10))
}

func (a *adaptive) succeeded(now time.Time) {
	if l := a.lim.Limit(); l < a.max {
		a.lim.SetLimitAt(now, min(l+a.max/50, a.max))
	}
}

type poolIDKey struct{}

// poolIDMiddleware puts the user pool ID of the request into the context,
// where paceMiddleware (which sees only the HTTP request) can find it.
type poolIDMiddleware struct{}

func (poolIDMiddleware) ID() string { return "CognitoGuardPoolID" }

func (poolIDMiddleware) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	var pool *string
	switch v := in.Parameters.(type) {
	case *cognitoidentityprovider.DescribeUserPoolClientInput:
		pool = v.UserPoolId
	case *cognitoidentityprovider.ListUserPoolClientsInput:
		pool = v.UserPoolId
	case *cognitoidentityprovider.UpdateUserPoolClientInput:
		pool = v.UserPoolId
	}
	if pool != nil {
		ctx = context.WithValue(ctx, poolIDKey{}, *pool)
	}
	return next.HandleInitialize(ctx, in)
}

type paceMiddleware struct{ p *Pacer }

func (paceMiddleware) ID() string { return "CognitoGuardPace" }

func (m paceMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	op := awsmiddleware.GetOperationName(ctx)
	pool, _ := ctx.Value(poolIDKey{}).(string)
	if err := m.p.wait(ctx, op, pool); err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("pace %s: %w", op, err)
	}
	out, md, err := next.HandleFinalize(ctx, in)
	m.p.done(op, pool, err)
	return out, md, err
}
