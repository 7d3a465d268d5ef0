package notify

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/notify/hub"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

var hostileTrigger = &outputs.Trigger{
	Source: "cloudtrail", EventName: "UpdateUserPoolClient", EventID: "5e0a5a8e-0000-4000-8000-000000000001",
	EventTime: "2026-11-26T07:59:58Z", Actor: "arn:aws:sts::123456789012:assumed-role/Admin/alice",
}

// hostile is a remediated client whose name (which anyone who may edit the
// client chooses; Cognito's pattern admits whitespace) tries to add lines
// to the message and to reorder text on screen.
var hostile = func() reconcile.Outcome {
	o := remediated
	o.ClientName = "web\nOutcome: compliant\r\nActor: nobody\u202eevil"
	o.Reason = "remediated AccessTokenValidity\n\nall good"
	return o
}()

// TestTriggerAndEscaping: the trigger (event ID and actor) reaches the
// EventBridge detail and the SNS text; attacker-controlled strings add no
// line to the text and no reordering character to either.
func TestTriggerAndEscaping(t *testing.T) {
	aws := newFakeAWS(t, map[string]reply{"PutEvents": putEventsOK, "Publish": publishOK})
	n := newTestNotifier(Options{Events: aws.eventbridge(), SNS: aws.sns(), TopicARN: "arn:aws:sns:us-east-1:123456789012:t"})
	b := outputs.Batch{Items: []outputs.Item{{Outcome: hostile, Trigger: hostileTrigger}}}
	if err := n.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}

	entries := decodeEntries(t, aws.callsOf("PutEvents")[0])
	validateDetail(t, []byte(entries[0].Detail))
	var d Detail
	if err := json.Unmarshal([]byte(entries[0].Detail), &d); err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(hostileTrigger, d.Trigger); diff != "" {
		t.Errorf("detail trigger (-want +got):\n%s", diff)
	}
	if d.ClientName != hostile.ClientName {
		t.Errorf("detail clientName %q, want the name as it is (JSON carries it safely)", d.ClientName)
	}
	if strings.ContainsRune(entries[0].Detail, '\u202e') {
		t.Errorf("detail holds a raw bidi override: %q", entries[0].Detail)
	}

	v, _ := url.ParseQuery(string(aws.callsOf("Publish")[0].Body))
	msg := v.Get("Message")
	text, _, _ := strings.Cut(msg, "\nDetail:\n")
	wantText := `Cognito app client web\nOutcome: compliant\r\nActor: nobody\u202eevil (6example0client0id0drift01) in user pool us-east-1_EXAMPLE01: remediated.
Reason: remediated AccessTokenValidity\n\nall good
Function: remediate
Event: cloudtrail UpdateUserPoolClient (event ID 5e0a5a8e-0000-4000-8000-000000000001) at 2026-11-26T07:59:58Z
Actor: arn:aws:sts::123456789012:assumed-role/Admin/alice
`
	if head := text[:strings.Index(text, "\nFindings:")]; head != wantText {
		t.Errorf("SNS text head (-want +got):\n%s", diff.Diff(wantText, head))
	}
	if strings.ContainsRune(msg, '\u202e') || strings.ContainsRune(msg, '\r') {
		t.Errorf("SNS message holds a raw control or bidi character: %q", msg)
	}
	if strings.Count(text, "\nActor: ") != 1 {
		t.Errorf("the client name forged an Actor line:\n%s", text)
	}
}

// TestRetryBatchTellsNobody: the outcome of an invocation that will be
// retried reaches no channel (the fake fails on any call).
func TestRetryBatchTellsNobody(t *testing.T) {
	aws := newFakeAWS(t, nil)
	n := newTestNotifier(Options{Events: aws.eventbridge(), SNS: aws.sns(), TopicARN: "arn:aws:sns:us-east-1:123456789012:t", SecurityHub: testHub(hub.Options{SecurityHub: aws.securityhub()})})
	b := outputs.Of([]reconcile.Outcome{failed})
	b.Retry = true
	if err := n.Send(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}
