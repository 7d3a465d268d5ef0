package outputs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// sink records what it is sent and fails with err.
type sink struct {
	got []outputs.Batch
	err error
}

func (s *sink) Send(_ context.Context, b outputs.Batch) error {
	s.got = append(s.got, b)
	return s.err
}

// TestFanout: every sink gets every batch, in order; a failing sink is
// logged (escaped, with its name and the client) and does not stop the
// others.
func TestFanout(t *testing.T) {
	var logs bytes.Buffer
	metrics, events, hub := &sink{}, &sink{err: errors.New("put events: boom\nforged line")}, &sink{}
	f := outputs.New(slog.New(slog.NewJSONHandler(&logs, nil))).Add("metrics", metrics).Add("eventbridge", events).Add("securityhub", hub)
	if diff := diff.Diff([]string{"metrics", "eventbridge", "securityhub"}, f.Sinks()); diff != "" {
		t.Errorf("sinks (-want +got):\n%s", diff)
	}
	o := reconcile.Outcome{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "c1", Status: reconcile.Remediated}
	b := outputs.Batch{Items: []outputs.Item{{Outcome: o, Trigger: &outputs.Trigger{Source: "cloudtrail", EventID: "e1", Actor: "arn:aws:iam::123456789012:user/alice"}}}}
	f.Emit(context.Background(), b)
	for name, s := range map[string]*sink{"metrics": metrics, "eventbridge": events, "securityhub": hub} {
		if diff := diff.Diff([]outputs.Batch{b}, s.got); diff != "" {
			t.Errorf("%s got (-want +got):\n%s", name, diff)
		}
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("want one JSON log line: %v\n%s", err, logs.Bytes())
	}
	want := map[string]any{"level": "WARN", "msg": "output not written", "sink": "eventbridge", "error": `put events: boom\nforged line`, "userPoolId": o.UserPoolID, "clientId": o.ClientID}
	delete(line, "time")
	if diff := diff.Diff(want, line); diff != "" {
		t.Errorf("log line (-want +got):\n%s", diff)
	}
}

func TestOf(t *testing.T) {
	outs := []reconcile.Outcome{{ClientID: "a", Status: reconcile.Compliant}, {ClientID: "b", Status: reconcile.Drift}}
	b := outputs.Of(outs)
	if diff := diff.Diff(outs, b.Outcomes()); diff != "" || b.Retry || b.Items[0].Trigger != nil {
		t.Errorf("Of/Outcomes round trip (-want +got):\n%s", diff)
	}
}
