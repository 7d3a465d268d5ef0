package main

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
	"github.com/cognito-guard/cognito-guard/internal/testkit/sample"
)

// The figures of issue 4, measured on the real bootstrap under the RIE
// against the emulator: `make bench` (or go test -run '^$' -bench . here).

// BenchmarkColdStart: RIE start to the first response (the bootstrap only
// starts on the first invoke), a compliant client. Reports the median.
func BenchmarkColdStart(b *testing.B) {
	w := startB(b)
	bootstrap := rie.Build(b, "./functions/remediate")
	payload := []byte(`{"userPoolId":"` + sample.PoolID + `","clientId":"` + sample.CleanID + `"}`)
	var ds []time.Duration
	for b.Loop() {
		ds = append(ds, rie.MeasureColdStart(b, bootstrap, w.env, payload))
	}
	b.ReportMetric(float64(rie.Median(ds).Microseconds())/1000, "ms-cold-median")
}

// floorPkg is the hello-world floor: aws-lambda-go's runtime loop and a
// handler that echoes, built exactly as the remediate bootstrap
// (rie.Build: -trimpath, -s -w, -tags lambda.norpc).
const floorPkg = "./internal/testkit/rie/testdata/echo"

// BenchmarkColdStartVsFloor: the remediate bootstrap and the hello floor,
// cold-started alternately in the same run (the machine's noise hits
// both), each from a fresh RIE to its first response; the remediate one
// evaluates a compliant client (baseline read, one describe). Reports both
// medians, their ratio, and each bootstrap's peak RSS after the first
// response.
func BenchmarkColdStartVsFloor(b *testing.B) {
	w := startB(b)
	bootstrap := rie.Build(b, "./functions/remediate")
	floor := rie.Build(b, floorPkg)
	before := os.Getenv(beforeEnv)
	payload := []byte(`{"userPoolId":"` + sample.PoolID + `","clientId":"` + sample.CleanID + `"}`)
	var ours, base, prev []time.Duration
	var oursRSS, baseRSS, prevRSS []int64 // bytes
	for b.Loop() {
		d, rss := rie.MeasureCold(b, bootstrap, w.env, payload)
		ours, oursRSS = append(ours, d), append(oursRSS, rss)
		d, rss = rie.MeasureCold(b, floor, nil, []byte(`{"echo":1}`))
		base, baseRSS = append(base, d), append(baseRSS, rss)
		if before != "" {
			d, rss = rie.MeasureCold(b, before, w.env, payload)
			prev, prevRSS = append(prev, d), append(prevRSS, rss)
		}
	}
	mo, mb := rie.Median(ours), rie.Median(base)
	b.ReportMetric(float64(mo.Microseconds())/1000, "ms-cold-remediate")
	b.ReportMetric(float64(mb.Microseconds())/1000, "ms-cold-floor")
	b.ReportMetric(float64(mo)/float64(mb), "x-floor")
	b.ReportMetric(float64(rie.Median(oursRSS))/(1<<20), "MiB-rss-remediate")
	b.ReportMetric(float64(rie.Median(baseRSS))/(1<<20), "MiB-rss-floor")
	if before != "" {
		b.ReportMetric(float64(rie.Median(prev).Microseconds())/1000, "ms-cold-before")
		b.ReportMetric(float64(rie.Median(prev))/float64(mb), "x-floor-before")
		b.ReportMetric(float64(rie.Median(prevRSS))/(1<<20), "MiB-rss-before")
	}
}

// beforeEnv names a bootstrap built from an earlier commit (make build in
// a checkout of it) that the benchmarks measure beside this one, in the
// same run: before/after figures without the machine's drift between runs.
const beforeEnv = "REMEDIATE_BEFORE_BOOTSTRAP"

// BenchmarkWarmInvoke: one warm function, compliant and drifted clients;
// reports latency and the Cognito/SSM calls per event from the call log.
// What is timed: the RIE's invoke, from the POST to the end of the
// response, so each figure includes the RIE's own round trip (about 1 ms
// here). The baseline cache lives warmTTL instead of the default 5 minutes,
// so that a run of a few seconds includes cache expiries: the reload (one
// GetParameter) is inside the timed invokes that hit one. ssm-reads/event
// counts GetParameter calls: the reloads, plus for a drifted client the
// baseline version check before each write.
func BenchmarkWarmInvoke(b *testing.B) {
	builds := []struct{ name, path string }{{"", ""}}
	if before := os.Getenv(beforeEnv); before != "" {
		builds = append(builds, struct{ name, path string }{"before-", before})
	}
	for _, build := range builds {
		for _, tc := range []struct{ name, client string }{{"compliant", sample.CleanID}, {"drifted", sample.DriftedID}} {
			warmInvoke(b, build.name+tc.name, build.path, tc.client)
		}
	}
}

// warmTTL is BASELINE_CACHE_TTL in BenchmarkWarmInvoke: about one expiry every three events.
const warmTTL = 3 * time.Second

// isolate is longer than one per-pool interval of a container at the
// defaults (REMEDIATE_POOL_RATE 2 / REMEDIATE_MAX_CONCURRENCY 2 = 1/s).
const isolate = 1100 * time.Millisecond

func warmInvoke(b *testing.B, name, bootstrap, client string) {
	b.Run(name, func(b *testing.B) {
		w := startB(b)
		if bootstrap == "" {
			bootstrap = rie.Build(b, "./functions/remediate")
		}
		w.env["BASELINE_CACHE_TTL"] = warmTTL.String()
		fn := rie.Start(b, bootstrap, w.env)
		payload := []byte(`{"userPoolId":"` + sample.PoolID + `","clientId":"` + client + `"}`)
		if _, err := fn.Invoke(context.Background(), payload); err != nil { // cold, loads the baseline
			b.Fatal(err)
		}
		w.emu.ResetCalls()
		for b.Loop() {
			// Isolated events: the pacer lets the first call of an event go at
			// once, so the figure is the function's own work (and, for a
			// drifted client, the pacing between its three describes of one
			// pool: 1 s each at the defaults), not the queueing of
			// back-to-back events on one pool.
			b.StopTimer()
			time.Sleep(isolate)
			if client == sample.DriftedID {
				if _, err := w.emu.PutClient(sample.PoolID, sample.Drifted()); err != nil { // drift it again
					b.Fatal(err)
				}
			}
			b.StartTimer()
			if _, err := fn.Invoke(context.Background(), payload); err != nil {
				b.Fatal(err)
			}
		}
		lat := fn.Latencies()[1:]
		b.ReportMetric(float64(rie.Median(lat).Microseconds())/1000, "ms-warm-median")
		b.ReportMetric(float64(slices.Max(lat).Microseconds())/1000, "ms-warm-max")
		calls := w.emu.Calls()
		b.ReportMetric(float64(len(calls))/float64(b.N), "aws-calls/event")
		reads := 0
		for _, c := range calls {
			if c.Op == "GetParameter" {
				reads++
			}
		}
		b.ReportMetric(float64(reads)/float64(b.N), "ssm-reads/event")
	})
}
