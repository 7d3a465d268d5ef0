package main

import (
	"context"
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

// BenchmarkWarmInvoke: one warm function, compliant and drifted clients;
// reports latency and the Cognito/SSM calls per event from the call log.
func BenchmarkWarmInvoke(b *testing.B) {
	for _, tc := range []struct{ name, client string }{{"compliant", sample.CleanID}, {"drifted", sample.DriftedID}} {
		b.Run(tc.name, func(b *testing.B) {
			w := startB(b)
			fn := rie.Start(b, rie.Build(b, "./functions/remediate"), w.env)
			payload := []byte(`{"userPoolId":"` + sample.PoolID + `","clientId":"` + tc.client + `"}`)
			if _, err := fn.Invoke(context.Background(), payload); err != nil { // cold, loads the baseline
				b.Fatal(err)
			}
			w.emu.ResetCalls()
			for b.Loop() {
				if tc.client == sample.DriftedID {
					b.StopTimer()
					if _, err := w.emu.PutClient(sample.PoolID, sample.Drifted()); err != nil { // drift it again
						b.Fatal(err)
					}
					b.StartTimer()
				}
				if _, err := fn.Invoke(context.Background(), payload); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rie.Median(fn.Latencies()[1:]).Microseconds())/1000, "ms-warm-median")
			b.ReportMetric(float64(len(w.emu.Calls()))/float64(b.N), "aws-calls/event")
		})
	}
}
