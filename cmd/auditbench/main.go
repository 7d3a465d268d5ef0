// Command auditbench measures the audit sweep against the emulator with
// Cognito's quotas on and a fixed latency per call: clients per second as
// a fraction of the ceiling min(share, 5 × pools), throttling errors that
// reached the report (must be 0), throttled attempts absorbed by pacing
// and retries, and peak memory. It prints a Markdown table (internal/audit/BENCH.md).
//
//	go run ./cmd/auditbench -clients 1000 -pools 1,10,100 -rate 5
//	go run ./cmd/auditbench -clients 10000 -pools 1,10,100 -rate 15   # ~40 min
//	go run ./cmd/auditbench -loop -run-timeout 60s -clients 10000 -pools 10 -rate 15 -concurrency 16
//	go run ./cmd/auditbench -handler -unpaced -endpoint http://127.0.0.1:4566 -clients 50000 -pools 500
//
// -handler measures the real handler (Sweeper.Handle, as functions/audit
// runs it: outputs, the S3 report with -report-bucket, the log line, the
// result marshalled as the Lambda runtime does) in its own process, with
// the emulator in another; one row per process gives a clean peak RSS.
//
// By default the emulator runs in the same process; "heap" is the sweep's
// own peak (Go heap in use above what the seeded emulator holds), "RSS" the
// process's VmHWM, emulator included. With -endpoint the emulator is a
// separate process (go run ./cmd/emulator -quotas -latency 20ms) and RSS
// is the sweep's alone.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognito-guard/cognito-guard/internal/audit"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

func main() {
	var (
		clients     = flag.String("clients", "1000", "comma-separated total client counts")
		pools       = flag.String("pools", "1,10,100", "comma-separated pool counts (clients are spread evenly)")
		share       = flag.Float64("rate", 5, "AUDIT_RATE: share of the 15 RPS UserPoolClientRead budget")
		poolRate    = flag.Float64("pool-rate", 5, "AUDIT_POOL_RATE: per-pool cap per operation")
		concurrency = flag.Int("concurrency", 4, "AUDIT_CONCURRENCY: pools in flight")
		latency     = flag.Duration("latency", 20*time.Millisecond, "emulator latency per call")
		driftEvery  = flag.Int("drift-every", 10, "every n-th client is drifted (0: none)")
		enforce     = flag.Bool("enforce", false, "remediate (adds Update + verification Describe per drifted client)")
		runTimeout  = flag.Duration("run-timeout", 0, "cut the sweep into runs of this length resumed by cursor, like Lambda (0: one run)")
		baselineDoc = flag.String("baseline", "events/baseline.json", "baseline document")
		foreign     = flag.Float64("foreign-rps", 0, "another caller's DescribeUserPoolClient rate on the same account (unpaced, not retried)")
		loopMode    = flag.Bool("loop", false, "drive the state machine's loop: the real handler with {} then {\"cursor\"} from each result, each run under -run-timeout (needs it), until complete; reports runs, exactly-once describes, result/state/cursor sizes, peak heap per run")
		margin      = flag.Duration("margin", time.Second, "AUDIT_DEADLINE_MARGIN with -loop")
		endpoint    = flag.String("endpoint", "", "a standalone emulator (go run ./cmd/emulator -quotas -latency 20ms) to reset, seed and sweep, so RSS is the sweep's alone")
		handler     = flag.Bool("handler", false, "run the real handler (Sweeper.Handle: outputs, S3 report, log line, result marshalled) instead of the sweep alone; needs -endpoint")
		unpaced     = flag.Bool("unpaced", false, "leave the pacer out (for memory figures against an emulator without quotas)")
		bucket      = flag.String("report-bucket", "", "-handler and -loop: AUDIT_REPORT_BUCKET (with -s3-endpoint, e.g. a moto_server)")
		s3Endpoint  = flag.String("s3-endpoint", "", "-handler and -loop: AWS_ENDPOINT_URL_S3")
		reportList  = flag.String("report-clients", "", "-handler and -loop: AUDIT_REPORT_CLIENTS (default as the function: none with a bucket, else attention)")
		seedOnly    = flag.Bool("seed-only", false, "reset and seed -endpoint with -clients (one count) over -pools (one count), then exit (-handler runs it)")
	)
	flag.Parse()
	doc, err := os.ReadFile(*baselineDoc)
	if err != nil {
		fatal(err)
	}
	if *loopMode {
		fmt.Println(loopHeader())
		for _, nc := range ints(*clients) {
			for _, np := range ints(*pools) {
				r, err := loop(doc, nc, np, *share, *poolRate, *concurrency, *latency, *driftEvery, *runTimeout, *margin, audit.ClientList(*reportList), *endpoint, *bucket, *s3Endpoint)
				if err != nil && r.dur > 0 {
					fmt.Println(r) // a finished sweep that failed a check: its figures, then why
				}
				if err != nil {
					fatal(err)
				}
				fmt.Println(r)
			}
		}
		return
	}
	if *seedOnly {
		nc, np := ints(*clients)[0], ints(*pools)[0]
		if err := seedRemote(*endpoint, doc, np, nc/np, *driftEvery); err != nil {
			fatal(err)
		}
		return
	}
	if *handler {
		fmt.Println("| clients | pools | mode | runs | duration | peak heap | peak RSS (process) | largest result | log line | S3 objects |")
		fmt.Println("|---:|---:|---|---:|---:|---:|---:|---:|---:|---|")
		for _, nc := range ints(*clients) {
			for _, np := range ints(*pools) {
				row, err := benchHandler(doc, handlerOpts{unpaced: *unpaced, reportBucket: *bucket, s3Endpoint: *s3Endpoint, reportClients: *reportList,
					runTimeout: *runTimeout, share: *share, pool: *poolRate, concurrency: *concurrency, endpoint: *endpoint, driftEvery: *driftEvery,
					clients: nc, pools: np, baselinePath: *baselineDoc})
				if err != nil {
					fatal(err)
				}
				fmt.Println(row)
			}
		}
		return
	}
	fmt.Println("| clients | pools | share | ceiling (clients/s) | runs | duration | clients/s | % of ceiling | API calls | throttled attempts | surfaced throttling errors | peak heap (sweep) | peak RSS (process) |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, nc := range ints(*clients) {
		for _, np := range ints(*pools) {
			r, err := bench(doc, nc, np, *share, *poolRate, *concurrency, *latency, *driftEvery, *enforce, *runTimeout, *foreign, *endpoint)
			if err != nil {
				fatal(err)
			}
			fmt.Println(r)
		}
	}
}

