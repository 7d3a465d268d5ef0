package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/remediate"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/trigger"
)

// fake is a strict Single: it answers only the clients the test scripted and
// records every body it was handed.
type fake struct {
	mu      sync.Mutex
	t       *testing.T
	results map[string]error // "pool/client" -> error to return
	calls   []string         // "pool/client" or "raw" per call, in order
	bodies  []string
}

func (f *fake) Handle(_ context.Context, raw []byte) (remediate.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies = append(f.bodies, string(raw))
	req, err := trigger.Parse(raw)
	var skip *trigger.SkipError
	switch {
	case errors.As(err, &skip):
		f.calls = append(f.calls, "skip")
		return remediate.Result{Outcome: reconcile.Outcome{Status: reconcile.Skipped}}, nil
	case err != nil:
		f.calls = append(f.calls, "malformed")
		return remediate.Result{}, &remediate.InputError{Err: err}
	}
	key := req.UserPoolID + "/" + req.ClientID
	f.calls = append(f.calls, key)
	want, ok := f.results[key]
	if !ok {
		f.t.Fatalf("unexpected reconcile of %s", key)
	}
	return remediate.Result{Outcome: reconcile.Outcome{UserPoolID: req.UserPoolID, ClientID: req.ClientID}}, want
}

func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func manual(pool, client string) string {
	return fmt.Sprintf(`{"userPoolId":%q,"clientId":%q}`, pool, client)
}

// ownUpdate rewrites the session issuer of a CloudTrail sample so it reads
// as the function's own call.
func ownUpdate(t *testing.T) string {
	return strings.Replace(sample(t, "update-user-pool-client.json"),
		"AWSReservedSSO_AdministratorAccess_5f1c2a9e8d7b6c4a/jane.doe@example.com",
		"cognito-guard-RemediateFunctionRole-1A2B3C/cognito-guard-remediate", 1)
}

func sqs(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: b, EventSource: "aws:sqs"})
	}
	return ev
}

