package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/audit"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// handlerOpts configure -handler: the real handler (Sweeper.Handle, as
// functions/audit runs it) rather than the sweep alone.
type handlerOpts struct {
	unpaced        bool
	reportBucket   string
	s3Endpoint     string
	reportClients  string
	runTimeout     time.Duration
	share, pool    float64
	concurrency    int
	endpoint       string
	driftEvery     int
	clients, pools int
	baselinePath   string
}

// countingWriter counts what the handler logs and keeps the longest line.
type countingWriter struct {
	mu      sync.Mutex
	n, line int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.n += len(p)
	c.line = max(c.line, len(p))
	c.mu.Unlock()
	return len(p), nil
}

// benchHandler sweeps a standalone emulator (seeded here) through
// Sweeper.Handle, run after run while the result is not complete, and
// measures the process's peak memory, the size of each result as the
// Lambda runtime would marshal it, the log line, and the S3 objects.
func benchHandler(doc []byte, o handlerOpts) (string, error) {
	if o.endpoint == "" {
		return "", fmt.Errorf("-handler needs -endpoint (a standalone emulator), so that RSS is the handler's alone")
	}
	// Seeding 50,000 clients builds a document of tens of MB that the
	// HTTP client keeps reachable for a while: seed from another process.
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	seed := exec.Command(self, "-seed-only", "-endpoint", o.endpoint, "-clients", fmt.Sprint(o.clients), "-pools", fmt.Sprint(o.pools),
		"-drift-every", fmt.Sprint(o.driftEvery), "-baseline", o.baselinePath)
	if out, err := seed.CombinedOutput(); err != nil {
		return "", fmt.Errorf("seed: %v: %s", err, out)
	}
	cfg := audit.Config{
		Limits:       appclient.Limits{Read: o.share, Update: o.share, Pool: o.pool, ListPools: appclient.DefaultLimits.ListPools},
		Concurrency:  o.concurrency,
		Clients:      audit.ClientList(o.reportClients),
		Margin:       time.Second,
		Unpaced:      o.unpaced,
		ReportBucket: o.reportBucket, ReportEndpoint: o.s3Endpoint,
	}
	if cfg.Clients == "" { // as ConfigFromEnv: none with a bucket, else attention
		cfg.Clients = audit.ClientsAttention
		if o.reportBucket != "" {
			cfg.Clients = audit.ClientsNone
		}
	}
	cfg.BaselineParameter, cfg.BaselineTTL = auditworld.BaselineParameter, time.Hour
	awsCfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(o.endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		}), Retryer: appclient.Retryer(6)}
	logs := &countingWriter{}
	s, err := audit.New(cfg, awsCfg, io.Discard, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		return "", err
	}

	// The seed document is garbage now: collect it, return it to the OS and
	// reset the peak RSS (Linux: writing 5 to clear_refs resets VmHWM), so
	// that the peak is the handler's.
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return "", fmt.Errorf("reset the peak RSS: %w", err)
	}
	var peakHeap uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peakHeap = max(peakHeap, m.HeapInuse)
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	start := time.Now()
	raw := json.RawMessage(`{}`)
	runs, evaluated, maxResp := 0, 0, 0
	var objects map[string]int64
	for {
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if o.runTimeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, o.runTimeout)
		}
		callStart := time.Now()
		rep, err := s.Handle(ctx, raw)
		callDur := time.Since(callStart)
		cancel()
		if err != nil {
			return "", err
		}
		runs++
		if debugRuns {
			fmt.Fprintf(os.Stderr, "run %d: complete %v counts %v, sweep %d ms, handler %d ms\n", runs, rep.Complete, rep.Counts, rep.DurationMS, callDur.Milliseconds())
			for i, p := range rep.Pending {
				if i < 3 {
					fmt.Fprintf(os.Stderr, "  pending %+v\n", p)
				}
			}
		}
		for k, n := range rep.Counts {
			if k != "pending" {
				evaluated += n
			}
		}
		// What the Lambda runtime sends back: the result as JSON.
		b, err := json.Marshal(rep)
		if err != nil {
			return "", err
		}
		maxResp = max(maxResp, len(b))
		if rep.Objects != nil {
			if rep.Objects.Error != "" {
				return "", fmt.Errorf("S3 report: %s", rep.Objects.Error)
			}
			if rep.Complete {
				objects = rep.Objects.Bytes
			}
		}
		if rep.Complete {
			break
		}
		raw = json.RawMessage(`{"cursor":"` + rep.Cursor + `"}`)
	}
	dur := time.Since(start)
	close(stop)
	wg.Wait()
	if evaluated != o.clients {
		return "", fmt.Errorf("%d clients evaluated, want %d", evaluated, o.clients)
	}
	var objs []string
	for k, n := range objects {
		objs = append(objs, fmt.Sprintf("%s %s", k, mb(n)))
	}
	sort.Strings(objs)
	mode := "result: " + string(cfg.Clients)
	if o.reportBucket != "" {
		mode += ", S3 report"
	}
	return fmt.Sprintf("| %d | %d | %s | %d | %s | %.1f MB | %.1f MB | %s | %s | %s |", o.clients, o.pools, mode, runs, dur.Round(100*time.Millisecond),
		float64(peakHeap)/(1<<20), vmHWM(), mb(int64(maxResp)), mb(int64(logs.line)), strings.Join(objs, ", ")), nil
}

var debugRuns = os.Getenv("AUDITBENCH_DEBUG") != ""

func mb(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
