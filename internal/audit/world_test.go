package audit

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// world is an emulated account behind an HTTP server.
type world struct {
	*auditworld.World
	url string
}

func newWorld(tb testing.TB, opts emulator.Options, pools, perPool, driftEvery int) *world {
	tb.Helper()
	doc, err := os.ReadFile("../../events/baseline.json")
	if err != nil {
		tb.Fatal(err)
	}
	w, err := auditworld.New(opts, doc, pools, perPool, driftEvery)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(w)
	tb.Cleanup(srv.Close)
	return &world{World: w, url: srv.URL}
}

// sweeper wires a Sweeper with audit.New, the constructor of
// functions/audit, against the world: anonymous credentials, and the SDK's
// retry backoff removed so that throttling tests take no wall-clock time
// (the pacer still spaces every attempt, as in production).
func (w *world) sweeper(tb testing.TB, cfg Config) *Sweeper {
	tb.Helper()
	s, err := New(cfg, w.awsConfig(), io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func (w *world) awsConfig() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(w.url),
		Credentials:  aws.AnonymousCredentials{},
		Retryer:      func() aws.Retryer { return noBackoff{appclient.Retryer(6)().(aws.RetryerV2)} },
	}
}

// noBackoff is the production retryer (same attempts, same errors
// retried) without the pause between attempts.
type noBackoff struct{ aws.RetryerV2 }

func (noBackoff) RetryDelay(int, error) (time.Duration, error) { return 0, nil }

func (w *world) calls(op string) (ok, failed map[reconcile.Ref]int) { return w.Calls(op) }

// testLimits pace at 12 of Cognito's 15 requests per second (and the
// 5-per-pool cap): the emulator enforces the quotas, so a sweep must see no
// throttling, with some headroom for a loaded machine; the tests take less
// than half the time they take at the default share of 5.
var testLimits = appclient.Limits{Read: 12, Update: 12, Pool: appclient.PoolRPS, ListPools: 12}

func testConfig(enforce bool) Config {
	c := Config{Enforce: enforce, Limits: testLimits, Concurrency: 4, Clients: ClientsAll}
	c.BaselineParameter = auditworld.BaselineParameter
	return c
}

func sweepAll(tb testing.TB, s *Sweeper) *Report {
	tb.Helper()
	rep, err := s.Sweep(context.Background(), Input{})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
