package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Lister enumerates pools and clients a page at a time from a token;
// *appclient.Client has it.
type Lister interface {
	PoolPages(ctx context.Context, startToken string, fn func(pools []types.UserPoolDescriptionType, next string) error) error
	ClientPages(ctx context.Context, userPoolID, startToken string, fn func(clients []types.UserPoolClientDescription, next string) error) error
}

// Baselines supplies the current baseline; *baseline.Loader has it.
type Baselines interface {
	Load(ctx context.Context) (*policy.Baseline, error)
}

// Reconciler evaluates (and, when enforcing, fixes) one client;
// *reconcile.Reconciler has it.
type Reconciler interface {
	Reconcile(ctx context.Context, b *policy.Baseline, ref reconcile.Ref) (reconcile.Outcome, error)
}

// Meter reports the API attempts made so far; *appclient.Pacer has it.
type Meter interface {
	Usage() appclient.Usage
}

// Outputs takes every outcome of a run (metrics, notifications, Security
// Hub); *outputs.Fanout has it.
type Outputs interface {
	Emit(ctx context.Context, b outputs.Batch)
}

// Sweeper runs audit sweeps. Meter and Outputs may be nil.
type Sweeper struct {
	Baselines  Baselines
	Lister     Lister
	Reconciler Reconciler
	// DryRun is reported; the Reconciler's own DryRun decides whether it
	// writes, and main builds both from Config.DryRun.
	DryRun bool
	// Concurrency is the number of pools worked on at once (DefaultConcurrency when 0).
	// One pool cannot use more than appclient.PoolRPS, so reaching an account share
	// of 15 takes at least three.
	Concurrency int
	// Margin is how long before the context's deadline the sweep stops
	// starting work (default 10s): enough for the clients in flight to
	// finish and the report to be written.
	Margin time.Duration
	// RetryRounds is how often, within a run, a client or page that failed
	// in a retryable way is tried again (default 3), RetryBackoff the pause
	// before the first round, doubling (default 1s).
	RetryRounds  int
	RetryBackoff time.Duration
	// Clients says which outcomes the report returns (default
	// ClientsAttention); the logged report is bounded whatever it says
	// (LogLimit).
	Clients ClientList
	Meter   Meter
	Outputs Outputs
	// Reports writes the full per-client report of each sweep to S3
	// (AUDIT_REPORT_BUCKET); nil writes none.
	Reports *ReportWriter
	// Now is the clock for the deadline check; time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
}

// Report is the result of one run, returned and logged. It holds no
// secret: outcomes carry findings and changes, never the described client.
type Report struct {
	// Complete is true when nothing is left to do; otherwise pass Cursor
	// back as {"cursor": ...} to continue.
	Complete bool   `json:"complete"`
	Cursor   string `json:"cursor,omitempty"`
	DryRun   bool   `json:"dryRun"`
	// StartedAt and DurationMS time the run.
	StartedAt  time.Time `json:"startedAt"`
	DurationMS int64     `json:"durationMs"`
	// PoolsDone counts the pools finished in this run; PoolsLeft those in
	// the cursor.
	PoolsDone int `json:"poolsDone"`
	PoolsLeft int `json:"poolsLeft"`
	// Sweep names the sweep this run belongs to, and its Run is this run's
	// number in it (1 for the first; a run resumed from a cursor continues
	// its sweep).
	Sweep *SweepState `json:"sweep,omitempty"`
	// Counts is the number of clients per outcome, plus "pending".
	Counts map[string]int `json:"counts"`
	// Clients is one outcome per client evaluated in this run (all, or
	// those needing attention, or none: Sweeper.Clients).
	Clients []reconcile.Outcome `json:"clients"`
	// Pending are clients left in the cursor after retryable failures.
	Pending []Pending `json:"pending,omitempty"`
	// PoolErrors are pools that could not be listed (gone, or refused).
	PoolErrors []PoolError `json:"poolErrors,omitempty"`
	// APICalls counts attempts per operation (retries included) and
	// Throttles the attempts Cognito answered TooManyRequestsException.
	APICalls  map[string]int64 `json:"apiCalls,omitempty"`
	Throttles map[string]int64 `json:"throttles,omitempty"`
	// Objects says where the S3 report is (Sweeper.Reports).
	Objects *Objects `json:"objects,omitempty"`
}

