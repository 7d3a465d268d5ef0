package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

func TestNewWritesLambdaJSON(t *testing.T) {
	var buf bytes.Buffer
	log := New(&buf, "warn").With("function", "remediate")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	log.InfoContext(ctx, "dropped: below WARN")
	log.WarnContext(ctx, "reconciled", "outcome", "remediated", "clientId", "abc")

	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
	}
	want := map[string]any{"level": "WARN", "message": "reconciled", "function": "remediate",
		"outcome": "remediated", "clientId": "abc", "requestId": "req-1"}
	if diff := diff.Diff(want, got, diff.IgnoreMapEntries(func(k string, _ any) bool { return k == "timestamp" })); diff != "" {
		t.Errorf("log line (-want +got):\n%s", diff)
	}
	if _, ok := got["timestamp"]; !ok {
		t.Errorf("no timestamp key (Lambda's name for slog's time)")
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"": slog.LevelInfo, "debug": slog.LevelDebug, " ERROR ": slog.LevelError, "loud": slog.LevelInfo} {
		if got := ParseLevel(in); got != want {
			t.Errorf("ParseLevel(%q) = %v, want %v", in, got, want)
		}
	}
}
