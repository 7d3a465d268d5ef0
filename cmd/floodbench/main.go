// Command floodbench measures the remediate function's SQS path under a
// burst of app-client events, against the emulator with Cognito's quotas on
// and a bystander tool calling DescribeUserPoolClient twice a second on the
// same account.
//
// It models Lambda's SQS poller: events land in a simulated queue as
// EventBridge would deliver them; up to -concurrency pollers (the event
// source mapping's MaximumConcurrency) each own one warm container (its own
// SDK clients, baseline cache and pacer, built like functions/remediate's
// main) and hand it a batch of up to -batch records once the batch is full
// or -window has passed since its first record. Records the function
// reports in batchItemFailures become visible again after -visibility and
// go to a dead-letter count after -max-receive receives.
//
//	go run ./cmd/floodbench                               # both scenarios of issue 12
//	go run ./cmd/floodbench -events 1000 -clients 50      # one scenario
//
// Per run it prints DescribeUserPoolClient calls per distinct client, the
// requests the quota refused (ours and the bystander's), events lost or
// dead-lettered, the account-wide read rate reached against the configured
// share, and the drain time against the arithmetic minimum.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognito-guard/cognito-guard/internal/batch"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/remediate"
	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

type config struct {
	events, clients, pools  int
	batchSize, concurrency  int
	window, visibility      time.Duration
	maxReceive              int
	share, poolShare        float64
	bystander               float64
	latency, arrival        time.Duration
	driftEvery              int
	baselineDoc, sampleBody []byte
	// order is how the burst's events follow each other: "pool" (every
	// event of one pool, then the next: a Terraform apply over one pool's
	// clients) or "mixed" (pools in turn).
	order string
}

func main() {
	var c config
	var clients string
	flag.IntVar(&c.events, "events", 1000, "events in the burst")
	flag.StringVar(&clients, "clients", "1000,50", "comma-separated distinct-client counts, one run each")
	flag.IntVar(&c.pools, "pools", 10, "pools the clients are spread over")
	flag.IntVar(&c.batchSize, "batch", 10, "event source mapping BatchSize")
	flag.DurationVar(&c.window, "window", time.Second, "MaximumBatchingWindowInSeconds")
	flag.IntVar(&c.concurrency, "concurrency", remediate.DefaultMaxConcurrency, "ScalingConfig.MaximumConcurrency (warm containers)")
	flag.DurationVar(&c.visibility, "visibility", 3*time.Second, "visibility timeout before a failed record is received again (scaled down from the template's 180 s)")
	flag.IntVar(&c.maxReceive, "max-receive", 5, "redrive policy maxReceiveCount")
	flag.Float64Var(&c.share, "rate", remediate.DefaultRate, "REMEDIATE_RATE: share of the 15 RPS read and update budgets, across all containers")
	flag.Float64Var(&c.poolShare, "pool-rate", remediate.DefaultPoolRate, "REMEDIATE_POOL_RATE: share of each pool's 5 RPS per operation, across all containers")
	flag.Float64Var(&c.bystander, "bystander", 2, "another tool's DescribeUserPoolClient rate (unpaced, not retried)")
	flag.DurationVar(&c.latency, "latency", 20*time.Millisecond, "emulator latency per call")
	flag.DurationVar(&c.arrival, "arrival", time.Second, "the burst arrives spread over this long")
	flag.IntVar(&c.driftEvery, "drift-every", 2, "every n-th client is drifted (written once)")
	flag.StringVar(&c.order, "order", "mixed", "order of the burst: mixed (pools in turn) or pool (one pool's events, then the next)")
	baselinePath := flag.String("baseline", "events/baseline.json", "baseline document")
	flag.Parse()
	var err error
	if c.baselineDoc, err = os.ReadFile(*baselinePath); err != nil {
		fatal(err)
	}
	if c.sampleBody, err = os.ReadFile("events/update-user-pool-client.json"); err != nil {
		fatal(err)
	}
	if c.order != "mixed" && c.order != "pool" {
		fatal(fmt.Errorf("-order %q: want mixed or pool", c.order))
	}
	fmt.Printf("batch %d, window %s, max concurrency %d, share %g/s (per container %.2f/s), pool share %g/s, latency %s, bystander %g/s, order %s\n\n",
		c.batchSize, c.window, c.concurrency, c.share, c.share/float64(c.concurrency), c.poolShare, c.latency, c.bystander, c.order)
	fmt.Println("| events | distinct clients | written | Describe per client | Describe per written client | our refused | bystander refused | lost | dead-lettered | read rate reached / share | drain | arithmetic minimum | one pool at a time |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, f := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-clients %q: want positive whole numbers", clients))
		}
		c.clients = n
		r, err := run(c)
		if err != nil {
			fatal(err)
		}
		fmt.Println(r)
	}
}

