// Package batch is the remediate function's SQS path. EventBridge delivers
// app-client events into a queue; Lambda's event source mapping hands the
// function batches of them, and this package turns a batch into as few
// reconciles as possible:
//
//   - Records are grouped by app client. Reconcile is level-based (it
//     describes the client afresh and never reads the event's copy of the
//     settings), so one reconcile per client per batch answers every event of
//     that client in it, however many there are: a Terraform apply that
//     touches a client five times costs one DescribeUserPoolClient.
//   - A group's representative is an event that is not the function's own
//     update when there is one, so a batch holding both an administrator's
//     change and our own echo still writes.
//   - The result is a partial batch response (ReportBatchItemFailures): only
//     the records whose client could not be reconciled go back to the queue,
//     and after the queue's maxReceiveCount they land in its dead-letter
//     queue. Nothing is dropped: malformed records fail (and are kept), and
//     records not yet started when the deadline approaches fail too.
//     https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
//   - Across batches, a warm container remembers when it last started a
//     reconcile that finished for each client. A CloudTrail event recorded
//     at least CoveredAfter before that start changed the client before the
//     describe read it, so it is already answered: it is acknowledged
//     without another DescribeUserPoolClient. Manual payloads and events
//     without a usable eventTime are never taken as covered.
//   - A baseline that cannot be loaded fails every record of the batch at
//     once instead of reading SSM again for each client.
package batch

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognito-guard/cognito-guard/internal/remediate"
	"github.com/cognito-guard/cognito-guard/internal/trigger"
)

// Single handles one event; *remediate.Handler has it.
type Single interface {
	Handle(ctx context.Context, raw []byte) (remediate.Result, error)
}

// DefaultMargin is how long before the invocation's deadline the batch stops
// starting new reconciles: enough for one describe, update and confirming
// describe under throttling retries. It is at most a third of the
// invocation's time (Handler.Margin says why).
const DefaultMargin = 5 * time.Second

// DefaultParallel clients of a batch are reconciled at once.
const DefaultParallel = 4

// CoveredAfter is how much later than an event's eventTime a describe must
// have started to be sure it saw the event's change: CloudTrail's eventTime
// is truncated to the second, and the function's clock and AWS's may
// differ by a little.
const CoveredAfter = 2 * time.Second

// maxRemembered bounds the per-container memory of reconciles; past it the
// memory starts afresh (a forgotten client only costs one more describe).
const maxRemembered = 50000

// Handler handles one SQS batch. A Handler lives as long as the container,
// so its memory of recent reconciles spans batches.
type Handler struct {
	Single Single
	// Own reports whether a request is the function's own update coming
	// back (the same test the single handler applies). May be nil.
	Own func(trigger.Request) bool
	// Margin before the deadline. When 0: DefaultMargin, but at most a
	// third of the time from the batch's start to the deadline, so that a
	// function given a timeout of 5 s or less (SAM's default is 3 s) still
	// reconciles instead of returning every record to the queue.
	Margin time.Duration
	// Parallel is how many clients of a batch are reconciled at once
	// (DefaultParallel when 0). The pacer, not this, keeps the request
	// rates: several at once let one client's wait for its pool's slot
	// overlap other pools' calls.
	Parallel int
	Log      *slog.Logger
	// Now is the clock the deadline and the memory are judged by;
	// time.Now when nil.
	Now func() time.Time

	mu   sync.Mutex
	last map[[2]string]time.Time // client -> start of its last finished reconcile
}

// group is the records of one client (or one unparseable record).
type group struct {
	rep int   // index of the record that is reconciled
	ids []int // every record the outcome answers
	// key is the client; zero for a record that did not parse.
	key [2]string
	// newest is the latest eventTime among the records; zero when any
	// record has none (a manual payload), which is never covered.
	newest time.Time
}

