package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

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
//
// Describe may return the client together with an
// *appclient.UnknownMembersError: the client is evaluated and reported but
// never written.
type Clients interface {
	Describe(ctx context.Context, userPoolID, clientID string) (*types.UserPoolClientType, error)
	Update(ctx context.Context, fixed *types.UserPoolClientType) (*types.UserPoolClientType, error)
}

// PoolReader reads what a user pool defines for its clients to refer to;
// *appclient.Client has it. A reconcile uses it, through Clients, only when
// a fix adds a custom scope, an identity provider or a read/write attribute.
// When Clients does not implement it, such an add is not sent.
type PoolReader interface {
	ResourceServerScopes(ctx context.Context, userPoolID string) ([]string, error)
	IdentityProviders(ctx context.Context, userPoolID string) ([]string, error)
	SchemaAttributes(ctx context.Context, userPoolID string) ([]string, error)
}

// Baselines tells a reconcile, right before it writes, whether the baseline
// it evaluated with is still the current one; *baseline.Loader has it.
type Baselines interface {
	// Current reads the baseline's version now (one SSM call) and returns
	// the current baseline, the same pointer while the version is unchanged.
	Current(ctx context.Context) (*policy.Baseline, int64, error)
	// Version is the version b was loaded from, 0 if unknown.
	Version(b *policy.Baseline) int64
}

// DefaultWriteMargin is the time a write needs before the invocation's
// deadline: the pre-write describe, the update and the confirming describe,
// each with the SDK's retries.
const DefaultWriteMargin = 5 * time.Second

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
	// Baselines, when set, is asked before every write whether the
	// baseline passed to Reconcile is still current; a newer one is
	// evaluated afresh. It also gives each outcome its baselineVersion.
	Baselines Baselines
	// WriteMargin: no write starts when less than this remains before the
	// context's deadline; the event is kept instead. DefaultWriteMargin
	// when zero.
	WriteMargin time.Duration
	// Backoff is the pause before starting again from a fresh describe
	// after the client changed under us; attempt*200ms when nil.
	Backoff func(attempt int) time.Duration
}

// Reconcile describes the client, evaluates it against b and, when the
// baseline enforces a fixable change and this is not a dry run, writes one
// full-field update and describes the client again to confirm it.
//
// Right before the update it checks that there is time to confirm the
// write, that b is still the current baseline, and, with a second
// describe, that nobody changed the client since the describe the fix was
// computed from; when something moved it starts again from the new state.
//
// The error is non-nil only when a retry can help (throttling, 5xx, a
// client that kept changing, too little time left): the caller should
// let the invocation fail so the event is kept. A missing client is Skipped
// and a rejected update is Failed or Unfixable, all with a nil error.
func (r *Reconciler) Reconcile(ctx context.Context, b *policy.Baseline, ref Ref) (Outcome, error) {
	out := Outcome{UserPoolID: ref.UserPoolID, ClientID: ref.ClientID, DryRun: r.DryRun}
	out, err := r.reconcile(ctx, b, ref, out)
	r.log().LogAttrs(ctx, levelOf(out), "reconciled",
		slog.String("userPoolId", out.UserPoolID),
		slog.String("clientId", out.ClientID),
		slog.String("clientName", out.ClientName),
		slog.String("outcome", string(out.Status)),
		slog.Bool("dryRun", out.DryRun),
		slog.Int64("baselineVersion", out.BaselineVersion),
		slog.Int("findings", len(out.Findings)),
		slog.Any("rules", ruleIDs(out.Findings)),
		slog.Any("changed", changedFields(out.Changes)),
		slog.Any("unknownMembers", out.UnknownMembers),
		slog.Int("restarts", out.Restarts),
		slog.String("reason", out.Reason),
		slog.Any("expiredExemptions", out.ExpiredExemptions),
	)
	return out, err
}

