// Package remediate is the remediate function's handler: one CloudTrail
// event (or a manual {"userPoolId","clientId"} payload) in, one outcome out.
//
// What a retry can fix is returned as an error, so Lambda retries the event
// and, failing that, keeps it in the on-failure destination. What a retry
// cannot fix (not our event, the client is gone, Cognito rejected the fix)
// is an outcome with a reason. Malformed input is an error too: it is kept
// for a person to look at rather than dropped.
package remediate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/trigger"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Baselines supplies the current baseline.
type Baselines interface {
	Load(ctx context.Context) (*policy.Baseline, error)
}

// Reconciler brings one client to the baseline.
type Reconciler interface {
	Reconcile(ctx context.Context, b *policy.Baseline, ref reconcile.Ref) (reconcile.Outcome, error)
}

// Outputs takes every outcome (metrics, notifications); *outputs.Fanout
// has it.
type Outputs interface {
	Emit(ctx context.Context, b outputs.Batch)
}

// Handler handles one invocation. Outputs may be nil.
type Handler struct {
	Baselines  Baselines
	Reconciler Reconciler
	// ExpectedAccount, when set, skips events recorded in another account.
	ExpectedAccount string
	// ExecutionRoleARN (EXECUTION_ROLE_ARN, set by the template) recognises
	// the function's own updates when they come back as events: those never
	// write. Only the role CloudTrail records as the session issuer counts,
	// never the session name, which any caller can choose; empty matches
	// nothing.
	ExecutionRoleARN string
	// DryRun marks results that never reached the reconciler (skips,
	// input errors) as dry-run ones, for the metrics' Mode dimension.
	DryRun  bool
	Log     *slog.Logger
	Outputs Outputs
}

// Result is the function's JSON result: the client's outcome and what
// triggered it.
type Result struct {
	reconcile.Outcome
	Trigger *Trigger `json:"trigger,omitempty"`
}

// Trigger says which event a result answers.
type Trigger = outputs.Trigger

// InputError is an invocation payload that is not a usable event: it is
// kept (the invocation fails) for a person to look at. Lambda reports its
// type as the errorType "InputError".
type InputError struct{ Err error }

func (e *InputError) Error() string { return "invalid input: " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// BaselineError is a missing, unreadable or invalid baseline: nothing was
// written, and the event is kept for redrive once the baseline is fixed.
type BaselineError struct{ Err error }

func (e *BaselineError) Error() string { return "baseline unavailable: " + e.Err.Error() }
func (e *BaselineError) Unwrap() error { return e.Err }

// Handle handles one invocation: the result, or an error when the event
// must be kept (retried by Lambda, then sent to the on-failure queue).
func (h *Handler) Handle(ctx context.Context, raw []byte) (Result, error) {
	res, err := h.handle(ctx, raw)
	res.DryRun = res.DryRun || h.DryRun // skips too, for the metrics' Mode
	h.report(ctx, res, err)
	return res, err
}

// Invoke makes Handler a lambda.Handler: the payload arrives as raw bytes,
// so even input that is not JSON gets a clear InputError instead of the
// runtime's bare decoding error.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	res, err := h.Handle(ctx, payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

func (h *Handler) handle(ctx context.Context, raw []byte) (Result, error) {
	req, err := trigger.Parse(raw)
	var skip *trigger.SkipError
	switch {
	case errors.As(err, &skip):
		return Result{Outcome: reconcile.Outcome{Status: reconcile.Skipped, Reason: skip.Reason}}, nil
	case err != nil:
		ierr := &InputError{Err: err}
		return Result{Outcome: reconcile.Outcome{Status: reconcile.Failed, Reason: ierr.Error()}}, ierr
	}
	res := Result{
		Outcome: reconcile.Outcome{UserPoolID: req.UserPoolID, ClientID: req.ClientID},
		Trigger: &Trigger{Source: req.Source, EventName: req.EventName, EventID: req.EventID, EventTime: req.EventTime, Actor: req.Actor},
	}
	if h.ExpectedAccount != "" && req.Account != "" && req.Account != h.ExpectedAccount {
		res.Outcome.Status = reconcile.Skipped
		res.Reason = fmt.Sprintf("event from another account (%s); this function guards %s", req.Account, h.ExpectedAccount)
		return res, nil
	}

	b, err := h.Baselines.Load(ctx)
	if err != nil {
		// Fail closed: nothing is written without a valid baseline, and the
		// error keeps the event for redrive once the baseline is fixed.
		berr := &BaselineError{Err: err}
		res.Outcome.Status = reconcile.Failed
		res.Reason = berr.Error()
		return res, berr
	}
	ref := reconcile.Ref{UserPoolID: req.UserPoolID, ClientID: req.ClientID}
	if h.ownEvent(req) {
		// Our own update, coming back through CloudTrail. It normally finds
		// the client compliant; if it does not (Cognito kept something other
		// than what we sent), writing again could loop forever. Report it.
		ref.NoWrite = "this event is the function's own update"
	}
	out, err := h.Reconciler.Reconcile(ctx, b, ref)
	res.Outcome = out
	return res, err
}

// report hands the result to the outputs and logs it. An invocation that
// fails is marked Retry: it is counted, but only final outcomes reach
// people (each retry would notify again, and the failure queue it ends in
// is alarmed). Output failures are logged by the outputs, not returned:
// the client has already been handled.
//
// The log line names the event (eventId) and the caller (actor, CloudTrail's
// userIdentity.arn), so "who changed this client" is one Logs Insights query
// away. Free text (reason, error) goes through outputs.Printable.
func (h *Handler) report(ctx context.Context, res Result, err error) {
	if h.Outputs != nil {
		h.Outputs.Emit(ctx, outputs.Batch{Items: []outputs.Item{{Outcome: res.Outcome, Trigger: res.Trigger}}, Retry: err != nil})
	}
	attrs := []any{"outcome", string(res.Outcome.Status), "userPoolId", res.UserPoolID, "clientId", res.ClientID,
		"clientName", outputs.Printable(res.ClientName), "reason", outputs.Printable(res.Reason)}
	if tr := res.Trigger; tr != nil {
		attrs = append(attrs, "source", tr.Source, "eventName", tr.EventName, "eventId", tr.EventID, "eventTime", tr.EventTime, "actor", tr.Actor)
	}
	if err != nil {
		h.log().ErrorContext(ctx, "invocation failed; the event will be retried or kept", append(attrs, "error", outputs.Printable(err.Error()))...)
		return
	}
	h.log().InfoContext(ctx, "invocation done", attrs...)
}

// ownEvent reports whether the event records a call this function made: one
// signed with the function's execution role (see trigger.Request.MadeBy).
func (h *Handler) ownEvent(req trigger.Request) bool {
	return req.MadeBy(h.ExecutionRoleARN)
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// Own reports whether req is the function's own update coming back; the
// SQS batch handler uses it to prefer another writer's event for a client.
func (h *Handler) Own(req trigger.Request) bool { return h.ownEvent(req) }