// Handle reconciles each client named in the batch once and reports the
// records to retry. The error is always nil: a function error would return
// the whole batch, including the records already handled.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	margin := h.margin(ctx, h.now())
	groups := h.group(ev.Records)
	log := h.log()
	// What became of each group; each entry is written by one goroutine
	// (or the loop) and read after they are all done.
	state := make([]groupState, len(groups))
	var (
		mu   sync.Mutex
		down bool // the baseline could not be loaded: start nothing more
	)
	isDown := func() bool { mu.Lock(); defer mu.Unlock(); return down }
	run := func(gi int) {
		g := groups[gi]
		msg := ev.Records[g.rep]
		started := h.now()
		res, err := h.Single.Handle(ctx, []byte(msg.Body))
		if err == nil {
			h.remember(g, started)
			return
		}
		state[gi] = failedState
		var berr *remediate.BaselineError
		if errors.As(err, &berr) {
			// Every other client would fail the same way; do not read SSM
			// once more per client.
			mu.Lock()
			down = true
			mu.Unlock()
			log.ErrorContext(ctx, "batch: baseline unavailable, every record returned to the queue",
				"records", len(ev.Records), "error", err.Error())
			return
		}
		log.WarnContext(ctx, "batch: client returned to the queue", "userPoolId", res.UserPoolID,
			"clientId", res.ClientID, "messageId", msg.MessageId, "records", len(g.ids), "error", err.Error())
	}
	// The first client runs alone: it loads the baseline (once per
	// container), so a baseline that cannot be loaded fails the batch
	// after one SSM read. Then up to Parallel clients run at once.
	slots := make(chan struct{}, h.parallel())
	var wg sync.WaitGroup
	for gi, g := range groups {
		if gi == 1 {
			wg.Wait()
		}
		slots <- struct{}{}
		switch {
		case isDown():
			state[gi] = failedState
		case h.late(ctx, margin):
			// Not started: back to the queue, untouched.
			state[gi] = deferredState
		default:
			if at, ok := h.covered(g); ok {
				state[gi] = coveredState
				log.DebugContext(ctx, "batch: events already answered by an earlier reconcile", "userPoolId", g.key[0],
					"clientId", g.key[1], "records", len(g.ids), "reconciledAt", at.Format(time.RFC3339Nano))
				break
			}
			wg.Go(func() {
				defer func() { <-slots }()
				run(gi)
			})
			continue
		}
		<-slots
	}
	wg.Wait()

	// An empty list, not null, when every record succeeded: Lambda takes
	// either as success, and [] reads as "nothing failed" to a person.
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	stats := struct{ records, clients, covered, failed, deferred int }{records: len(ev.Records), clients: len(groups)}
	for gi, g := range groups {
		switch state[gi] {
		case coveredState:
			stats.covered += len(g.ids)
			continue
		case failedState:
			stats.failed += len(g.ids)
		case deferredState:
			stats.deferred += len(g.ids)
		default:
			continue
		}
		for _, i := range g.ids {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	if stats.deferred > 0 {
		log.WarnContext(ctx, "batch: deadline near, records returned to the queue",
			"records", stats.deferred, "margin", margin.String())
	}
	log.InfoContext(ctx, "batch done", "records", stats.records, "clients", stats.clients,
		"coveredRecords", stats.covered, "failedRecords", stats.failed, "deferredRecords", stats.deferred)
	return resp, nil
}

// groupState is what became of a group in Handle.
type groupState int

const (
	doneState     groupState = iota // reconciled (or skipped) without error
	coveredState                    // answered by an earlier reconcile
	failedState                     // failed, or not started after a baseline failure: kept
	deferredState                   // not started, the deadline was near: kept
)

// group keeps the batch order of first appearance, so the oldest client is
// handled first.
func (h *Handler) group(recs []events.SQSMessage) []group {
	var groups []group
	byClient := map[[2]string]int{}
	ownRep := map[int]bool{}
	for i, rec := range recs {
		req, err := trigger.Parse([]byte(rec.Body))
		if err != nil {
			// Skipped and malformed records stand alone: the single handler
			// records the skip, or fails the malformed record so it is kept.
			groups = append(groups, group{rep: i, ids: []int{i}})
			continue
		}
		key := [2]string{req.UserPoolID, req.ClientID}
		own := h.Own != nil && h.Own(req)
		at := eventTime(req)
		gi, ok := byClient[key]
		if !ok {
			byClient[key] = len(groups)
			ownRep[len(groups)] = own
			groups = append(groups, group{rep: i, ids: []int{i}, key: key, newest: at})
			continue
		}
		groups[gi].ids = append(groups[gi].ids, i)
		if at.IsZero() || groups[gi].newest.IsZero() {
			groups[gi].newest = time.Time{}
		} else if at.After(groups[gi].newest) {
			groups[gi].newest = at
		}
		if ownRep[gi] && !own {
			// Someone else changed the client too: their event may write.
			groups[gi].rep = i
			ownRep[gi] = false
		}
	}
	return groups
}

// eventTime is the CloudTrail eventTime of a request; zero for a manual
// one or one whose time does not parse.
func eventTime(req trigger.Request) time.Time {
	if req.Source != trigger.SourceCloudTrail || req.EventTime == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, req.EventTime)
	if err != nil {
		return time.Time{}
	}
	return t
}