// ClientList says which per-client outcomes a Report lists. Counts always
// cover every client, and reconcile logs one line per client anyway.
//
// The choice exists for size: a 15-minute run at 5 RPS evaluates about
// 4,500 clients, roughly 1 MB of outcomes, above Step Functions' 256 KB
// state limit and CloudWatch Logs' 256 KB event limit. A Step Functions
// loop should use ClientsNone or ClientsAttention.
type ClientList string

const (
	ClientsAll       ClientList = "all"       // every outcome
	ClientsAttention ClientList = "attention" // all but compliant (default)
	ClientsNone      ClientList = "none"      // counts only
)

// Pending is a client whose evaluation is left for a later run.
type Pending struct {
	UserPoolID string `json:"userPoolId"`
	ClientID   string `json:"clientId,omitempty"`
	Reason     string `json:"reason"`
}

// PoolError is a pool whose clients could not be listed.
type PoolError struct {
	UserPoolID string           `json:"userPoolId"`
	Outcome    reconcile.Status `json:"outcome"` // skipped (gone) or failed
	Reason     string           `json:"reason"`
}

// Handle is the Lambda entry point: parse the payload, sweep, hand the
// outcomes to the outputs as they come (OutputBatch at a time) and, with
// Reports, to the S3 report, then return and log the report (summary,
// the clients Sweeper.Clients asks for, the S3 keys) as one bounded JSON
// line (LoggedReport). Nothing it holds grows with the number of clients
// but the clients the result lists.
// The error is non-nil only when the sweep could not start (bad input, no
// valid baseline, pools not listable); then nothing has been written. A
// report that cannot be written to S3 does not fail the invocation (the
// sweep's work is done): Objects.Error says why, and it is logged.
func (s *Sweeper) Handle(ctx context.Context, raw json.RawMessage) (*Report, error) {
	in, err := ParseInput(raw)
	if err != nil {
		return nil, err
	}
	var spool *reportRun
	if s.Reports != nil {
		spool = s.Reports.start(s.now())
		defer spool.cleanup()
	}
	em := &emitter{ctx: ctx, out: s.Outputs}
	rep, err := s.sweep(ctx, in, s.Clients.keeps, func(o reconcile.Outcome) {
		em.add(o)
		spool.add(o)
	})
	if err != nil {
		return nil, err
	}
	em.flush()
	if spool != nil {
		rep.Objects = s.Reports.finish(ctx, spool, rep)
		if rep.Objects.Error != "" {
			s.log().LogAttrs(ctx, slog.LevelWarn, "audit report not written to S3", slog.String("bucket", rep.Objects.Bucket),
				slog.String("prefix", rep.Objects.Prefix), slog.String("error", rep.Objects.Error))
		}
	}
	s.log().LogAttrs(ctx, slog.LevelInfo, "audit report", slog.Any("report", NewLoggedReport(rep, DefaultLogLimit)))
	return rep, nil
}

// OutputBatch is how many outcomes the outputs get at once: metrics,
// EventBridge, SNS and Security Hub hear of a sweep as it goes, and the
// sweep holds at most this many outcomes for them.
const OutputBatch = 1000

// emitter hands outcomes to the outputs OutputBatch at a time, one batch
// at a time.
type emitter struct {
	ctx context.Context
	out Outputs

	mu     sync.Mutex
	buf    []reconcile.Outcome
	sendMu sync.Mutex
}

func (e *emitter) add(o reconcile.Outcome) {
	if e.out == nil {
		return
	}
	e.mu.Lock()
	e.buf = append(e.buf, o)
	var full []reconcile.Outcome
	if len(e.buf) >= OutputBatch {
		full, e.buf = e.buf, nil
	}
	e.mu.Unlock()
	e.send(full)
}

