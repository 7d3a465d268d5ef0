package audit

import (
	"context"
	"encoding/json"
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
	"github.com/google/go-cmp/cmp"
)

// arrival is one request as the test server saw it.
type arrival struct {
	op, pool string
	at       time.Time
}

// cognitoStub answers the audit's operations over HTTP (AWS JSON 1.1), so
// the pacer runs inside the real SDK client. throttle says how many of the
// first requests answer TooManyRequestsException.
type cognitoStub struct {
	mu       sync.Mutex
	arrivals []arrival
	throttle int
}

func (s *cognitoStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in struct{ UserPoolId string }
	_ = json.Unmarshal(body, &in)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService.")
	s.mu.Lock()
	s.arrivals = append(s.arrivals, arrival{op, in.UserPoolId, time.Now()})
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

func stubClient(t *testing.T, s *cognitoStub, p *Pacer) *cip.Client {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		// No backoff, so the test shows the pacer (not the retryer) doing
		// the waiting; no client-side retry quota either.
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		}),
		APIOptions: []func(*middleware.Stack) error{p.AddTo},
	})
}

func describe(ctx context.Context, c *cip.Client, pool string) error {
	_, err := c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String("c")})
	return err
}

// TestPacerSpacing: attempts on one pool arrive at least 1/Pool apart, and
// all read attempts at least 1/Read apart, even from concurrent callers.
func TestPacerSpacing(t *testing.T) {
	p, err := NewPacer(Limits{Read: 8, Update: 5, Pool: 5, ListPools: 1})
	if err != nil {
		t.Fatal(err)
	}
	stub := &cognitoStub{}
	c := stubClient(t, stub, p)
	var wg sync.WaitGroup
	for _, pool := range []string{"us-east-1_A", "us-east-1_A", "us-east-1_B"} {
		wg.Go(func() {
			for range 3 {
				if err := describe(context.Background(), c, pool); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()

	// The pacer takes its tokens when it sends; a request arrives a little
	// later, by a delay that varies, hence the tolerance.
	const jitter = 15 * time.Millisecond
	last := map[string]time.Time{}
	var prev time.Time
	for _, a := range stub.arrivals {
		if l, ok := last[a.pool]; ok && a.at.Sub(l) < time.Second/5-jitter {
			t.Errorf("%s: attempts %v apart, want at least 200ms", a.pool, a.at.Sub(l))
		}
		if !prev.IsZero() && a.at.Sub(prev) < time.Second/8-jitter {
			t.Errorf("read attempts %v apart, want at least 125ms", a.at.Sub(prev))
		}
		last[a.pool], prev = a.at, a.at
	}
	want := Usage{Calls: map[string]int64{"DescribeUserPoolClient": 9}, Throttles: map[string]int64{}}
	if diff := cmp.Diff(want, p.Usage()); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

// TestPacerThrottle: every attempt of a retried call is paced and counted,
// and a throttle lowers the rate of the account share and of the pool.
func TestPacerThrottle(t *testing.T) {
	p, err := NewPacer(DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	stub := &cognitoStub{throttle: 2}
	c := stubClient(t, stub, p)
	before := p.Usage()
	if err := describe(context.Background(), c, "us-east-1_A"); err != nil {
		t.Fatal(err)
	}
	want := Usage{Calls: map[string]int64{"DescribeUserPoolClient": 3}, Throttles: map[string]int64{"DescribeUserPoolClient": 2}}
	if diff := cmp.Diff(want, p.Usage().Since(before)); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	if n := len(stub.arrivals); n != 3 {
		t.Errorf("%d attempts reached Cognito, want 3", n)
	}
	// Three attempts at 5 RPS: the retries were paced, not sent at once.
	if d := stub.arrivals[2].at.Sub(stub.arrivals[0].at); d < 2*time.Second/5-15*time.Millisecond {
		t.Errorf("3 attempts within %v, want at least 400ms", d)
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

func TestLimitsValidate(t *testing.T) {
	for _, l := range []Limits{
		{Read: 16, Update: 5, Pool: 5, ListPools: 1},
		{Read: 5, Update: 5, Pool: 6, ListPools: 1},
		{Read: 0, Update: 5, Pool: 5, ListPools: 1},
		{Read: 5, Update: -1, Pool: 5, ListPools: 1},
	} {
		if _, err := NewPacer(l); err == nil {
			t.Errorf("NewPacer(%+v): no error", l)
		}
	}
}
