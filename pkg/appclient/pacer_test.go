package appclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go/middleware"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// virtualClock is time that moves only when the pacer sleeps: Sleep
// advances it by d at once. Under concurrency two sleepers may both
// advance it, so it can run ahead of what one caller needed, never behind:
// the spacing the pacer enforces in this time is exact.
type virtualClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps int
}

var epoch = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

func newVirtualClock() *virtualClock { return &virtualClock{now: epoch} }

func (c *virtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps++
	return ctx.Err()
}

// sendLog records the token time of every attempt, in virtual time since
// epoch.
type sendLog struct {
	mu    sync.Mutex
	sends []send
}

type send struct {
	Op, Pool string
	At       time.Duration
}

func (l *sendLog) record(op, pool string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sends = append(l.sends, send{op, pool, at.Sub(epoch)})
}

// cognitoStub answers DescribeUserPoolClient over HTTP (AWS JSON 1.1), so
// the pacer runs inside the real SDK client. throttle says how many of the
// first requests answer TooManyRequestsException.
type cognitoStub struct {
	mu       sync.Mutex
	arrivals []string // pools, in arrival order
	throttle int
}

func (s *cognitoStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in struct{ UserPoolId string }
	_ = json.Unmarshal(body, &in)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService.")
	s.mu.Lock()
	s.arrivals = append(s.arrivals, op+" "+in.UserPoolId)
	throttle := s.throttle > 0
	s.throttle--
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if throttle {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"TooManyRequestsException","message":"Too many requests"}`)
		return
	}
	_, _ = io.WriteString(w, `{"UserPoolClient":{"UserPoolId":"`+in.UserPoolId+`","ClientId":"c","ClientName":"n"}}`)
}

// pacedStub returns a pacer on a virtual clock, installed in a real SDK
// client that talks to s, and the log of its sends.
func pacedStub(t *testing.T, s *cognitoStub, l Limits) (*cip.Client, *Pacer, *sendLog) {
	t.Helper()
	p, err := NewPacer(l, newVirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	log := &sendLog{}
	p.sent = log.record
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		// No backoff, so the pacer (not the retryer) does the waiting; no
		// client-side retry quota either.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		}),
		APIOptions: []func(*middleware.Stack) error{p.AddTo},
	})
	return c, p, log
}

func describe(ctx context.Context, c *cip.Client, pool string) error {
	_, err := c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String("c")})
	return err
}

const ms = time.Millisecond

// TestPacerSchedule: one caller, in virtual time. Each attempt is sent at
// the first instant both its pool bucket (5/s: 200 ms) and the account
// share (8/s: 125 ms) allow.
func TestPacerSchedule(t *testing.T) {
	stub := &cognitoStub{}
	c, _, log := pacedStub(t, stub, Limits{Read: 8, Update: 5, Pool: 5, ListPools: 1})
	for _, pool := range []string{"us-east-1_A", "us-east-1_A", "us-east-1_B", "us-east-1_A", "us-east-1_B"} {
		if err := describe(context.Background(), c, pool); err != nil {
			t.Fatal(err)
		}
	}
	const op = "DescribeUserPoolClient"
	want := []send{
		{op, "us-east-1_A", 0},
		{op, "us-east-1_A", 200 * ms}, // pool A's bucket
		{op, "us-east-1_B", 325 * ms}, // the account share
		{op, "us-east-1_A", 450 * ms}, // the account share (A allows 400)
		{op, "us-east-1_B", 575 * ms}, // the account share (B allows 525)
	}
	if diff := diff.Diff(want, log.sends); diff != "" {
		t.Errorf("sends (-want +got):\n%s", diff)
	}
	if len(stub.arrivals) != len(want) {
		t.Errorf("%d requests reached Cognito, want %d", len(stub.arrivals), len(want))
	}
}

// TestPacerSpacing: concurrent callers. In the pacer's time, attempts on
// one pool are at least 1/Pool apart and all reads at least 1/Read apart,
// exactly (no tolerance: the clock is virtual).
func TestPacerSpacing(t *testing.T) {
	stub := &cognitoStub{}
	c, p, log := pacedStub(t, stub, Limits{Read: 8, Update: 5, Pool: 5, ListPools: 1})
	var wg sync.WaitGroup
	for _, pool := range []string{"us-east-1_A", "us-east-1_A", "us-east-1_B", "us-east-1_C"} {
		wg.Go(func() {
			for range 3 {
				if err := describe(context.Background(), c, pool); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	last := map[string]time.Duration{}
	prev := time.Duration(-1)
	for _, s := range log.sends {
		if l, ok := last[s.Pool]; ok && s.At-l < 200*ms {
			t.Errorf("%s: attempts %v apart, want at least 200ms", s.Pool, s.At-l)
		}
		if prev >= 0 && s.At-prev < 125*ms {
			t.Errorf("read attempts %v apart, want at least 125ms", s.At-prev)
		}
		last[s.Pool], prev = s.At, s.At
	}
	want := Usage{Calls: map[string]int64{"DescribeUserPoolClient": 12}, Throttles: map[string]int64{}}
	if diff := diff.Diff(want, p.Usage()); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	if len(log.sends) != 12 || len(stub.arrivals) != 12 {
		t.Errorf("%d sends, %d arrivals, want 12", len(log.sends), len(stub.arrivals))
	}
}

// TestPacerThrottle: every attempt of a retried call is paced and counted,
// and a throttle halves the rate of the account share and of the pool
// (once a second at most), so the retries go out at 2.5/s.
func TestPacerThrottle(t *testing.T) {
	stub := &cognitoStub{throttle: 2}
	c, p, log := pacedStub(t, stub, DefaultLimits)
	before := p.Usage()
	if err := describe(context.Background(), c, "us-east-1_A"); err != nil {
		t.Fatal(err)
	}
	want := Usage{Calls: map[string]int64{"DescribeUserPoolClient": 3}, Throttles: map[string]int64{"DescribeUserPoolClient": 2}}
	if diff := diff.Diff(want, p.Usage().Since(before)); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	const op = "DescribeUserPoolClient"
	wantSends := []send{{op, "us-east-1_A", 0}, {op, "us-east-1_A", 400 * ms}, {op, "us-east-1_A", 800 * ms}}
	if diff := diff.Diff(wantSends, log.sends); diff != "" {
		t.Errorf("sends (-want +got):\n%s", diff)
	}
	// One halving (at most one per second), then one success's worth back.
	wantRate := 5.0/2 + 5.0/50
	for name, a := range map[string]*adaptive{"account share": p.shared["read"], "pool": p.perPool[poolOp{"us-east-1_A", "DescribeUserPoolClient"}]} {
		if a == nil {
			t.Fatalf("%s: no limiter", name)
		}
		if got := float64(a.lim.Limit()); got < wantRate-1e-9 || got > wantRate+1e-9 {
			t.Errorf("%s rate = %v, want %v", name, got, wantRate)
		}
	}
}

// TestPacerCancel: a paced wait ends with the context.
func TestPacerCancel(t *testing.T) {
	p, err := NewPacer(DefaultLimits, newVirtualClock())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.wait(context.Background(), "DescribeUserPoolClient", "us-east-1_A"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx, "DescribeUserPoolClient", "us-east-1_A"); err != context.Canceled {
		t.Errorf("wait after cancel = %v, want context.Canceled", err)
	}
}

func TestLimitsValidate(t *testing.T) {
	for _, l := range []Limits{
		{Read: 16, Update: 5, Pool: 5, ListPools: 1},
		{Read: 5, Update: 5, Pool: 6, ListPools: 1},
		{Read: 0, Update: 5, Pool: 5, ListPools: 1},
		{Read: 5, Update: -1, Pool: 5, ListPools: 1},
	} {
		if _, err := NewPacer(l, nil); err == nil {
			t.Errorf("NewPacer(%+v): no error", l)
		}
	}
}

// parkedClock never lets a paced wait end by itself: Sleep returns only
// when its context ends, and tells sleeping when it starts.
type parkedClock struct{ sleeping chan struct{} }

func (parkedClock) Now() time.Time { return epoch }

func (c parkedClock) Sleep(ctx context.Context, _ time.Duration) error {
	c.sleeping <- struct{}{}
	<-ctx.Done()
	return ctx.Err()
}

// heldStub answers like cognitoStub, but only once release is closed, and
// says on arrived when a request has come in.
type heldStub struct {
	cognitoStub
	arrived chan struct{}
	release chan struct{}
}

func (s *heldStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.arrived <- struct{}{}
	<-s.release
	s.cognitoStub.ServeHTTP(w, r)
}

// TestPacerSendBy: when the sendBy context ends, an attempt still waiting
// for its slot fails with it, while an attempt already sent completes: a
// sweep stopping at its deadline keeps the answers Cognito already gave.
func TestPacerSendBy(t *testing.T) {
	clock := parkedClock{sleeping: make(chan struct{}, 1)}
	p, err := NewPacer(Limits{Read: 1, Update: 1, Pool: 1, ListPools: 1}, clock)
	if err != nil {
		t.Fatal(err)
	}
	stub := &heldStub{arrived: make(chan struct{}, 1), release: make(chan struct{})}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	c := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
		RetryMaxAttempts: 1, APIOptions: []func(*middleware.Stack) error{p.AddTo}})
	sendBy, cut := context.WithCancel(context.Background())
	ctx := WithSendBy(context.Background(), sendBy)

	sent := make(chan error, 1)
	go func() { sent <- describe(ctx, c, "us-east-1_A") }() // takes the one token, is sent
	<-stub.arrived
	queued := make(chan error, 1)
	go func() { queued <- describe(ctx, c, "us-east-1_B") }() // no token left: waits
	<-clock.sleeping
	cut()
	if err := <-queued; !errors.Is(err, context.Canceled) {
		t.Errorf("the queued attempt after sendBy ended: %v, want context.Canceled", err)
	}
	close(stub.release)
	if err := <-sent; err != nil {
		t.Errorf("the attempt already sent: %v, want its answer", err)
	}
	if err := describe(ctx, c, "us-east-1_C"); !errors.Is(err, context.Canceled) {
		t.Errorf("an attempt started after sendBy ended: %v, want context.Canceled", err)
	}
	if len(stub.arrivals) != 1 {
		t.Errorf("%d requests reached Cognito, want 1", len(stub.arrivals))
	}
}