func (e *emitter) flush() {
	if e.out == nil {
		return
	}
	e.mu.Lock()
	rest := e.buf
	e.buf = nil
	e.mu.Unlock()
	e.send(rest)
}

func (e *emitter) send(b []reconcile.Outcome) {
	if len(b) == 0 {
		return
	}
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	e.out.Emit(e.ctx, outputs.Of(b))
}

// errStop ends a page walk when the deadline is near.
var errStop = errors.New("audit: deadline near")

// Sweep runs one sweep of in's pools (every pool when in is zero, the
// cursor's remainder when it has one).
// Its report lists every client evaluated.
func (s *Sweeper) Sweep(ctx context.Context, in Input) (*Report, error) {
	return s.sweep(ctx, in, nil, nil)
}

// sweep is Sweep keeping in the report only the outcomes keep accepts (all
// when nil) and calling each, when not nil, with every outcome as it comes
// (from several goroutines at once).
func (s *Sweeper) sweep(ctx context.Context, in Input, keep func(reconcile.Outcome) bool, each func(reconcile.Outcome)) (*Report, error) {
	r := &run{s: s, ctx: ctx, start: s.now(), outcomes: make(map[string]int), keep: keep, each: each}
	if s.Meter != nil {
		r.usage = s.Meter.Usage()
	}
	if dl, ok := ctx.Deadline(); ok {
		// A margin as long as the whole run would leave no time for work,
		// and a Step Functions loop would spin forever: it takes at most a
		// third of the run.
		m := min(s.margin(), dl.Sub(r.start)/3)
		r.stopAt = dl.Add(-m)
		// Attempts still waiting for their pacing slot (a paced wait, a
		// retry) are cut off half way through the margin, so the report is
		// returned before Lambda's own deadline; what they leave undone is
		// retried from the cursor. A request already sent runs on until
		// three quarters of the margin: Cognito may have answered it, and
		// cutting it would spend that read again in the next run.
		sendBy, cancelSend := context.WithDeadline(ctx, dl.Add(-m/2))
		defer cancelSend()
		var cancel context.CancelFunc
		r.ctx, cancel = context.WithDeadline(ctx, dl.Add(-m/4))
		defer cancel()
		r.ctx = appclient.WithSendBy(r.ctx, sendBy)
	}
	// Fail closed: without a valid baseline nothing is evaluated, so
	// nothing can be written.
	b, err := s.Baselines.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: load baseline: %w", err)
	}
	r.baseline = b
	pools, err := r.pools(in)
	if err != nil {
		return nil, err
	}
	r.sweep(pools)
	return r.report(pools), nil
}

type run struct {
	s        *Sweeper
	ctx      context.Context
	baseline *policy.Baseline
	start    time.Time
	stopAt   time.Time
	usage    appclient.Usage
	keep     func(reconcile.Outcome) bool
	each     func(reconcile.Outcome)
	sweepID  SweepState

	mu         sync.Mutex
	clients    []reconcile.Outcome
	outcomes   map[string]int
	lastErr    map[poolClient]string
	poolErrors []PoolError
	poolsDone  int
}

type poolClient struct{ pool, client string }

