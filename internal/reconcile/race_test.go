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
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognito-guard/cognito-guard/internal/baseline"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

const racePool = "us-east-1_RACE01"

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// startRace runs the emulator behind the real SDK and appclient.
func startRace(tb testing.TB, latency time.Duration) (*emulator.Emulator, *appclient.Client) {
	emu, ac, _ := startRaceSSM(tb, latency)
	return emu, ac
}

func startRaceSSM(tb testing.TB, latency time.Duration) (*emulator.Emulator, *appclient.Client, *ssm.Client) {
	tb.Helper()
	emu := emulator.New(emulator.Options{Latency: latency, MaxCalls: 1000})
	srv := httptest.NewServer(emu)
	tb.Cleanup(srv.Close)
	if _, err := emu.CreatePool(racePool, "race"); err != nil {
		tb.Fatal(err)
	}
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      appclient.Retryer(3),
	}
	return emu, appclient.New(cip.NewFromConfig(cfg)), ssm.NewFromConfig(cfg)
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
// a reconcile of the same drifted client, with raceLatency per call (one
// way, before the emulator serves the call) and the production wiring:
// the baseline's version is checked in SSM before the write. The edit's
// update lands at a uniformly random point from the reconcile's start to
// about seven calls later, past the end of the reconcile.
//
// mode=stale answers the pre-write describe with the first describe's
// result (what the reconcile did before it described again); mode=checked
// is the product. It reports lost edits per 1,000 rounds, split by when the
// edit's update landed: it returned before the pre-write describe was sent
// ("before"), it started after our update returned ("after"), or it
// overlapped the span from the pre-write describe to our update ("window").
// Run:
//
//	go test -run '^$' -bench AdminEditRace -benchtime 1000x ./internal/reconcile/
func BenchmarkAdminEditRace(b *testing.B) {
	for _, mode := range []string{"stale", "checked"} {
		b.Run("mode="+mode, func(b *testing.B) { benchRace(b, mode == "stale") })
	}
}

const raceLatency = 5 * time.Millisecond

func benchRace(b *testing.B, skipCheck bool) {
	emu, ac, ssmc := startRaceSSM(b, raceLatency)
	if _, _, err := emu.PutParameter("/race/baseline", "String", `{"version": 1, "rules": {"EnableTokenRevocation": true}}`, "", false); err != nil {
		b.Fatal(err)
	}
	loader := baseline.NewLoader(ssmc, "/race/baseline", time.Hour, nil)
	base, err := loader.Load(context.Background())
	if err != nil {
		b.Fatal(err)
	}
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
		r := &reconcile.Reconciler{Clients: tc, Log: quietLog, Baselines: loader,
			Backoff: func(n int) time.Duration { return time.Duration(n) * raceLatency }}
		url := "https://app.example.com/new-" + id
		// The edit's update lands two calls after it starts: offsets from
		// -2 to +5 calls spread its landing over [0, 7] calls.
		offset := time.Duration(rng.Int64N(int64(7*raceLatency))) - 2*raceLatency
		var adminStart, adminEnd time.Time
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if offset > 0 {
				time.Sleep(offset)
			}
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
		if offset < 0 {
			time.Sleep(-offset)
		}
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
	b.ReportMetric(per(lostBefore), "lost-before/1000")
	b.ReportMetric(per(lostWindow), "lost-window/1000")
	b.ReportMetric(per(before), "edits-before/1000")
	b.ReportMetric(per(inWindow), "edits-window/1000")
	b.ReportMetric(per(after), "edits-after/1000")
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

// TestRefusedUpdateNeverResentAsItWas: an update that Cognito throttles
// (or answers with a 5xx) is not resent by the SDK's retryer: it was built
// from a describe, and an administrator's edit landing during the retry
// backoff would be overwritten. The reconcile starts again from a fresh
// describe, and the edit stands.
func TestRefusedUpdateNeverResentAsItWas(t *testing.T) {
	for _, code := range []string{"TooManyRequestsException", "InternalErrorException"} {
		t.Run(code, func(t *testing.T) {
			emu, ac := startRace(t, 0)
			seedDrifted(t, emu, "refused01")
			b := parse(t, `{"version": 1, "rules": {"EnableTokenRevocation": true}}`)
			ctx := context.Background()
			emu.Fail("UpdateUserPoolClient", 1, code)
			edited := []string{"https://app.example.com/cb", "https://app.example.com/added"}
			var backoffs int
			r := &reconcile.Reconciler{Clients: ac, Log: quietLog, Backoff: func(int) time.Duration {
				// An administrator adds a callback URL while we wait.
				backoffs++
				cur, err := ac.Describe(ctx, racePool, "refused01")
				if err != nil {
					t.Fatal(err)
				}
				cur.CallbackURLs = edited
				if _, err := ac.Update(ctx, cur); err != nil {
					t.Fatal(err)
				}
				return 0
			}}
			emu.ResetCalls()
			out, err := r.Reconcile(ctx, b, reconcile.Ref{UserPoolID: racePool, ClientID: "refused01"})
			if err != nil || out.Status != reconcile.Remediated || out.Restarts != 1 || backoffs != 1 {
				t.Fatalf("outcome %q restarts %d backoffs %d err %v (%s); want remediated after one restart", out.Status, out.Restarts, backoffs, err, out.Reason)
			}
			var updates []string
			for _, c := range emu.Calls() {
				if c.Op == "UpdateUserPoolClient" {
					updates = append(updates, c.Error)
				}
			}
			// Ours refused, the administrator's, ours from the fresh describe.
			if want := []string{code, "", ""}; !slices.Equal(updates, want) {
				t.Errorf("UpdateUserPoolClient errors %q, want %q (a refused update is never resent)", updates, want)
			}
			got, err := ac.Describe(ctx, racePool, "refused01")
			if err != nil {
				t.Fatal(err)
			}
			if !aws.ToBool(got.EnableTokenRevocation) || !slices.Equal(got.CallbackURLs, edited) {
				t.Errorf("final client: revocation %v, callbacks %q; want revocation on and the administrator's callbacks %q",
					aws.ToBool(got.EnableTokenRevocation), got.CallbackURLs, edited)
			}
		})
	}
}