type result struct {
	clients, pools, runs       int
	share, ceiling             float64
	dur                        time.Duration
	calls, throttled, surfaced int64
	peakHeapMB, peakRSSMB      float64
	evaluated                  int
}

func (r result) String() string {
	rate := float64(r.evaluated) / r.dur.Seconds()
	return fmt.Sprintf("| %d | %d | %g | %g | %d | %s | %.2f | %.1f%% | %d | %d | %d | %.1f MB | %.1f MB |",
		r.clients, r.pools, r.share, r.ceiling, r.runs, r.dur.Round(100*time.Millisecond), rate, 100*rate/r.ceiling,
		r.calls, r.throttled, r.surfaced, r.peakHeapMB, r.peakRSSMB)
}

func bench(doc []byte, clients, pools int, share, poolRate float64, concurrency int, latency time.Duration, driftEvery int, enforce bool, runTimeout time.Duration, foreign float64, endpoint string) (result, error) {
	res := result{clients: clients, pools: pools, share: share, ceiling: math.Min(share, appclient.PoolRPS*float64(pools))}
	url := endpoint
	var foreignRef reconcile.Ref
	if endpoint == "" {
		// Seed without latency or quotas, then switch them on for the sweep.
		w, err := auditworld.New(emulator.Options{MaxCalls: 1}, doc, pools, clients/pools, driftEvery)
		if err != nil {
			return res, err
		}
		srv := httptest.NewServer(w)
		defer srv.Close()
		w.Emu.SetLatency(latency)
		w.Emu.SetQuotas(true)
		url, foreignRef = srv.URL, w.All[len(w.All)-1]
	} else {
		if err := seedRemote(endpoint, doc, pools, clients/pools, driftEvery); err != nil {
			return res, err
		}
		foreignRef = reconcile.Ref{UserPoolID: auditworld.PoolID(pools - 1), ClientID: auditworld.ClientID(pools-1, clients/pools-1)}
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})

	// The function's own constructor, with the benchmark's settings.
	cfg := audit.Config{
		Enforce:     enforce,
		Limits:      appclient.Limits{Read: share, Update: share, Pool: poolRate, ListPools: appclient.DefaultLimits.ListPools},
		Concurrency: concurrency,
		Clients:     audit.ClientsAll,
		Margin:      time.Second,
	}
	cfg.BaselineParameter, cfg.BaselineTTL = auditworld.BaselineParameter, time.Hour
	awsCfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}, Retryer: appclient.Retryer(6)}
	s, err := audit.New(cfg, awsCfg, io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		return res, err
	}

	if foreign > 0 {
		// Another tool on the same account: it takes from the account
		// budget, so the audit gets throttled and has to back off.
		other := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{},
			RetryMaxAttempts: 1})
		ref := foreignRef
		wg.Go(func() {
			t := time.NewTicker(time.Duration(float64(time.Second) / foreign))
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					go func() {
						_, _ = other.DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(ref.UserPoolID), ClientId: aws.String(ref.ClientID)})
					}()
				}
			}
		})
	}

	start := time.Now()
	in := audit.Input{}
	for {
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if runTimeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, runTimeout)
		}
		rep, err := s.Sweep(ctx, in)
		cancel()
		if err != nil {
			return res, err
		}
		res.runs++
		res.evaluated += len(rep.Clients)
		for _, o := range rep.Clients {
			if o.Status == reconcile.Failed && strings.Contains(o.Reason, "TooManyRequests") {
				res.surfaced++
			}
		}
		for _, p := range rep.Pending {
			if strings.Contains(p.Reason, "TooManyRequests") {
				res.surfaced++
			}
		}
		if rep.Complete {
			break
		}
		in = audit.Input{Cursor: rep.Cursor}
	}
	res.dur = time.Since(start)
	close(stop)
	wg.Wait()
	u := s.Meter.Usage()
	for _, n := range u.Calls {
		res.calls += n
	}
	for _, n := range u.Throttles {
		res.throttled += n
	}
	if peak > base {
		res.peakHeapMB = float64(peak-base) / (1 << 20)
	}
	res.peakRSSMB = vmHWM()
	if res.evaluated != clients {
		return res, fmt.Errorf("%d clients evaluated, want %d", res.evaluated, clients)
	}
	return res, nil
}