func (r *run) pools(in Input) ([]*PoolState, error) {
	var pools []*PoolState
	r.sweepID = newSweep(r.start)
	switch {
	case in.Cursor != "":
		c, err := DecodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		if c.Sweep != nil {
			r.sweepID = *c.Sweep
			r.sweepID.Run++
		}
		for i := range c.Pools {
			pools = append(pools, &c.Pools[i])
		}
	case len(in.UserPoolIDs) > 0:
		for _, id := range in.UserPoolIDs {
			pools = append(pools, &PoolState{ID: id})
		}
	default:
		// Every pool is listed before the first is swept: a Region holds
		// at most 10,000 pools (60 per page), and a fixed list is what the
		// cursor needs. Pools created later are seen by the next sweep.
		err := r.s.Lister.PoolPages(r.ctx, "", func(page []types.UserPoolDescriptionType, _ string) error {
			for _, p := range page {
				pools = append(pools, &PoolState{ID: aws.ToString(p.Id)})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
	return pools, nil
}

// sweep works on up to Concurrency pools at a time, in order.
func (r *run) sweep(pools []*PoolState) {
	next := make(chan *PoolState)
	var wg sync.WaitGroup
	for range r.s.concurrency() {
		wg.Go(func() {
			for p := range next {
				r.pool(p)
			}
		})
	}
	for _, p := range pools {
		if r.stopping() {
			break
		}
		next <- p
	}
	close(next)
	wg.Wait()
}

// stopping reports whether the deadline (less the margin) has come.
func (r *run) stopping() bool {
	if r.ctx.Err() != nil {
		return true
	}
	return !r.stopAt.IsZero() && !r.s.now().Before(r.stopAt)
}

// pool works on one pool until it is finished or the deadline is near.
func (r *run) pool(p *PoolState) {
	if r.stopping() {
		return // handed over just before the deadline: leave it whole
	}
	// Clients left for retry by an earlier run have waited long enough.
	resumedRetries := p.Listed
	for round := 0; !p.Listed; round++ {
		err := r.s.Lister.ClientPages(r.ctx, p.ID, p.Token, func(page []types.UserPoolClientDescription, next string) error {
			return r.page(p, page, next)
		})
		if err == nil {
			p.Listed = true
			break
		}
		if errors.Is(err, errStop) || r.stopping() {
			return
		}
		switch appclient.Classify(err) {
		case appclient.NotFound:
			// Deleted meanwhile: there is nothing left to evaluate, and
			// clients queued for retry are gone with it. The pool is
			// done (it leaves the cursor), and counted so.
			p.Retry = nil
			r.poolError(p, reconcile.Skipped, "user pool not found")
			r.mu.Lock()
			r.poolsDone++
			r.mu.Unlock()
			return
		case appclient.Terminal:
			// No retry lists the rest (access denied, say); clients
			// already listed and queued for retry still get theirs.
			r.poolError(p, reconcile.Failed, err.Error())
		}
		if p.Listed {
			break
		}
		if round >= r.s.retryRounds() || !r.pause(round) {
			// Left in the cursor, from the page that failed.
			r.setLastErr(p.ID, "", err)
			return
		}
	}
	for round := 0; len(p.Retry) > 0 && round < r.s.retryRounds(); round++ {
		if !(resumedRetries && round == 0) && !r.pause(round) {
			break
		}
		var left []string
		for i, id := range p.Retry {
			if r.stopping() {
				left = append(left, p.Retry[i:]...)
				break
			}
			if !r.client(p.ID, id) {
				left = append(left, id)
			}
		}
		p.Retry = left
	}
	if p.finished() {
		r.mu.Lock()
		r.poolsDone++
		r.mu.Unlock()
	}
}

// page evaluates the clients of one page that are not done yet.
func (r *run) page(p *PoolState, page []types.UserPoolClientDescription, next string) error {
	done := make(map[string]bool, len(p.Done))
	for _, id := range p.Done {
		done[id] = true
	}
	for _, c := range page {
		id := aws.ToString(c.ClientId)
		if done[id] {
			continue
		}
		if r.stopping() {
			return errStop
		}
		if !r.client(p.ID, id) {
			p.Retry = append(p.Retry, id)
		}
		done[id] = true
		p.Done = append(p.Done, id)
	}
	p.Token, p.Done = next, nil
	return nil
}

// client reconciles one client and records the outcome; false means a
// retryable failure, to be tried again.
func (r *run) client(pool, id string) bool {
	out, err := r.s.Reconciler.Reconcile(r.ctx, r.baseline, reconcile.Ref{UserPoolID: pool, ClientID: id})
	if err != nil {
		r.setLastErr(pool, id, err)
		return false
	}
	r.mu.Lock()
	if r.keep == nil || r.keep(out) {
		r.clients = append(r.clients, out)
	}
	r.outcomes[string(out.Status)]++
	delete(r.lastErr, poolClient{pool, id})
	r.mu.Unlock()
	if r.each != nil {
		r.each(out)
	}
	return true
}

func (r *run) setLastErr(pool, id string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastErr == nil {
		r.lastErr = make(map[poolClient]string)
	}
	r.lastErr[poolClient{pool, id}] = err.Error()
}

func (r *run) poolError(p *PoolState, status reconcile.Status, reason string) {
	p.Listed = true
	r.mu.Lock()
	defer r.mu.Unlock()
	r.poolErrors = append(r.poolErrors, PoolError{UserPoolID: p.ID, Outcome: status, Reason: reason})
}

// pause waits before retry round n; false when the deadline comes first.
func (r *run) pause(n int) bool {
	d := r.s.retryBackoff() << min(n, 5)
	if !r.stopAt.IsZero() && r.s.now().Add(d).After(r.stopAt) {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.ctx.Done():
		return false
	case <-t.C:
		return !r.stopping()
	}
}

func (r *run) report(pools []*PoolState) *Report {
	rep := &Report{
		DryRun:     r.s.DryRun,
		StartedAt:  r.start.UTC(),
		DurationMS: r.s.now().Sub(r.start).Milliseconds(),
		PoolsDone:  r.poolsDone,
		Sweep:      &r.sweepID,
		Counts:     r.outcomes,
		Clients:    r.clients,
		PoolErrors: r.poolErrors,
	}
	if rep.Clients == nil {
		rep.Clients = []reconcile.Outcome{}
	}
	sort.Slice(rep.Clients, func(i, j int) bool {
		a, b := rep.Clients[i], rep.Clients[j]
		return a.UserPoolID < b.UserPoolID || a.UserPoolID == b.UserPoolID && a.ClientID < b.ClientID
	})
	cur := Cursor{Sweep: &r.sweepID}
	for _, p := range pools {
		if p.finished() {
			continue
		}
		cur.Pools = append(cur.Pools, *p)
		for _, id := range p.Retry {
			rep.Pending = append(rep.Pending, Pending{UserPoolID: p.ID, ClientID: id, Reason: r.lastErr[poolClient{p.ID, id}]})
		}
		if reason, ok := r.lastErr[poolClient{p.ID, ""}]; ok {
			rep.Pending = append(rep.Pending, Pending{UserPoolID: p.ID, Reason: "listing clients: " + reason})
		}
	}
	rep.PoolsLeft = len(cur.Pools)
	rep.Complete = len(cur.Pools) == 0
	if !rep.Complete {
		rep.Cursor = cur.Encode()
	}
	if n := countClients(rep.Pending); n > 0 {
		rep.Counts["pending"] = n
	}
	if r.s.Meter != nil {
		u := r.s.Meter.Usage().Since(r.usage)
		rep.APICalls, rep.Throttles = u.Calls, u.Throttles
	}
	return rep
}

// keeps reports whether the report lists o.
func (l ClientList) keeps(o reconcile.Outcome) bool {
	switch l {
	case ClientsAll:
		return true
	case ClientsNone:
		return false
	}
	return o.Status != reconcile.Compliant // ClientsAttention, the default
}

func countClients(ps []Pending) int {
	n := 0
	for _, p := range ps {
		if p.ClientID != "" {
			n++
		}
	}
	return n
}

func (s *Sweeper) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sweeper) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Sweeper) concurrency() int {
	if s.Concurrency > 0 {
		return s.Concurrency
	}
	return DefaultConcurrency
}

func (s *Sweeper) margin() time.Duration {
	if s.Margin > 0 {
		return s.Margin
	}
	return 10 * time.Second
}

func (s *Sweeper) retryRounds() int {
	if s.RetryRounds > 0 {
		return s.RetryRounds
	}
	return 3
}

func (s *Sweeper) retryBackoff() time.Duration {
	if s.RetryBackoff > 0 {
		return s.RetryBackoff
	}
	return time.Second
}
