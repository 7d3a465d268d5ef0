package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/metrics"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// lambdaLevels are the levels of Lambda's log-level filtering, lowest
// first.
var lambdaLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// lambdaKeeps models Lambda's application log-level filtering for the JSON
// log format as documented
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html):
// a line's level is its "level" key; a missing or invalid level, or a
// missing or invalid RFC 3339 timestamp, makes it INFO; the line is kept
// when its level is at or above the threshold.
func lambdaKeeps(t *testing.T, line []byte, threshold string) bool {
	t.Helper()
	var l struct {
		Level     string `json:"level"`
		Timestamp string `json:"timestamp"`
	}
	if err := json.Unmarshal(line, &l); err != nil {
		t.Fatalf("not a JSON line: %s", line)
	}
	rank := func(level string) int {
		for i, v := range lambdaLevels {
			if strings.EqualFold(v, level) {
				return i
			}
		}
		return -1
	}
	level := rank(l.Level)
	if _, err := time.Parse(time.RFC3339Nano, l.Timestamp); err != nil || level < 0 {
		level = rank("INFO")
	}
	return level >= rank(threshold)
}

// TestMetricsSurviveLogLevel: whatever the function's ApplicationLogLevel,
// Lambda keeps the EMF lines, so the alarms keep their data; with a level
// Lambda does not tell the function (AWS_LAMBDA_LOG_LEVEL unset) too.
func TestMetricsSurviveLogLevel(t *testing.T) {
	for _, threshold := range lambdaLevels {
		for _, env := range []string{threshold, "", "bogus"} {
			var buf bytes.Buffer
			r := metrics.New(&buf, "", metrics.FunctionAudit, fixedNow).WithLevel(env)
			b := outputs.Of([]reconcile.Outcome{{Status: reconcile.Drift}, {Status: reconcile.Failed, DryRun: true}})
			if err := r.Send(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
			if len(lines) != 2 {
				t.Fatalf("%d lines, want 2", len(lines))
			}
			for _, l := range lines {
				if !lambdaKeeps(t, l, threshold) {
					t.Errorf("ApplicationLogLevel %s, AWS_LAMBDA_LOG_LEVEL %q: Lambda drops %s", threshold, env, l)
				}
			}
		}
	}
}

func TestLineLevel(t *testing.T) {
	for in, want := range map[string]string{"WARN": "WARN", "warn": "WARN", " error ": "ERROR", "": "FATAL", "WARNING": "FATAL", "TRACE": "TRACE"} {
		if got := metrics.LineLevel(in); got != want {
			t.Errorf("LineLevel(%q) = %q, want %q", in, got, want)
		}
	}
}
