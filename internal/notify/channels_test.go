package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// TestChannelsAreSinks: AddTo puts each configured channel in the functions' fan-out as a sink of
// its own, in Send's order and named for its service; a failing channel is logged under its name
// and the next one still gets the batch; a batch that will be retried reaches none.
func TestChannelsAreSinks(t *testing.T) {
	fake := newFakeAWS(t, map[string]reply{
		"PutEvents": serviceError("InternalException"),
		"Publish":   publishOK,
	})
	n := newTestNotifier(Options{Events: fake.eventbridge(), Bus: "b", SNS: fake.sns(), TopicARN: "arn:aws:sns:us-east-1:123456789012:t"})
	var logs bytes.Buffer
	f := n.AddTo(outputs.New(slog.New(slog.NewJSONHandler(&logs, nil))).Add("metrics", nopSink{}))
	if d := diff.Diff([]string{"metrics", "eventbridge", "sns"}, f.Sinks()); d != "" {
		t.Errorf("sinks (-want +got):\n%s", d)
	}

	retry := outputs.Of([]reconcile.Outcome{remediated})
	retry.Retry = true
	f.Emit(context.Background(), retry)
	if len(fake.All()) != 0 || logs.Len() != 0 {
		t.Fatalf("a batch to be retried was sent: %d calls, logs %s", len(fake.All()), logs.String())
	}

	f.Emit(context.Background(), outputs.Of([]reconcile.Outcome{remediated}))
	if len(fake.callsOf("PutEvents")) == 0 || len(fake.callsOf("Publish")) != 1 {
		t.Errorf("PutEvents calls %d (want some), Publish calls %d (want 1, after EventBridge failed)", len(fake.callsOf("PutEvents")), len(fake.callsOf("Publish")))
	}
	line := logs.String()
	if strings.Count(line, `"msg":"output not written"`) != 1 || !strings.Contains(line, `"sink":"eventbridge"`) || !strings.Contains(line, "InternalException") {
		t.Errorf("want one warning naming the eventbridge sink and its error, logged:\n%s", line)
	}
}

type nopSink struct{}

func (nopSink) Send(context.Context, outputs.Batch) error { return nil }
