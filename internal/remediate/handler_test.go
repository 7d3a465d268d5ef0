package remediate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

type baselines struct {
	b   *policy.Baseline
	err error
	n   int
}

func (f *baselines) Load(context.Context) (*policy.Baseline, error) { f.n++; return f.b, f.err }

// reconciler answers with a fixed outcome and panics if called when it
// should not be.
type reconciler struct {
	out   reconcile.Outcome
	err   error
	calls []reconcile.Ref
	never bool
}

func (f *reconciler) Reconcile(_ context.Context, _ *policy.Baseline, ref reconcile.Ref) (reconcile.Outcome, error) {
	if f.never {
		panic("unexpected Reconcile")
	}
	f.calls = append(f.calls, ref)
	f.out.UserPoolID, f.out.ClientID = ref.UserPoolID, ref.ClientID
	return f.out, f.err
}

// emitted records the batches handed to the outputs.
type emitted struct{ got []outputs.Batch }

func (e *emitted) Emit(_ context.Context, b outputs.Batch) { e.got = append(e.got, b) }

const manual = `{"userPoolId":"us-east-1_EXAMPLE01","clientId":"6example0client0id0drift01"}`

func TestHandler(t *testing.T) {
	tests := []struct {
		name        string
		payload     string
		base        *baselines
		rec         *reconciler
		want        reconcile.Status
		wantErrType any
	}{
		{name: "remediated", payload: manual, base: &baselines{b: &policy.Baseline{}}, rec: &reconciler{out: reconcile.Outcome{Status: reconcile.Remediated}},
			want: reconcile.Remediated},
		{name: "not ours: skipped without loading the baseline", payload: `{"source":"aws.s3","detail-type":"AWS API Call via CloudTrail","detail":{}}`,
			base: &baselines{err: errors.New("must not be loaded")}, rec: &reconciler{never: true}, want: reconcile.Skipped},
		{name: "malformed: InputError", payload: `{"userPoolId":`, base: &baselines{}, rec: &reconciler{never: true},
			want: reconcile.Failed, wantErrType: new(*InputError)},
		{name: "baseline broken: BaselineError, nothing reconciled", payload: manual, base: &baselines{err: errors.New("rules.X: unknown field")},
			rec: &reconciler{never: true}, want: reconcile.Failed, wantErrType: new(*BaselineError)},
		{name: "retryable reconcile error is returned", payload: manual, base: &baselines{b: &policy.Baseline{}},
			rec:  &reconciler{out: reconcile.Outcome{Status: reconcile.Failed}, err: errors.New("describe: throttled")},
			want: reconcile.Failed, wantErrType: new(error)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &emitted{}
			h := &Handler{Baselines: tt.base, Reconciler: tt.rec, Outputs: out, DryRun: true,
				Log: slog.New(slog.DiscardHandler)}
			body, err := h.Invoke(context.Background(), []byte(tt.payload))
			res, _ := h.Handle(context.Background(), []byte(tt.payload)) // same input, the result value
			if res.Outcome.Status != tt.want {
				t.Errorf("outcome %q (%s), want %q", res.Outcome.Status, res.Reason, tt.want)
			}
			switch {
			case tt.wantErrType == nil && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.wantErrType != nil && (err == nil || !errors.As(err, tt.wantErrType)):
				t.Fatalf("error %v (%T), want %T", err, err, tt.wantErrType)
			case err == nil:
				var decoded Result
				if jerr := json.Unmarshal(body, &decoded); jerr != nil || decoded.Outcome.Status != tt.want {
					t.Errorf("Invoke body %s does not hold the outcome", body)
				}
			}
			// Invoke and Handle each emit one batch of one outcome, marked
			// dry run, and Retry exactly when the invocation fails.
			if len(out.got) != 2 {
				t.Fatalf("%d batches emitted, want 2", len(out.got))
			}
			for _, b := range out.got {
				if len(b.Items) != 1 || b.Items[0].Status != tt.want || !b.Items[0].DryRun || b.Retry != (err != nil) {
					t.Errorf("batch %+v, want one %s outcome marked dry run, Retry %v", b, tt.want, err != nil)
				}
			}
		})
	}
}

