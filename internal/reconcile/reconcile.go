package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Ref names one app client. It is all a reconcile needs: the state comes
// from Cognito, never from the event that pointed at it.
type Ref struct {
	UserPoolID string
	ClientID   string
	// NoWrite, when set, says why this reconcile must not write even if
	// the run enforces: it evaluates and reports drift only.
	NoWrite string
}

// Clients is what a reconcile needs from Cognito; *appclient.Client has it.
type Clients interface {
	Describe(ctx context.Context, userPoolID, clientID string) (*types.UserPoolClientType, error)
	Update(ctx context.Context, fixed *types.UserPoolClientType) (*types.UserPoolClientType, error)
}

// Reconciler brings one client to its baseline. Remediate and audit share it
// and differ only in DryRun.
type Reconciler struct {
	Clients Clients
	// DryRun reports what would be written and writes nothing.
	DryRun bool
	// Now is the clock exemptions are judged by; time.Now when nil.
	Now func() time.Time
	// Log receives one line per decision; slog.Default() when nil.
	Log *slog.Logger
}

// Reconcile describes the client, evaluates it against b and, when the
// baseline enforces a fixable change and this is not a dry run, writes one
// full-field update and describes the client again to confirm it.
//
// The error is non-nil only when a retry can help (throttling, 5xx,
// concurrent modification after the SDK's own retries): the caller should
// let the invocation fail so the event is kept. A missing client is Skipped
// and a rejected update is Failed, both with a nil error.
func (r *Reconciler) Reconcile(ctx context.Context, b *policy.Baseline, ref Ref) (Outcome, error) {
	out := Outcome{UserPoolID: ref.UserPoolID, ClientID: ref.ClientID, DryRun: r.DryRun}
	out, err := r.reconcile(ctx, b, ref, out)
	r.log().LogAttrs(ctx, levelOf(out), "reconciled",
		slog.String("userPoolId", out.UserPoolID),
		slog.String("clientId", out.ClientID),
		slog.String("clientName", out.ClientName),
		slog.String("outcome", string(out.Status)),
		slog.Bool("dryRun", out.DryRun),
		slog.Int("findings", len(out.Findings)),
		slog.Any("rules", ruleIDs(out.Findings)),
		slog.Any("changed", changedFields(out.Changes)),
		slog.String("reason", out.Reason),
		slog.Any("expiredExemptions", out.ExpiredExemptions),
	)
	return out, err
}

// conflictAttempts bounds how often a reconcile starts again from a fresh
// describe after ConcurrentModificationException.
const conflictAttempts = 3

