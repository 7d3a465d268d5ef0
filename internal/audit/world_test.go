package audit

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/middleware"

	"github.com/cognito-guard/cognito-guard/internal/baseline"
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

// sweeper wires a Sweeper the way functions/audit does, against the world.
func (w *world) sweeper(tb testing.TB, cfg Config) *Sweeper {
	tb.Helper()
	s, err := NewForEndpoint(w.url, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// NewForEndpoint is the wiring of functions/audit with explicit endpoint
// and anonymous credentials.
func NewForEndpoint(url string, cfg Config, log *slog.Logger) (*Sweeper, error) {
	pacer, err := NewPacer(cfg.Limits)
	if err != nil {
		return nil, err
	}
	cog := cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  aws.AnonymousCredentials{},
		Retryer:      appclient.Retryer(6)(),
		APIOptions:   []func(*middleware.Stack) error{pacer.AddTo},
	})
	sm := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}})
	clients := appclient.New(cog)
	return &Sweeper{
		Baselines:   baseline.NewLoader(sm, auditworld.BaselineParameter, 0, nil),
		Lister:      clients,
		Reconciler:  &reconcile.Reconciler{Clients: clients, DryRun: !cfg.Writes(), Log: log},
		DryRun:      !cfg.Writes(),
		Concurrency: cfg.Concurrency,
		Margin:      cfg.Margin,
		Meter:       pacer,
		Log:         log,
	}, nil
}

func (w *world) calls(op string) (ok, failed map[reconcile.Ref]int) { return w.Calls(op) }

func testConfig(enforce bool) Config {
	return Config{Enforce: enforce, Limits: DefaultLimits, Concurrency: 4}
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