// vmHWM is the process's peak resident set in MB (Linux), 0 elsewhere.
func vmHWM() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("%q: want positive whole numbers", s))
		}
		out = append(out, n)
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "auditbench:", err)
	os.Exit(1)
}

// seedRemote resets a standalone emulator and seeds it like auditworld.New.
func seedRemote(endpoint string, baselineDoc []byte, pools, perPool, driftEvery int) error {
	type client struct {
		ClientId, ClientName       string
		EnableTokenRevocation      bool
		PreventUserExistenceErrors string
		ExplicitAuthFlows          []string
		AccessTokenValidity        *int32 `json:",omitempty"`
	}
	type pool struct {
		ID      string   `json:"id"`
		Name    string   `json:"name"`
		Clients []client `json:"clients"`
	}
	doc := struct {
		Pools      []pool           `json:"pools"`
		Parameters []map[string]any `json:"parameters"`
	}{Parameters: []map[string]any{{"name": auditworld.BaselineParameter, "type": "String", "value": json.RawMessage(baselineDoc)}}}
	n := 0
	for p := range pools {
		pl := pool{ID: auditworld.PoolID(p), Name: fmt.Sprintf("pool-%d", p)}
		for c := range perPool {
			cl := client{ClientId: auditworld.ClientID(p, c), ClientName: fmt.Sprintf("app-%d-%d", p, c), EnableTokenRevocation: true,
				PreventUserExistenceErrors: "ENABLED", ExplicitAuthFlows: []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}}
			if driftEvery > 0 && n%driftEvery == 0 {
				cl.PreventUserExistenceErrors = "LEGACY"
				cl.ExplicitAuthFlows = append(cl.ExplicitAuthFlows, "ALLOW_USER_PASSWORD_AUTH")
				cl.AccessTokenValidity = aws.Int32(24)
			}
			n++
			pl.Clients = append(pl.Clients, cl)
		}
		doc.Pools = append(doc.Pools, pl)
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	for _, req := range []struct {
		path string
		body []byte
	}{{"/_emulator/reset", nil}, {"/_emulator/seed", body}} {
		resp, err := http.Post(strings.TrimSuffix(endpoint, "/")+req.path, "application/json", bytes.NewReader(req.body))
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("%s: HTTP %d: %s", req.path, resp.StatusCode, msg)
		}
	}
	return nil
}
