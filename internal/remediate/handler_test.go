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
	"strings"
	"testing"

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

type recorder struct{ got []reconcile.Outcome }

func (r *recorder) Record(o ...reconcile.Outcome) { r.got = append(r.got, o...) }
func (r *recorder) Flush() error                  { return nil }

type publisher struct {
	got []reconcile.Outcome
	err error
}

func (p *publisher) Publish(_ context.Context, o []reconcile.Outcome) error {
	p.got = append(p.got, o...)
	return p.err
}

const manual = `{"userPoolId":"us-east-1_EXAMPLE01","clientId":"6example0client0id0drift01"}`

func TestHandler(t *testing.T) {
	tests := []struct {
		name        string
		payload     string
		base        *baselines
		rec         *reconciler
		notifyErr   error
		want        reconcile.Status
		wantErrType any
		wantNotify  int
	}{
		{name: "remediated, notified; a failed notification does not fail the invocation",
			payload: manual, base: &baselines{b: &policy.Baseline{}}, rec: &reconciler{out: reconcile.Outcome{Status: reconcile.Remediated}},
			notifyErr: errors.New("eventbridge: boom"), want: reconcile.Remediated, wantNotify: 1},
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
			m, p := &recorder{}, &publisher{err: tt.notifyErr}
			var logs strings.Builder
			h := &Handler{Baselines: tt.base, Reconciler: tt.rec, Metrics: m, Notify: p, DryRun: true,
				Log: slog.New(slog.NewJSONHandler(&logs, nil))}
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
			if len(p.got) != 2*tt.wantNotify { // Invoke and Handle each publish
				t.Errorf("%d notifications, want %d", len(p.got), 2*tt.wantNotify)
			}
			if len(m.got) != 2 || !m.got[0].DryRun {
				t.Errorf("metrics recorded %d outcomes (dry run %v), want 2 marked dry run", len(m.got), len(m.got) > 0 && m.got[0].DryRun)
			}
			if tt.notifyErr != nil && !strings.Contains(logs.String(), "notification not sent") {
				t.Errorf("the failed notification was not logged")
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