// TestOwnEventNeverWrites: the function's own update comes back through
// CloudTrail with the execution role as session issuer; it is evaluated
// with NoWrite set, so no loop is possible even if Cognito
// kept something other than what was sent.
func TestOwnEventNeverWrites(t *testing.T) {
	event, err := os.ReadFile(filepath.Join("..", "..", "events", "update-user-pool-client.json"))
	if err != nil {
		t.Fatal(err)
	}
	human := "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_5f1c2a9e8d7b6c4a/jane.doe@example.com"
	humanRole := "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_5f1c2a9e8d7b6c4a"
	ownRole := "arn:aws:iam::123456789012:role/cognito-guard-RemediateFunctionRole-1A2B3C"
	own := "arn:aws:sts::123456789012:assumed-role/cognito-guard-RemediateFunctionRole-1A2B3C/cognito-guard-RemediateFunction-9Z8Y"
	// Anyone who may assume some role can name the session after the function.
	spoofed := "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_5f1c2a9e8d7b6c4a/cognito-guard-RemediateFunction-9Z8Y"
	if !bytes.Contains(event, []byte(human)) || !bytes.Contains(event, []byte(humanRole)) {
		t.Fatal("sample event changed: update the caller ARNs here")
	}
	for _, tc := range []struct {
		name, actor, issuer string
		wantNoWrite         bool
	}{
		{"a person's change is enforced", human, humanRole, false},
		{"the function's own update is not written again", own, ownRole, true},
		{"a session named after the function is not the function", spoofed, humanRole, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &reconciler{out: reconcile.Outcome{Status: reconcile.Compliant}}
			h := &Handler{Baselines: &baselines{b: &policy.Baseline{}}, Reconciler: rec,
				ExecutionRoleARN: ownRole, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			in := bytes.ReplaceAll(event, []byte(human), []byte(tc.actor))
			in = bytes.ReplaceAll(in, []byte(`"arn": "`+humanRole+`"`), []byte(`"arn": "`+tc.issuer+`"`))
			if _, err := h.Handle(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			if len(rec.calls) != 1 || (rec.calls[0].NoWrite != "") != tc.wantNoWrite {
				t.Errorf("reconcile calls %+v, want one with NoWrite set: %v", rec.calls, tc.wantNoWrite)
			}
		})
	}
}

// TestOutcomeNamesEventAndActor: the outcome's log line and the batch for
// the notifications carry the event ID and the caller (README: "who made
// the change" is trigger.actor), and a client name that tries to forge log
// text is escaped.
func TestOutcomeNamesEventAndActor(t *testing.T) {
	event, err := os.ReadFile(filepath.Join("..", "..", "events", "update-user-pool-client.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Detail struct {
			EventID      string `json:"eventID"`
			UserIdentity struct {
				Arn string `json:"arn"`
			} `json:"userIdentity"`
		} `json:"detail"`
	}
	if err := json.Unmarshal(event, &ev); err != nil || ev.Detail.EventID == "" || ev.Detail.UserIdentity.Arn == "" {
		t.Fatalf("sample event without eventID or caller: %v", err)
	}
	var logs bytes.Buffer
	out := &emitted{}
	rec := &reconciler{out: reconcile.Outcome{Status: reconcile.Remediated, ClientName: "web\u202e\nforged", Reason: "remediated\nOK"}}
	h := &Handler{Baselines: &baselines{b: &policy.Baseline{}}, Reconciler: rec, Outputs: out, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	if _, err := h.Handle(context.Background(), event); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log %s: %v", logs.Bytes(), err)
	}
	for k, want := range map[string]string{"eventId": ev.Detail.EventID, "actor": ev.Detail.UserIdentity.Arn, "outcome": "remediated",
		"clientName": `web\u202e\nforged`, "reason": `remediated\nOK`} {
		if line[k] != want {
			t.Errorf("log %s = %v, want %q", k, line[k], want)
		}
	}
	if len(out.got) != 1 || out.got[0].Items[0].Trigger == nil {
		t.Fatalf("batches %+v, want one with the trigger", out.got)
	}
	if tr := out.got[0].Items[0].Trigger; tr.EventID != ev.Detail.EventID || tr.Actor != ev.Detail.UserIdentity.Arn {
		t.Errorf("batch trigger %+v, want event %s by %s", tr, ev.Detail.EventID, ev.Detail.UserIdentity.Arn)
	}
}