type result struct {
	events, clients, written      int
	describePerClient, perWritten float64
	ourRefused, bystanderRefused  int
	lost, deadLettered            int
	readRate, share               float64
	drain, minimum, onePool       time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("| %d | %d | %d | %.2f | %.2f | %d | %d | %d | %d | %.2f / %g (%.0f %%) | %s | %s | %s |",
		r.events, r.clients, r.written, r.describePerClient, r.perWritten, r.ourRefused, r.bystanderRefused,
		r.lost, r.deadLettered, r.readRate, r.share, 100*r.readRate/r.share, r.drain.Round(100*time.Millisecond),
		r.minimum.Round(100*time.Millisecond), r.onePool.Round(100*time.Millisecond))
}

// message is one queued record.
type message struct {
	id        string
	body      string
	visibleAt time.Time
	receives  int
}

// queue is a standard SQS queue as far as the poller sees it.
type queue struct {
	mu       sync.Mutex
	ready    []*message
	inFlight int
	done     int // deleted (succeeded)
	dead     int
	total    int
}

func (q *queue) put(m *message) {
	q.mu.Lock()
	q.ready = append(q.ready, m)
	q.mu.Unlock()
}

// receive takes up to n visible messages.
func (q *queue) receive(n int, now time.Time) []*message {
	q.mu.Lock()
	defer q.mu.Unlock()
	var got []*message
	rest := q.ready[:0]
	for _, m := range q.ready {
		if len(got) < n && !m.visibleAt.After(now) {
			m.receives++
			got = append(got, m)
			continue
		}
		rest = append(rest, m)
	}
	q.ready = rest
	q.inFlight += len(got)
	return got
}

// settle deletes the succeeded messages and makes the failed ones visible
// again (or dead-letters them after maxReceive receives).
func (q *queue) settle(batch []*message, failed map[string]bool, visibility time.Duration, maxReceive int, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inFlight -= len(batch)
	for _, m := range batch {
		switch {
		case !failed[m.id]:
			q.done++
		case m.receives >= maxReceive:
			q.dead++
		default:
			m.visibleAt = now.Add(visibility)
			q.ready = append(q.ready, m)
		}
	}
}

func (q *queue) finished() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.done+q.dead == q.total
}

