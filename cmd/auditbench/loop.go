package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cognito-guard/cognito-guard/internal/audit"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// The state machine's loop (statemachine/audit.asl.json) driven in Go: the audit function's real
// handler (Sweeper.Handle, JSON payload in, Report out, as the Lambda runtime calls it) is invoked
// with {} and then with {"cursor": ...} from each result, each run under a deadline of
// -run-timeout, until the result says complete - what the Audit, Tally, Complete? and Resume states
// do. The interpreter itself is exercised in functions/audit TestStateMachineLoop; a 50,000-client
// sweep through it would take as long as this one plus the interpreter's overhead, and measures
// nothing the state machine adds.

// maxRunsState is the MaxRuns value in the state between runs (its size only).
const maxRunsState = 24

type loopResult struct {
	clients, pools, concurrency, runs int
	share, ceiling                    float64
	runTimeout, dur                   time.Duration
	evaluated                         int
	describedOnce, describedOther     int
	calls, throttled                  int64
	maxResult, maxState, maxCursor    int
	peakHeapMB, peakRSSMB             float64
	clientsListed                     audit.ClientList
	// With a report bucket: the largest part a run wrote, the final
	// objects' sizes by file name, and the final run's time to assemble
	// and write them (from the end of its sweep, measured by the handler's
	// DurationMS against the run's wall time).
	maxPart     int64
	final       map[string]int64
	reportError string
}

func loopHeader() string {
	return "| clients | pools | share | concurrency | run deadline | runs | duration | clients/s | % of ceiling | described exactly once | API calls | throttled attempts | largest result | largest state | largest cursor | peak heap in a run | peak RSS | S3 objects |\n" +
		"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
}

func (r loopResult) String() string {
	rate := float64(r.evaluated) / r.dur.Seconds()
	once := fmt.Sprintf("%d of %d", r.describedOnce, r.clients)
	if r.describedOther > 0 {
		once += fmt.Sprintf(" (%d not once)", r.describedOther)
	}
	objects := "no bucket"
	if r.final != nil {
		objects = fmt.Sprintf("part ≤ %.0f KB; html %.0f KB, jsonl %.0f KB, csv %.0f KB, summary %.1f KB", float64(r.maxPart)/1024,
			float64(r.final["report.html"])/1024, float64(r.final["clients.jsonl"])/1024, float64(r.final["clients.csv"])/1024, float64(r.final["summary.json"])/1024)
	}
	return fmt.Sprintf("| %d | %d | %g | %d | %s | %d | %s | %.2f | %.1f%% | %s | %d | %d | %.1f KB | %.1f KB | %.1f KB | %.1f MB | %.1f MB | %s |",
		r.clients, r.pools, r.share, r.concurrency, r.runTimeout, r.runs, r.dur.Round(time.Second), rate, 100*rate/r.ceiling,
		once, r.calls, r.throttled, kb(r.maxResult), kb(r.maxState), kb(r.maxCursor), r.peakHeapMB, r.peakRSSMB, objects)
}

func kb(n int) float64 { return float64(n) / 1024 }

