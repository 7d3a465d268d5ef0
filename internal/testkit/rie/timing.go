package rie

import (
	"context"
	"regexp"
	"slices"
	"strconv"
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
	f := Start(tb, bootstrap, env)
	defer f.Stop()
	if _, err := f.Invoke(context.Background(), payload); err != nil {
		tb.Fatalf("rie: cold invoke: %v\nlogs:\n%s", err, f.Logs())
	}
	return f.ColdStart()
}

// Median returns the median of ds (the mean of the middle two for an even count), or 0 for none.
func Median(ds []time.Duration) time.Duration {
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