func run(c config) (result, error) {
	res := result{events: c.events, clients: c.clients, share: c.share}
	perPool := max(1, c.clients/c.pools)
	pools := min(c.pools, c.clients)
	w, err := auditworld.New(emulator.Options{}, c.baselineDoc, pools, perPool, c.driftEvery)
	if err != nil {
		return res, err
	}
	// The bystander reads a client no event names.
	bystanderRef := reconcile.Ref{UserPoolID: auditworld.PoolID(0), ClientID: "bystander0client"}
	if _, err := w.Emu.PutClient(bystanderRef.UserPoolID, auditworld.Compliant(bystanderRef.UserPoolID, bystanderRef.ClientID, "bystander")); err != nil {
		return res, err
	}
	srv := httptest.NewServer(w)
	defer srv.Close()
	w.Emu.SetLatency(c.latency)
	w.Emu.SetQuotas(true)
	w.Emu.ResetCalls()
	for _, ref := range w.All {
		if w.Drifted[ref] {
			res.written++
		}
	}

	// The events name the clients in burst order.
	// w.All is pool-major (perPool clients of pool 0, then pool 1, ...).
	refs := w.All
	if c.order == "mixed" {
		refs = make([]reconcile.Ref, 0, len(w.All))
		for k := range perPool {
			for p := range pools {
				refs = append(refs, w.All[p*perPool+k])
			}
		}
	}
	q := &queue{total: c.events}
	start := time.Now()
	// EventBridge puts the burst into the queue over c.arrival.
	go func() {
		for i := range c.events {
			ref := refs[i%len(refs)]
			at := start.Add(time.Duration(float64(c.arrival) * float64(i) / float64(c.events)))
			time.Sleep(time.Until(at))
			// CloudTrail records the call when it happens, to the second.
			body := strings.NewReplacer("us-east-1_EXAMPLE01", ref.UserPoolID, "6example0client0id0drift01", ref.ClientID,
				"2026-11-26T07:02:11Z", time.Now().UTC().Format(time.RFC3339)).Replace(string(c.sampleBody))
			q.put(&message{id: fmt.Sprintf("msg-%05d", i), body: body})
		}
	}()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bystanderCalls int
	wg.Go(func() {
		other := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
		t := time.NewTicker(time.Duration(float64(time.Second) / c.bystander))
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				bystanderCalls++
				_, _ = other.DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{
					UserPoolId: aws.String(bystanderRef.UserPoolID), ClientId: aws.String(bystanderRef.ClientID)})
			}
		}
	})

	var pollers sync.WaitGroup
	for range c.concurrency {
		h, err := container(srv.URL, c)
		if err != nil {
			return res, err
		}
		pollers.Go(func() { poll(q, h, c) })
	}
	pollers.Wait()
	res.drain = time.Since(start)
	close(stop)
	wg.Wait()

	describes := map[reconcile.Ref]int{}
	var reads int
	for _, call := range w.Emu.Calls() {
		ref := reconcile.Ref{UserPoolID: call.UserPoolID, ClientID: call.ClientID}
		refused := call.Error == "TooManyRequestsException"
		if ref == bystanderRef {
			if refused {
				res.bystanderRefused++
			}
			continue
		}
		if refused {
			res.ourRefused++
		}
		if call.Op == "DescribeUserPoolClient" {
			reads++
			if !refused {
				describes[ref]++
			}
		}
	}
	var onWritten, onWrittenN int
	for ref, n := range describes {
		if w.Drifted[ref] {
			onWritten += n
			onWrittenN++
		}
	}
	total := 0
	for _, n := range describes {
		total += n
	}
	res.describePerClient = float64(total) / float64(c.clients)
	if onWrittenN > 0 {
		res.perWritten = float64(onWritten) / float64(onWrittenN)
	}
	res.deadLettered = q.dead
	res.lost = c.events - q.done - q.dead
	res.readRate = float64(reads) / res.drain.Seconds()
	// The floor, for any order: every describe made at the account share,
	// and each pool's at the pool share. A burst that comes one pool after
	// the other is bound harder by the design (batches in arrival order
	// hold one pool's events, so one pool is worked at a time): its floor
	// is every describe at the pool share (onePool).
	perPoolDescribes := map[string]int{}
	for ref, n := range describes {
		perPoolDescribes[ref.UserPoolID] += n
	}
	floor := float64(total) / c.share
	for _, n := range perPoolDescribes {
		floor = max(floor, float64(n)/c.poolShare)
	}
	res.minimum = time.Duration(floor * float64(time.Second))
	res.onePool = time.Duration(float64(total) / c.poolShare * float64(time.Second))
	_ = bystanderCalls
	return res, nil
}

// poll is one concurrent invocation slot of the event source mapping.
func poll(q *queue, h *batch.Handler, c config) {
	for !q.finished() {
		var msgs []*message
		first := time.Time{}
		for {
			msgs = append(msgs, q.receive(c.batchSize-len(msgs), time.Now())...)
			if len(msgs) > 0 && first.IsZero() {
				first = time.Now()
			}
			if len(msgs) == c.batchSize || (!first.IsZero() && time.Since(first) >= c.window) || q.finished() {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(msgs) == 0 {
			continue
		}
		ev := events.SQSEvent{}
		for _, m := range msgs {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: m.id, Body: m.body, EventSource: "aws:sqs"})
		}
		// The function's timeout in the template.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		resp, _ := h.Handle(ctx, ev)
		cancel()
		failed := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		q.settle(msgs, failed, c.visibility, c.maxReceive, time.Now())
	}
}

// container builds one warm remediate container the way functions/remediate
// does (remediate.New, pacing from remediate.Share), pointed at the emulator.
func container(url string, c config) (*batch.Handler, error) {
	limits, err := remediate.Share(c.share, c.poolShare, float64(c.concurrency))
	if err != nil {
		return nil, err
	}
	awsCfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{},
		Retryer: appclient.Retryer(5)}
	log := slog.New(slog.DiscardHandler)
	cfg := remediate.Config{Common: settings.Common{BaselineParameter: auditworld.BaselineParameter, BaselineTTL: 5 * time.Minute}, Limits: limits}
	single, err := remediate.New(cfg, awsCfg, io.Discard, log)
	if err != nil {
		return nil, err
	}
	return &batch.Handler{Single: single, Own: single.Own, Log: log}, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "floodbench:", err)
	os.Exit(1)
}