func loop(doc []byte, clients, pools int, share, poolRate float64, concurrency int, latency time.Duration, driftEvery int,
	runTimeout, margin time.Duration, list audit.ClientList, endpoint, bucket, s3Endpoint string) (loopResult, error) {
	res := loopResult{clients: clients, pools: pools, concurrency: concurrency, share: share, runTimeout: runTimeout,
		ceiling: math.Min(share, appclient.PoolRPS*float64(pools)), clientsListed: list}
	if runTimeout <= 0 {
		return res, fmt.Errorf("-loop needs -run-timeout (the simulated Lambda deadline)")
	}
	url := endpoint
	var calls func() ([]emulator.Call, error)
	if endpoint == "" {
		w, err := auditworld.New(emulator.Options{}, doc, pools, clients/pools, driftEvery)
		if err != nil {
			return res, err
		}
		srv := httptest.NewServer(w)
		defer srv.Close()
		w.Emu.SetLatency(latency)
		w.Emu.SetQuotas(true)
		url = srv.URL
		calls = func() ([]emulator.Call, error) { return w.Emu.Calls(), nil }
	} else {
		if err := seedRemote(endpoint, doc, pools, clients/pools, driftEvery); err != nil {
			return res, err
		}
		calls = func() ([]emulator.Call, error) { return remoteCalls(endpoint, "DescribeUserPoolClient") }
	}

	cfg := audit.Config{
		Limits:      appclient.Limits{Read: share, Update: share, Pool: poolRate, ListPools: appclient.DefaultLimits.ListPools},
		Concurrency: concurrency,
		Clients:     list,
		Margin:      margin,
		// The S3 report as the function writes it, when a bucket is given
		// (a moto_server through -s3-endpoint).
		ReportBucket:   bucket,
		ReportEndpoint: s3Endpoint,
	}
	cfg.BaselineParameter, cfg.BaselineTTL = auditworld.BaselineParameter, 5*time.Minute
	// Signed requests, as in Lambda: moto refuses an unsigned GetObject of
	// a private object (the emulator takes any key).
	creds := credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench-secret", "")
	awsCfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, Retryer: appclient.Retryer(6)}
	s, err := audit.New(cfg, awsCfg, io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		return res, err
	}

	// Heap sampler: the peak HeapInuse while a run is in progress, over all runs.
	var mu sync.Mutex
	var peak uint64
	inRun := false
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			mu.Lock()
			if inRun {
				peak = max(peak, m.HeapInuse)
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	setRun := func(on bool) { mu.Lock(); inRun = on; mu.Unlock() }

	start := time.Now()
	payload := json.RawMessage(`{}`)
	for {
		if res.runs >= 10000 {
			return res, fmt.Errorf("no end after %d runs", res.runs)
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		setRun(true)
		rep, err := s.Handle(ctx, payload)
		setRun(false)
		cancel()
		if err != nil {
			return res, fmt.Errorf("run %d: %w", res.runs+1, err)
		}
		res.runs++
		// The Lambda result (the Audit task's Payload) and the state after Tally.
		out, err := json.Marshal(rep)
		if err != nil {
			return res, err
		}
		state, err := json.Marshal(map[string]any{"runs": res.runs, "maxRuns": maxRunsState, "report": json.RawMessage(out)})
		if err != nil {
			return res, err
		}
		res.maxResult, res.maxState, res.maxCursor = max(res.maxResult, len(out)), max(res.maxState, len(state)), max(res.maxCursor, len(rep.Cursor))
		n := 0 // clients evaluated in this run
		for k, c := range rep.Counts {
			if k != "pending" {
				n += c
			}
		}
		res.evaluated += n
		objects := ""
		if o := rep.Objects; o != nil {
			if o.Part != "" {
				res.maxPart = max(res.maxPart, o.Bytes[path.Base(o.Part)])
			}
			if rep.Complete {
				res.final = map[string]int64{}
				for k, b := range o.Bytes {
					res.final[path.Base(k)] = b
				}
			}
			if o.Error != "" {
				res.reportError = fmt.Sprintf("run %d: %s", res.runs, o.Error)
			}
			objects = fmt.Sprintf(", objects %v, report error %q", o.Bytes, o.Error)
		}
		fmt.Fprintf(os.Stderr, "run %d: %d clients, pools done %d left %d, pending %d, pool errors %d, complete %v, result %d B, cursor %d B, %s%s\n",
			res.runs, n, rep.PoolsDone, rep.PoolsLeft, len(rep.Pending), len(rep.PoolErrors), rep.Complete, len(out), len(rep.Cursor), time.Since(start).Round(time.Second), objects)
		if rep.Complete {
			break
		}
		payload, err = json.Marshal(map[string]string{"cursor": rep.Cursor})
		if err != nil {
			return res, err
		}
	}
	res.dur = time.Since(start)
	close(stop)
	wg.Wait()
	res.peakHeapMB, res.peakRSSMB = float64(peak)/(1<<20), vmHWM()
	u := s.Meter.Usage()
	for _, n := range u.Calls {
		res.calls += n
	}
	for _, n := range u.Throttles {
		res.throttled += n
	}
	log, err := calls()
	if err != nil {
		return res, err
	}
	described := map[string]int{}
	for _, c := range log {
		if c.Op == "DescribeUserPoolClient" && c.Error == "" {
			described[c.UserPoolID+"/"+c.ClientID]++
		}
	}
	for p := range pools {
		for c := range clients / pools {
			if described[auditworld.PoolID(p)+"/"+auditworld.ClientID(p, c)] == 1 {
				res.describedOnce++
			} else {
				res.describedOther++
			}
		}
	}
	if res.reportError != "" {
		return res, fmt.Errorf("the S3 report: %s", res.reportError)
	}
	if res.evaluated != clients || res.describedOnce != clients {
		return res, fmt.Errorf("%d clients evaluated over %d runs, %d described exactly once (%d not), want %d",
			res.evaluated, res.runs, res.describedOnce, res.describedOther, clients)
	}
	return res, nil
}

func remoteCalls(endpoint, op string) ([]emulator.Call, error) {
	resp, err := http.Get(strings.TrimSuffix(endpoint, "/") + "/_emulator/calls?op=" + op)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var calls []emulator.Call
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		return nil, fmt.Errorf("/_emulator/calls: %w", err)
	}
	return calls, nil
}