func failures(r events.SQSEventResponse) []string {
	var ids []string
	for _, f := range r.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

const (
	pool  = "us-east-1_EXAMPLE01"
	drift = "6example0client0id0drift01"
	other = "6example0client0id0clean01"
)

func TestHandle(t *testing.T) {
	retry := &reconcile.RetryableError{Err: errors.New("throttled")}
	isOwn := func(r trigger.Request) bool { return strings.HasSuffix(r.Actor, "/cognito-guard-remediate") }
	tests := []struct {
		name      string
		bodies    func(t *testing.T) []string
		results   map[string]error
		wantCalls []string
		wantFail  []string
		// wantRep, when set, ends the actor of the reconciled event.
		wantRep string
	}{
		{
			name: "five events for one client: one reconcile",
			bodies: func(t *testing.T) []string {
				u := sample(t, "update-user-pool-client.json")
				return []string{u, sample(t, "create-user-pool-client.json"), u, manual(pool, drift), sample(t, "add-user-pool-client-secret.json")}
			},
			results:   map[string]error{pool + "/" + drift: nil},
			wantCalls: []string{pool + "/" + drift},
		},
		{
			name: "a retryable failure returns only that client's records",
			bodies: func(t *testing.T) []string {
				return []string{manual(pool, drift), manual(pool, other), manual(pool, drift)}
			},
			results:   map[string]error{pool + "/" + drift: retry, pool + "/" + other: nil},
			wantCalls: []string{pool + "/" + drift, pool + "/" + other},
			wantFail:  []string{"m0", "m2"},
		},
		{
			name: "our own echo and an administrator's change: the administrator's is reconciled",
			bodies: func(t *testing.T) []string {
				return []string{ownUpdate(t), sample(t, "update-user-pool-client.json")}
			},
			results:   map[string]error{pool + "/" + drift: nil},
			wantCalls: []string{pool + "/" + drift},
			wantRep:   "/jane.doe@example.com",
		},
		{
			name: "only our own echo: it is the representative",
			bodies: func(t *testing.T) []string {
				return []string{ownUpdate(t), ownUpdate(t)}
			},
			results:   map[string]error{pool + "/" + drift: nil},
			wantCalls: []string{pool + "/" + drift},
			wantRep:   "/cognito-guard-remediate",
		},
		{
			name: "malformed and skipped records stand alone; the malformed one is kept",
			bodies: func(t *testing.T) []string {
				return []string{"not json", sample(t, "other-service.json"), manual(pool, drift), `{"clientId":"x"}`}
			},
			results:   map[string]error{pool + "/" + drift: nil},
			wantCalls: []string{"malformed", "skip", pool + "/" + drift, "malformed"},
			wantFail:  []string{"m0", "m3"},
		},
		{
			name: "a baseline error fails the whole batch without another read",
			bodies: func(t *testing.T) []string {
				return []string{manual(pool, drift), manual(pool, other), manual(pool, drift)}
			},
			results:   map[string]error{pool + "/" + drift: &remediate.BaselineError{Err: errors.New("parameter not found")}},
			wantCalls: []string{pool + "/" + drift},
			wantFail:  []string{"m0", "m2", "m1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{t: t, results: tt.results}
			// One at a time, so that the order of reconciles is the batch's.
			h := &Handler{Single: f, Own: isOwn, Parallel: 1, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			resp, err := h.Handle(context.Background(), sqs(tt.bodies(t)...))
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if diff := diff.Diff(tt.wantCalls, f.calls); diff != "" {
				t.Errorf("reconciles (-want +got):\n%s", diff)
			}
			if diff := diff.Diff(tt.wantFail, failures(resp)); diff != "" {
				t.Errorf("batch item failures (-want +got):\n%s", diff)
			}
			if tt.wantRep != "" {
				if len(f.bodies) == 0 {
					t.Fatal("nothing reconciled")
				}
				req, err := trigger.Parse([]byte(f.bodies[0]))
				if err != nil || !strings.HasSuffix(req.Actor, tt.wantRep) {
					t.Errorf("reconciled the event of %q (%v), want the one of …%s", req.Actor, err, tt.wantRep)
				}
			}
		})
	}
}

func TestHandleNearDeadlineReturnsTheRest(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(10*time.Second))
	defer cancel()
	f := &fake{t: t, results: map[string]error{pool + "/" + drift: nil}}
	clock := now
	h := &Handler{Single: f, Margin: 5 * time.Second, Now: func() time.Time { return clock },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// The first client is handled; then time moves past the margin.
	f2 := &stepping{fake: f, after: func() { clock = now.Add(6 * time.Second) }}
	h.Single = f2
	resp, err := h.Handle(ctx, sqs(manual(pool, drift), manual(pool, other), manual(pool, other)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff([]string{pool + "/" + drift}, f.calls); diff != "" {
		t.Errorf("reconciles (-want +got):\n%s", diff)
	}
	if diff := diff.Diff([]string{"m1", "m2"}, failures(resp)); diff != "" {
		t.Errorf("batch item failures (-want +got):\n%s", diff)
	}
}

// TestHandleShortTimeout: without a Margin, a function with a 3 s timeout (SAM's default)
// reconciles its batch instead of returning every record to the queue (a 5 s margin would), and
// still stops starting new ones in the last third of its time.
func TestHandleShortTimeout(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(3*time.Second))
	defer cancel()
	f := &fake{t: t, results: map[string]error{pool + "/" + drift: nil, pool + "/" + other: nil}}
	clock := now
	h := &Handler{Single: f, Now: func() time.Time { return clock }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	// The first client takes 2.1 s: less than the 1 s margin is left for the second.
	h.Single = &stepping{fake: f, after: func() { clock = now.Add(2100 * time.Millisecond) }}
	resp, err := h.Handle(ctx, sqs(manual(pool, drift), manual(pool, other)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff([]string{pool + "/" + drift}, f.calls); diff != "" {
		t.Errorf("reconciles (-want +got):\n%s", diff)
	}
	if diff := diff.Diff([]string{"m1"}, failures(resp)); diff != "" {
		t.Errorf("batch item failures (-want +got):\n%s", diff)
	}
}

type stepping struct {
	*fake
	after func()
}

func (s *stepping) Handle(ctx context.Context, raw []byte) (remediate.Result, error) {
	defer s.after()
	return s.fake.Handle(ctx, raw)
}

func TestIsSQSEvent(t *testing.T) {
	tests := map[string]bool{
		`{"Records":[{"eventSource":"aws:sqs","body":"{}"}]}`:               true,
		`{"Records":[{"eventSource":"aws:sqs"},{"eventSource":"aws:sqs"}]}`: true,
		`{"Records":[]}`: false,
		`{"Records":[{"eventSource":"aws:sns"}]}`:                          false,
		`{"Records":[{"eventSource":"aws:sqs"},{"eventSource":"aws:s3"}]}`: false,
		`{"userPoolId":"us-east-1_EXAMPLE01","clientId":"abc"}`:            false,
		`not json`: false,
		`null`:     false,
	}
	for in, want := range tests {
		if got := IsSQSEvent([]byte(in)); got != want {
			t.Errorf("IsSQSEvent(%s) = %v, want %v", in, got, want)
		}
	}
}

type rawSingle struct{ got []byte }

func (r *rawSingle) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	r.got = payload
	return []byte(`{"outcome":"compliant"}`), nil
}

func TestRouter(t *testing.T) {
	single := &rawSingle{}
	f := &fake{t: t, results: map[string]error{pool + "/" + drift: &reconcile.RetryableError{Err: errors.New("5xx")}}}
	r := Router{Single: single, Batch: &Handler{Single: f, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}

	direct := []byte(manual(pool, drift))
	if _, err := r.Invoke(context.Background(), direct); err != nil {
		t.Fatal(err)
	}
	if string(single.got) != string(direct) || len(f.calls) != 0 {
		t.Fatalf("a direct payload went to the batch handler (single got %q, batch calls %v)", single.got, f.calls)
	}

	payload, _ := json.Marshal(sqs(manual(pool, drift)))
	out, err := r.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"batchItemFailures":[{"itemIdentifier":"m0"}]}`; string(out) != want {
		t.Errorf("response %s, want %s", out, want)
	}
}

// at returns the update sample recorded at t.
func updateAt(t *testing.T, at time.Time) string {
	return strings.Replace(sample(t, "update-user-pool-client.json"), `"eventTime": "2026-11-26T07:02:11Z"`,
		fmt.Sprintf(`"eventTime": %q`, at.UTC().Format(time.RFC3339)), 1)
}

func TestHandleAcrossBatches(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	clock := t0
	f := &fake{t: t, results: map[string]error{pool + "/" + drift: nil, pool + "/" + other: &reconcile.RetryableError{Err: errors.New("5xx")}}}
	h := &Handler{Single: f, Now: func() time.Time { return clock }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	handle := func(bodies ...string) []string {
		t.Helper()
		f.calls = nil
		resp, err := h.Handle(context.Background(), sqs(bodies...))
		if err != nil {
			t.Fatal(err)
		}
		return failures(resp)
	}

	// Batch 1 at t0+10s reconciles the client (and fails the other one).
	clock = t0.Add(10 * time.Second)
	if got := handle(updateAt(t, t0), manual(pool, other)); !diff.Equal(got, []string{"m1"}) {
		t.Fatalf("batch 1 failures %v", got)
	}
	clock = t0.Add(20 * time.Second)
	tests := []struct {
		name      string
		body      string
		wantCalls []string
	}{
		{"an event recorded before that reconcile is answered", updateAt(t, t0.Add(8*time.Second)), nil},
		{"an event within CoveredAfter of it is reconciled", updateAt(t, t0.Add(9*time.Second)), []string{pool + "/" + drift}},
		{"a manual payload is always reconciled", manual(pool, drift), []string{pool + "/" + drift}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := handle(tt.body); len(got) != 0 {
				t.Errorf("failures %v", got)
			}
			if diff := diff.Diff(tt.wantCalls, f.calls); diff != "" {
				t.Errorf("reconciles (-want +got):\n%s", diff)
			}
		})
	}
	// The failed client was not remembered: an old event for it still runs.
	otherOld := strings.Replace(updateAt(t, t0), drift, other, -1)
	handle(otherOld)
	if diff := diff.Diff([]string{pool + "/" + other}, f.calls); diff != "" {
		t.Errorf("a client whose reconcile failed was taken as covered (-want +got):\n%s", diff)
	}
}

// TestSampleBatch: events/sqs-batch.json (the sample for `sam local invoke
// -e`) is routed as a batch, and its two records of one client cost one
// reconcile and both succeed.
func TestSampleBatch(t *testing.T) {
	single := &rawSingle{}
	f := &fake{t: t, results: map[string]error{pool + "/" + drift: nil}}
	r := Router{Single: single, Batch: &Handler{Single: f, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	out, err := r.Invoke(context.Background(), []byte(sample(t, "sqs-batch.json")))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"batchItemFailures":[]}`; string(out) != want {
		t.Errorf("response %s, want %s", out, want)
	}
	if single.got != nil || len(f.calls) != 1 || f.calls[0] != pool+"/"+drift {
		t.Errorf("reconciles %v (single handler got %q), want one of %s/%s", f.calls, single.got, pool, drift)
	}
}

// gate is a Single that holds each reconcile until released and counts how
// many run at once.
type gate struct {
	fake    *fake
	mu      sync.Mutex
	changed *sync.Cond
	running int
	peak    int
	release chan struct{}
}

func newGate(f *fake) *gate {
	g := &gate{fake: f, release: make(chan struct{})}
	g.changed = sync.NewCond(&g.mu)
	return g
}

func (g *gate) Handle(ctx context.Context, raw []byte) (remediate.Result, error) {
	g.mu.Lock()
	g.running++
	g.peak = max(g.peak, g.running)
	g.changed.Broadcast()
	g.mu.Unlock()
	<-g.release
	g.mu.Lock()
	g.running--
	g.mu.Unlock()
	return g.fake.Handle(ctx, raw)
}

// await blocks until n reconciles are held at once (false after 10 s: the
// handler does not run that many together).
func (g *gate) await(n int) bool {
	timeout := time.AfterFunc(10*time.Second, func() { g.mu.Lock(); g.changed.Broadcast(); g.mu.Unlock() })
	defer timeout.Stop()
	deadline := time.Now().Add(10 * time.Second)
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.running < n {
		if time.Now().After(deadline) {
			return false
		}
		g.changed.Wait()
	}
	return true
}

// TestHandleParallel: the first client runs alone (it loads the baseline),
// then Parallel clients run at once and no more; the response lists the
// failed records in batch order whatever order they finished in.
func TestHandleParallel(t *testing.T) {
	retry := &reconcile.RetryableError{Err: errors.New("throttled")}
	results := map[string]error{}
	var bodies []string
	for i := range 9 {
		client := fmt.Sprintf("6example0client0id0par%03d", i)
		bodies = append(bodies, manual(pool, client))
		if i%3 == 1 {
			results[pool+"/"+client] = retry
		} else {
			results[pool+"/"+client] = nil
		}
	}
	f := &fake{t: t, results: results}
	g := newGate(f)
	h := &Handler{Single: g, Parallel: 3, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	stuck := make(chan string, 1)
	go func() {
		for k := range bodies {
			// Before release k: the first alone, then three at once while
			// three are left.
			want := min(3, len(bodies)-k)
			if k == 0 {
				want = 1
			}
			if !g.await(want) {
				stuck <- fmt.Sprintf("release %d: %d running, want %d at once", k, g.running, want)
			}
			g.release <- struct{}{}
		}
		close(stuck)
	}()
	resp, err := h.Handle(context.Background(), sqs(bodies...))
	if err != nil {
		t.Fatal(err)
	}
	for msg := range stuck {
		t.Error(msg)
	}
	if len(f.calls) != len(bodies) {
		t.Errorf("%d reconciles, want %d", len(f.calls), len(bodies))
	}
	if g.peak != 3 {
		t.Errorf("%d reconciles ran at once at most, want Parallel (3)", g.peak)
	}
	if diff := diff.Diff([]string{"m1", "m4", "m7"}, failures(resp)); diff != "" {
		t.Errorf("batch item failures (-want +got):\n%s", diff)
	}
}