// conflictAttempts bounds how often a reconcile starts from a fresh
// describe: after ConcurrentModificationException, when the client moved
// between the describe and the pre-write describe, or when the baseline
// changed.
const conflictAttempts = 3

// restart says that the state a fix was computed from is no longer the
// current one: start again from a fresh describe (and baseline).
type restart struct {
	reason string
	cause  error // the SDK error, if any
	// baseline is the newer baseline to evaluate with, if it changed.
	baseline *policy.Baseline
	// backoff: another writer is at work; pause before describing again.
	backoff bool
}

func (e *restart) Error() string { return e.reason }

// reconcile runs once, and again from a fresh describe while the state the
// fix was computed from turns out to be stale: resending a full-field
// update built from an older describe would overwrite another writer's
// change.
func (r *Reconciler) reconcile(ctx context.Context, b *policy.Baseline, ref Ref, start Outcome) (Outcome, error) {
	ctx = withPools(ctx)
	began := time.Now() // restarts do not widen the write margin's third (writeMargin)
	var (
		out Outcome
		rs  *restart
	)
	for attempt := 1; ; attempt++ {
		var err error
		out, err = r.once(ctx, b, ref, start, began)
		out.Restarts = attempt - 1
		if !errors.As(err, &rs) {
			return out, err
		}
		if rs.baseline != nil {
			b = rs.baseline
		}
		if attempt == conflictAttempts {
			break
		}
		if rs.backoff {
			if err := r.pause(ctx, attempt); err != nil {
				break
			}
		}
	}
	out.Status = Failed
	out.Changes = nil // nothing was written
	out.Reason = fmt.Sprintf("not written: %s, %d times; will be retried", rs.reason, conflictAttempts)
	cause := rs.cause
	if cause == nil {
		cause = rs
	}
	return out, &RetryableError{msg: fmt.Sprintf("reconcile %s/%s: %s", out.UserPoolID, out.ClientID, out.Reason), Err: cause}
}

