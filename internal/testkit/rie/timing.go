package rie

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StartedAt is when the RIE process was started.
func (f *Function) StartedAt() time.Time { return f.startedAt }

// ColdStart is the time from starting the RIE process to the end of the first invoke's response:
// what a caller waits for a new execution environment, since the RIE starts the bootstrap only
// when the first invoke arrives. It is zero before the first invoke.
func (f *Function) ColdStart() time.Duration {
	f.timingMu.Lock()
	defer f.timingMu.Unlock()
	return f.coldStart
}

// Latencies returns the client-side round trip of every invoke so far, in order; the first one
// includes the bootstrap's start and init, the rest are warm.
func (f *Function) Latencies() []time.Duration {
	f.timingMu.Lock()
	defer f.timingMu.Unlock()
	return slices.Clone(f.latencies)
}

// Report is one REPORT line the RIE printed after an invoke.
type Report struct {
	RequestID string
	// Duration is the RIE's measure of the invoke (Runtime API handoff to response).
	Duration time.Duration
	// InitDuration is only on the first report. The RIE measures just its own Init call, which
	// returns before the bootstrap has even started, so it is not a cold-start figure.
	InitDuration time.Duration
}

var reportLine = regexp.MustCompile(`(?m)^REPORT RequestId: (\S+)\t(?:Init Duration: ([0-9.]+) ms\t)?Duration: ([0-9.]+) ms`)

// Reports parses the REPORT lines in the logs so far.
func (f *Function) Reports() []Report {
	var out []Report
	for _, m := range reportLine.FindAllStringSubmatch(f.Logs(), -1) {
		r := Report{RequestID: m[1], Duration: millis(m[3])}
		if m[2] != "" {
			r.InitDuration = millis(m[2])
		}
		out = append(out, r)
	}
	return out
}

func millis(s string) time.Duration {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return time.Duration(v * float64(time.Millisecond))
}

// MeasureColdStart starts a fresh RIE with bootstrap and env, invokes it once with payload, stops
// it and returns ColdStart. The invoke must succeed. Benchmarks call it once per iteration.
func MeasureColdStart(tb testing.TB, bootstrap string, env map[string]string, payload []byte) time.Duration {
	tb.Helper()
	d, _ := MeasureCold(tb, bootstrap, env, payload)
	return d
}

// Median returns the median of ds (the mean of the middle two for an even count), or 0 for none.
func Median[T ~int64](ds []T) T {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BootstrapPeakRSS is the peak resident set (VmHWM) of the bootstrap process the RIE started, in
// bytes: read after the first response, it is the memory the function needed to answer once. It
// fails before the first invoke (the RIE starts the bootstrap then) or on a system without /proc.
func (f *Function) BootstrapPeakRSS() (int64, error) {
	for _, pid := range childPIDs(f.cmd.Process.Pid) {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				if err != nil {
					return 0, fmt.Errorf("rie: VmHWM of pid %d: %q", pid, rest)
				}
				return kb * 1024, nil
			}
		}
	}
	return 0, fmt.Errorf("rie: no bootstrap process under the RIE (pid %d)", f.cmd.Process.Pid)
}

// MeasureCold is MeasureColdStart that also returns the bootstrap's BootstrapPeakRSS after the
// first response.
func MeasureCold(tb testing.TB, bootstrap string, env map[string]string, payload []byte) (time.Duration, int64) {
	tb.Helper()
	f := Start(tb, bootstrap, env)
	defer f.Stop()
	if _, err := f.Invoke(context.Background(), payload); err != nil {
		tb.Fatalf("rie: cold invoke: %v\nlogs:\n%s", err, f.Logs())
	}
	rss, err := f.BootstrapPeakRSS()
	if err != nil {
		tb.Fatal(err)
	}
	return f.ColdStart(), rss
}
