package reconcile_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

const racePool = "us-east-1_RACE01"

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// startRace runs the emulator behind the real SDK and appclient.
func startRace(tb testing.TB, latency time.Duration) (*emulator.Emulator, *appclient.Client) {
	tb.Helper()
	emu := emulator.New(emulator.Options{Latency: latency, MaxCalls: 1000})
	srv := httptest.NewServer(emu)
	tb.Cleanup(srv.Close)
	if _, err := emu.CreatePool(racePool, "race"); err != nil {
		tb.Fatal(err)
	}
	sdk := cip.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      appclient.Retryer(3),
	})
	return emu, appclient.New(sdk)
}

func seedDrifted(tb testing.TB, emu *emulator.Emulator, id string) {
	tb.Helper()
	_, err := emu.PutClient(racePool, types.UserPoolClientType{
		UserPoolId: aws.String(racePool), ClientId: aws.String(id), ClientName: aws.String("web-portal"),
		EnableTokenRevocation:           aws.Bool(false),
		AccessTokenValidity:             aws.Int32(24),
		TokenValidityUnits:              &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeHours},
		RefreshTokenValidity:            30,
		AllowedOAuthFlowsUserPoolClient: aws.Bool(true),
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes:              []string{"openid"},
		CallbackURLs:                    []string{"https://app.example.com/cb"},
		SupportedIdentityProviders:      []string{"COGNITO"},
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func parse(tb testing.TB, doc string) *policy.Baseline {
	tb.Helper()
	b, err := policy.Parse([]byte(doc))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// hook runs fn once, right after the first Describe returns.
type hook struct {
	reconcile.Clients
	once sync.Once
	fn   func()
}

func (h *hook) Describe(ctx context.Context, pool, id string) (*types.UserPoolClientType, error) {
	c, err := h.Clients.Describe(ctx, pool, id)
	h.once.Do(h.fn)
	return c, err
}

// TestOwnInvocationsDoNotRaceWithStaleState: two of our own invocations on
// one client, the second running entirely between the first one's describe
// and its write (a warm container with another baseline, or simply a burst).
// The first must not send its full-field update built from the stale
// describe, which would undo the second one's fix; it starts again from the
// new state, and both fixes stand.
func TestOwnInvocationsDoNotRaceWithStaleState(t *testing.T) {
	emu, ac := startRace(t, 0)
	seedDrifted(t, emu, "ownrace01")
	revocation := parse(t, `{"version": 1, "rules": {"EnableTokenRevocation": true}}`)
	clamp := parse(t, `{"version": 1, "rules": {"AccessTokenValidity": {"max": "1h"}}}`)
	ref := reconcile.Ref{UserPoolID: racePool, ClientID: "ownrace01"}
	ctx := context.Background()

	second := &reconcile.Reconciler{Clients: ac, Log: quietLog}
	var secondOut reconcile.Outcome
	first := &reconcile.Reconciler{Log: quietLog, Backoff: func(int) time.Duration { return 0 },
		Clients: &hook{Clients: ac, fn: func() {
			var err error
			if secondOut, err = second.Reconcile(ctx, clamp, ref); err != nil {
				t.Errorf("second invocation: %v", err)
			}
		}}}
	out, err := first.Reconcile(ctx, revocation, ref)
	if err != nil {
		t.Fatal(err)
	}
	if secondOut.Status != reconcile.Remediated || out.Status != reconcile.Remediated || out.Restarts != 1 {
		t.Errorf("outcomes %q and %q (restarts %d: %s), want both remediated, the first after one restart",
			secondOut.Status, out.Status, out.Restarts, out.Reason)
	}
	got, err := ac.Describe(ctx, racePool, "ownrace01")
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(got.EnableTokenRevocation) || aws.ToInt32(got.AccessTokenValidity) != 1 {
		t.Errorf("final client: revocation %v, access token %d %s; want revocation on and the 1h clamp kept",
			aws.ToBool(got.EnableTokenRevocation), aws.ToInt32(got.AccessTokenValidity), got.TokenValidityUnits.AccessToken)
	}
}

// stale is the benchmark's "before" switch: it answers the pre-write
// describe (the second describe of a reconcile) with the first one's
// result, as the reconcile did before it described again.
type stale struct {
	reconcile.Clients
	first *types.UserPoolClientType
}

func (s *stale) Describe(ctx context.Context, pool, id string) (*types.UserPoolClientType, error) {
	if s.first != nil {
		c := s.first
		s.first = nil
		return c, nil
	}
	c, err := s.Clients.Describe(ctx, pool, id)
	if err == nil {
		s.first = c
	}
	return c, err
}

func (s *stale) Update(ctx context.Context, fixed *types.UserPoolClientType) (*types.UserPoolClientType, error) {
	s.first = nil // the describe after the update is a real one
	return s.Clients.Update(ctx, fixed)
}

// timed records when the pre-write describe (the describe right before an
// update) and the update ran.
type timed struct {
	reconcile.Clients
	mu                     sync.Mutex
	descStart, descEnd     time.Time
	preStart, preEnd       time.Time
	updateStart, updateEnd time.Time
	wrote                  bool
}

func (c *timed) Describe(ctx context.Context, pool, id string) (*types.UserPoolClientType, error) {
	s := time.Now()
	out, err := c.Clients.Describe(ctx, pool, id)
	c.mu.Lock()
	c.descStart, c.descEnd = s, time.Now()
	c.mu.Unlock()
	return out, err
}

func (c *timed) Update(ctx context.Context, fixed *types.UserPoolClientType) (*types.UserPoolClientType, error) {
	c.mu.Lock()
	c.preStart, c.preEnd = c.descStart, c.descEnd
	c.updateStart = time.Now()
	c.mu.Unlock()
	out, err := c.Clients.Update(ctx, fixed)
	c.mu.Lock()
	c.updateEnd, c.wrote = time.Now(), true
	c.mu.Unlock()
	return out, err
}

// BenchmarkAdminEditRace races an administrator's edit (describe, add a
// callback URL, full-field update, as the console and Terraform do) against
// a reconcile of the same drifted client, starting the edit at a random
// point, with raceLatency per call. It reports lost edits per 1,000 rounds
// without the pre-write describe (mode=stale) and with it (mode=checked),
// split by when the edit's update landed: before the pre-write describe was
// sent, after our update returned, or in between (the window). Run:
//
//	go test -run '^$' -bench AdminEditRace -benchtime 1000x ./internal/reconcile/
func BenchmarkAdminEditRace(b *testing.B) {
	for _, mode := range []string{"stale", "checked"} {
		b.Run("mode="+mode, func(b *testing.B) { benchRace(b, mode == "stale") })
	}
}

const raceLatency = 5 * time.Millisecond

func benchRace(b *testing.B, skipCheck bool) {
	emu, ac := startRace(b, raceLatency)
	base := parse(b, `{"version": 1, "rules": {"EnableTokenRevocation": true}}`)
	rng := rand.New(rand.NewPCG(1, 10))
	var (
		lost, before, inWindow, after, lostBefore, lostWindow int
		gaps, windows                                         []time.Duration
	)
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("race%06d", i)
		b.StopTimer()
		seedDrifted(b, emu, id)
		b.StartTimer()
		ref := reconcile.Ref{UserPoolID: racePool, ClientID: id}
		var clients reconcile.Clients = ac
		if skipCheck {
			clients = &stale{Clients: ac}
		}
		tc := &timed{Clients: clients}
		r := &reconcile.Reconciler{Clients: tc, Log: quietLog,
			Backoff: func(n int) time.Duration { return time.Duration(n) * raceLatency }}
		url := "https://app.example.com/new-" + id
		// The reconcile spans about four calls; start the edit anywhere in
		// the first five.
		delay := time.Duration(rng.Int64N(int64(5 * raceLatency)))
		var adminStart, adminEnd time.Time
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(delay)
			ctx := context.Background()
			c, err := ac.Describe(ctx, racePool, id)
			if err != nil {
				b.Error(err)
				return
			}
			c.CallbackURLs = append(c.CallbackURLs, url)
			adminStart = time.Now()
			if _, err := ac.Update(ctx, c); err != nil {
				b.Error(err)
			}
			adminEnd = time.Now()
		}()
		if _, err := r.Reconcile(context.Background(), base, ref); err != nil && !reconcile.IsRetryable(err) {
			b.Error(err)
		}
		wg.Wait()
		final, err := ac.Describe(context.Background(), racePool, id)
		if err != nil {
			b.Fatal(err)
		}
		isLost := !slices.Contains(final.CallbackURLs, url)
		if isLost {
			lost++
		}
		switch {
		case !tc.wrote || adminStart.After(tc.updateEnd):
			after++
		case adminEnd.Before(tc.preStart):
			before++
			if isLost {
				lostBefore++
			}
		default:
			inWindow++
			if isLost {
				lostWindow++
			}
		}
		if tc.wrote {
			gaps = append(gaps, tc.updateStart.Sub(tc.preEnd))
			windows = append(windows, tc.updateEnd.Sub(tc.preStart))
		}
	}
	b.StopTimer()
	per := func(n int) float64 { return float64(n) * 1000 / float64(b.N) }
	b.ReportMetric(per(lost), "lost/1000")
	b.ReportMetric(per(lostBefore), "lost-before-predescribe/1000")
	b.ReportMetric(per(lostWindow), "lost-in-window/1000")
	b.ReportMetric(per(before), "edits-before-predescribe/1000")
	b.ReportMetric(per(inWindow), "edits-in-window/1000")
	b.ReportMetric(per(after), "edits-after-update/1000")
	b.ReportMetric(float64(median(gaps).Microseconds()), "µs-gap-p50")
	b.ReportMetric(float64(pct(gaps, 99).Microseconds()), "µs-gap-p99")
	b.ReportMetric(float64(median(windows).Microseconds()), "µs-window-p50")
	b.ReportMetric(float64(pct(windows, 99).Microseconds()), "µs-window-p99")
}

func median(ds []time.Duration) time.Duration { return pct(ds, 50) }

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}