func (r *Reconciler) once(ctx context.Context, b *policy.Baseline, ref Ref, out Outcome, began time.Time) (Outcome, error) {
	client, err := r.Clients.Describe(ctx, ref.UserPoolID, ref.ClientID)
	var unknown *appclient.UnknownMembersError
	if errors.As(err, &unknown) && client != nil {
		out.UnknownMembers, err = unknown.Members, nil
	}
	if err != nil {
		return failed(out, "describe", err, "")
	}
	secret := aws.ToString(client.ClientSecret)
	out.ClientName = aws.ToString(client.ClientName)
	out.BaselineVersion = r.version(b)
	res := policy.Evaluate(b, client, r.now())
	out.Findings = res.Findings
	out.Exempted = res.Exempted
	out.Exemptions = res.Exemptions
	out.Overrides = res.Overrides
	out.ExpiredExemptions = res.Expired
	unfixable := countUnfixable(res.Findings)
	if res.Fixed == nil {
		out.Status, out.Reason = standing(res, unfixable)
		return out, nil
	}
	if unknown != nil {
		// The update would reset what the SDK dropped: write nothing.
		out.Status = Unfixable
		out.Reason = scrub("not written: "+unknown.Error()+"; would remediate "+strings.Join(changedFields(res.Changes), ", "), secret)
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

	p := &plan{basis: client, fixed: res.Fixed, changes: res.Changes, findings: out.Findings, withheld: map[string]string{}}
	if err := r.checkPool(ctx, ref.UserPoolID, p); err != nil {
		out.Changes = nil
		return failed(out, "pool check", err, secret)
	}
	out.Changes = p.changes
	if len(p.changes) == 0 {
		out.Status = Unfixable
		out.Reason = fmt.Sprintf("nothing written: %d finding(s) cannot be fixed automatically", countUnfixable(out.Findings))
		return out, nil
	}

	if err := r.guard(ctx, b, ref, began, p.basis, &out, secret); err != nil {
		return out, final(err)
	}
	_, err = r.Clients.Update(ctx, p.fixed)
	if err != nil && appclient.RejectedContent(err) {
		// One rejected element sinks a full-field update: send once more
		// only the fixes that cannot refer to anything outside the client.
		msg := scrub(err.Error(), secret)
		reduced := selfContained(p.basis, p.fixed, p.changes)
		if len(reduced.withheld) == 0 || len(reduced.kept) == 0 {
			if len(reduced.withheld) > 0 {
				p.withhold(reduced.withheld, "Cognito rejected the update: "+msg)
				out.Changes = nil
				out.Status = Unfixable
				out.Reason = "nothing written: Cognito rejected the update and no fix stands without the rejected ones: " + msg
				return out, nil
			}
			out.Changes = nil
			return failed(out, "update", err, secret)
		}
		p.withhold(reduced.withheld, "Cognito rejected the update: "+msg)
		p.fixed, p.changes = reduced.fixed, reduced.kept
		out.Changes = p.changes
		if err := r.guard(ctx, b, ref, began, p.basis, &out, secret); err != nil {
			return out, final(err)
		}
		_, err = r.Clients.Update(ctx, p.fixed)
	}
	if err != nil {
		var conflict *types.ConcurrentModificationException
		if errors.As(err, &conflict) {
			return out, &restart{reason: "another writer was changing the client (ConcurrentModificationException)", cause: err, backoff: true}
		}
		if appclient.Classify(err) == appclient.Retryable {
			// Throttled, a 5xx or a network failure: the adapter sends an
			// update once, never resent as it was (it is a full-field
			// replace from the describe above). Start again from a fresh
			// describe, which also sees a write that did land before a 5xx.
			return out, &restart{reason: scrub("Cognito did not take the update ("+errorCode(err)+")", secret), cause: err, backoff: true}
		}
		out.Changes = nil // nothing was written
		return failed(out, "update", err, secret)
	}
	// Confirm against what Cognito now holds, not what was sent: another
	// writer may have raced us between the pre-write describe and the update.
	after, err := r.Clients.Describe(ctx, ref.UserPoolID, ref.ClientID)
	if err != nil && !errors.As(err, &unknown) {
		// The write happened: report it as such, not as an error. A retry
		// would find the client compliant and the remediation would never
		// be reported; the update's own event re-checks the client anyway.
		out.Status = Remediated
		out.Reason = scrub("remediated "+strings.Join(changedFields(p.changes), ", ")+
			" (not verified: the describe after the update failed: "+err.Error()+")", secret)
		return out, nil
	}
	check := policy.Evaluate(b, after, r.now())
	if left := p.unwithheld(fixableEnforced(check.Findings)); len(left) > 0 {
		// Terminal on purpose: another write would most likely end the same
		// way, and a concurrent writer's own event brings us back anyway.
		out.Status = Failed
		out.Findings = check.Findings
		out.Reason = "update sent but drift remains: " + strings.Join(left, ", ")
		return out, nil
	}
	out.Status = Remediated
	out.Reason = "remediated " + strings.Join(changedFields(p.changes), ", ")
	if n := countUnfixable(out.Findings); n > 0 {
		out.Status = Unfixable
		out.Reason += fmt.Sprintf("; %d finding(s) cannot be fixed automatically", n)
		if len(p.rejected) > 0 {
			out.Reason += "; " + p.rejected
		}
	}
	return out, nil
}

// guard runs right before each update. It returns a *restart when the
// write must be computed again (the baseline or the client moved), a
// *RetryableError when it must not start now (too little time left, a
// read failed), errStop when the outcome is final (the client is gone),
// and fills out accordingly; nil means write now.
func (r *Reconciler) guard(ctx context.Context, b *policy.Baseline, ref Ref, began time.Time, basis *types.UserPoolClientType, out *Outcome, secret string) error {
	if dl, ok := ctx.Deadline(); ok {
		if left, margin := time.Until(dl), r.writeMargin(dl.Sub(began)); left < margin {
			out.Status = Failed
			out.Changes = nil
			out.Reason = fmt.Sprintf("not written: %s left before the deadline, a write needs %s to be confirmed; will be retried",
				left.Round(time.Millisecond), margin.Round(time.Millisecond))
			return &RetryableError{msg: fmt.Sprintf("reconcile %s/%s: %s", ref.UserPoolID, ref.ClientID, out.Reason), Err: context.DeadlineExceeded}
		}
	}
	if r.Baselines != nil {
		cur, v, err := r.Baselines.Current(ctx)
		if err != nil {
			out.Status = Failed
			out.Changes = nil
			out.Reason = "not written: the baseline version could not be checked; will be retried: " + err.Error()
			return &RetryableError{msg: fmt.Sprintf("reconcile %s/%s: %s", ref.UserPoolID, ref.ClientID, out.Reason), Err: err}
		}
		if cur != b {
			return &restart{reason: fmt.Sprintf("the baseline changed (now version %d)", v), baseline: cur}
		}
	}
	now, err := r.Clients.Describe(ctx, ref.UserPoolID, ref.ClientID)
	var unknown *appclient.UnknownMembersError
	switch {
	case errors.As(err, &unknown):
		return &restart{reason: "the client gained settings this build does not know"}
	case err != nil:
		out.Changes = nil
		var ferr error
		*out, ferr = failed(*out, "describe before update", err, secret)
		if ferr == nil {
			ferr = errStop // gone or refused: final, nothing to retry
		}
		return ferr
	case moved(basis, now):
		return &restart{reason: "the client changed after it was described", backoff: true}
	}
	return nil
}

// errStop is guard's "do not write, the outcome is final".
var errStop = errors.New("stop")

// final maps guard's errStop to the nil error of a final outcome.
func final(err error) error {
	if err == errStop {
		return nil
	}
	return err
}

// moved reports whether the client changed between two describes: its
// LastModifiedDate, or any setting an update carries (lists compared as
// sets: Cognito does not keep their order).
func moved(before, now *types.UserPoolClientType) bool {
	if !aws.ToTime(before.LastModifiedDate).Equal(aws.ToTime(now.LastModifiedDate)) {
		return true
	}
	return !reflect.DeepEqual(settable(before), settable(now))
}

func settable(c *types.UserPoolClientType) *cip.UpdateUserPoolClientInput {
	in := appclient.UpdateInput(c) // a deep copy: sorting it is safe
	v := reflect.ValueOf(in).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String && f.CanSet() {
			sort.Slice(f.Interface(), func(a, b int) bool { return f.Index(a).String() < f.Index(b).String() })
		}
	}
	return in
}

func (r *Reconciler) pause(ctx context.Context, attempt int) error {
	d := time.Duration(attempt) * 200 * time.Millisecond
	if r.Backoff != nil {
		d = r.Backoff(attempt)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// writeMargin is the time a write must have before the deadline, for a
// reconcile that had total from its start to the deadline: WriteMargin when
// set; else DefaultWriteMargin, but at most a third of total. Without that
// cap a function given a timeout of 5 s or less (SAM's default is 3 s) would
// refuse every write and keep every event, though its paced pre-write
// describe, update and confirming describe take about 2 s; at the
// template's 30 s the cap changes nothing.
func (r *Reconciler) writeMargin(total time.Duration) time.Duration {
	if r.WriteMargin > 0 {
		return r.WriteMargin
	}
	return min(DefaultWriteMargin, total/3)
}

func (r *Reconciler) version(b *policy.Baseline) int64 {
	if r.Baselines == nil {
		return 0
	}
	return r.Baselines.Version(b)
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

// errorCode names an SDK error by its API code, or says it had none (a
// network failure, a deadline). Never the error's text: Cognito's messages
// can quote what was sent, the client secret included.
func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return "no response" // a network failure or a deadline; the text may quote the request
}