// covered reports whether every record of g was recorded before a reconcile
// of its client that this container started and finished.
func (h *Handler) covered(g group) (time.Time, bool) {
	if g.key == [2]string{} || g.newest.IsZero() {
		return time.Time{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	at, ok := h.last[g.key]
	return at, ok && !at.Before(g.newest.Add(CoveredAfter))
}

func (h *Handler) remember(g group, started time.Time) {
	if g.key == [2]string{} {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil || len(h.last) >= maxRemembered {
		h.last = make(map[[2]string]time.Time)
	}
	if started.After(h.last[g.key]) {
		h.last[g.key] = started
	}
}

func (h *Handler) late(ctx context.Context, margin time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && dl.Sub(h.now()) < margin
}

func (h *Handler) parallel() int {
	if h.Parallel > 0 {
		return h.Parallel
	}
	return DefaultParallel
}

// margin is Margin, or the default for a batch that began at begun.
func (h *Handler) margin(ctx context.Context, begun time.Time) time.Duration {
	if h.Margin > 0 {
		return h.Margin
	}
	if dl, ok := ctx.Deadline(); ok {
		return min(DefaultMargin, dl.Sub(begun)/3)
	}
	return DefaultMargin
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// IsSQSEvent reports whether a raw invocation payload is an SQS batch from
// an event source mapping: {"Records": [{"eventSource": "aws:sqs", ...}]}.
// Anything else (an EventBridge event, a manual payload, an on-failure
// record) goes to the single handler, which stays strict about its input.
func IsSQSEvent(raw []byte) bool {
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if json.Unmarshal(raw, &probe) != nil || len(probe.Records) == 0 {
		return false
	}
	for _, r := range probe.Records {
		if r.EventSource != "aws:sqs" {
			return false
		}
	}
	return true
}

// Invoker is a raw-payload Lambda handler; *remediate.Handler has it.
type Invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Router is the remediate function's lambda.Handler: SQS batches go to
// Batch, everything else (an EventBridge event delivered directly, the
// manual payload, an on-failure record being redriven) to Single, so
// `sam local invoke -e events/...` and console tests keep working.
type Router struct {
	Single Invoker
	Batch  *Handler
}

// Invoke implements lambda.Handler.
func (r Router) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if !IsSQSEvent(payload) {
		return r.Single.Invoke(ctx, payload)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		// IsSQSEvent decoded it already; a failure here is a shape error
		// (e.g. a non-string body). Fail the invocation: the batch is kept.
		return nil, &remediate.InputError{Err: err}
	}
	resp, err := r.Batch.Handle(ctx, ev)
	if err != nil {
		return nil, err
	}
	return json.Marshal(resp)
}