// reconcile runs once, and again from a fresh describe when the update met
// ConcurrentModificationException: someone else was changing the client,
// so resending the same full-field update would overwrite their change.
func (r *Reconciler) reconcile(ctx context.Context, b *policy.Baseline, ref Ref, start Outcome) (Outcome, error) {
	for attempt := 1; ; attempt++ {
		out, err := r.once(ctx, b, ref, start)
		var conflict *types.ConcurrentModificationException
		if err == nil || !errors.As(err, &conflict) || attempt == conflictAttempts {
			return out, err
		}
		select {
		case <-ctx.Done():
			return out, err
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
}

func (r *Reconciler) once(ctx context.Context, b *policy.Baseline, ref Ref, out Outcome) (Outcome, error) {
	client, err := r.Clients.Describe(ctx, ref.UserPoolID, ref.ClientID)
	if err != nil {
		return failed(out, "describe", err, "")
	}
	secret := aws.ToString(client.ClientSecret)
	out.ClientName = aws.ToString(client.ClientName)

	res := policy.Evaluate(b, client, r.now())
	out.Findings = res.Findings
	out.Exempted = res.Exempted
	out.Exemptions = res.Exemptions
	out.ExpiredExemptions = res.Expired

	unfixable := countUnfixable(res.Findings)
	if res.Fixed == nil {
		out.Status, out.Reason = standing(res, unfixable)
		return out, nil
	}
	out.Changes = res.Changes
	if r.DryRun || ref.NoWrite != "" {
		out.Status = Drift
		out.Reason = fmt.Sprintf("dry run: would remediate %s", strings.Join(changedFields(res.Changes), ", "))
		if ref.NoWrite != "" {
			out.Reason = fmt.Sprintf("not written (%s): would remediate %s", ref.NoWrite, strings.Join(changedFields(res.Changes), ", "))
		}
		if unfixable > 0 {
			out.Status = Unfixable
			out.Reason += fmt.Sprintf("; %d finding(s) cannot be fixed automatically", unfixable)
		}
		return out, nil
	}

	if _, err := r.Clients.Update(ctx, res.Fixed); err != nil {
		out.Changes = nil // nothing was written
		return failed(out, "update", err, secret)
	}

	// Confirm against what Cognito now holds, not what was sent: another
	// writer may have raced us between the describe and the update.
	after, err := r.Clients.Describe(ctx, ref.UserPoolID, ref.ClientID)
	if err != nil {
		// The write happened: report it as such, not as an error. A retry
		// would find the client compliant and the remediation would never
		// be reported; the update's own event re-checks the client anyway.
		out.Status = Remediated
		out.Reason = scrub("remediated "+strings.Join(changedFields(res.Changes), ", ")+
			" (not verified: the describe after the update failed: "+err.Error()+")", secret)
		return out, nil
	}
	check := policy.Evaluate(b, after, r.now())
	if left := fixableEnforced(check.Findings); len(left) > 0 {
		// Terminal on purpose: another write would most likely end the same
		// way, and a concurrent writer's own event brings us back anyway.
		out.Status = Failed
		out.Findings = check.Findings
		out.Reason = "update sent but drift remains: " + strings.Join(left, ", ")
		return out, nil
	}
	out.Status = Remediated
	out.Reason = "remediated " + strings.Join(changedFields(res.Changes), ", ")
	if unfixable > 0 {
		out.Status = Unfixable
		out.Reason += fmt.Sprintf("; %d finding(s) cannot be fixed automatically", unfixable)
	}
	return out, nil
}

// standing classifies a client that needs no write.
func standing(res policy.Result, unfixable int) (Status, string) {
	switch {
	case unfixable > 0:
		return Unfixable, fmt.Sprintf("%d finding(s) cannot be fixed automatically", unfixable)
	case len(res.Findings) > 0:
		return Drift, "drift reported only (action: report)"
	case len(res.Exempted) > 0:
		return Exempt, "findings only on exempted fields"
	default:
		return Compliant, ""
	}
}

// failed turns a Cognito error into an outcome: a vanished client is
// skipped, a rejected call is terminal, anything a retry can help is
// returned as an error as well so the event is kept.
func failed(out Outcome, op string, err error, secret string) (Outcome, error) {
	switch appclient.Classify(err) {
	case appclient.NotFound:
		out.Status = Skipped
		out.Reason = "client no longer exists"
		return out, nil
	case appclient.Terminal:
		out.Status = Failed
		out.Reason = scrub(op+" rejected: "+err.Error(), secret)
		return out, nil
	default:
		out.Status = Failed
		out.Reason = scrub(op+" failed, will be retried: "+err.Error(), secret)
		return out, &RetryableError{msg: fmt.Sprintf("%s %s/%s: %s", op, out.UserPoolID, out.ClientID, out.Reason), Err: err}
	}
}

// RetryableError is the only error Reconcile returns: the reconcile could
// not finish for a reason a later attempt can overcome (throttling, 5xx,
// another writer's concurrent change after the bounded restarts). Callers
// keep the event (fail the invocation, report a batch item failure, leave
// the client in the audit's cursor). Everything a retry cannot help
// (client gone, update rejected, unfixable drift) is an Outcome with a nil
// error, the way controller-runtime separates TerminalError from a retry.
//
// Error() is scrubbed of the client secret; Unwrap gives the SDK error so
// callers can still classify it with errors.As.
type RetryableError struct {
	msg string
	// Err is the underlying (SDK) error.
	Err error
}

func (e *RetryableError) Error() string { return e.msg }
func (e *RetryableError) Unwrap() error { return e.Err }

// IsRetryable reports whether err (from Reconcile) means "keep the event".
func IsRetryable(err error) bool {
	var r *RetryableError
	return errors.As(err, &r)
}

// scrub removes the client secret from text that came back from AWS. We
// never send the secret, and appclient never hands it out (it returns
// RedactedSecret); this covers other Clients implementations.
func scrub(s, secret string) string {
	if secret == "" || secret == appclient.RedactedSecret {
		return s // appclient already withheld the value
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}

func countUnfixable(fs []policy.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Action == policy.Enforce && !f.Fixable {
			n++
		}
	}
	return n
}

func fixableEnforced(fs []policy.Finding) []string {
	var rules []string
	for _, f := range fs {
		if f.Action == policy.Enforce && f.Fixable {
			rules = append(rules, f.Rule)
		}
	}
	return rules
}

func ruleIDs(fs []policy.Finding) []string {
	ids := make([]string, 0, len(fs))
	for _, f := range fs {
		ids = append(ids, f.Rule)
	}
	return ids
}

func changedFields(cs []policy.Change) []string {
	fields := make([]string, 0, len(cs))
	for _, c := range cs {
		fields = append(fields, c.Field)
	}
	return fields
}

func levelOf(o Outcome) slog.Level {
	switch o.Status {
	case Failed:
		return slog.LevelError
	case Unfixable, Drift, Remediated:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reconciler) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}
