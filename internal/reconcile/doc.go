// Package reconcile is the one code path both functions run for a client:
// describe it, evaluate it against the baseline, write one full-field
// update when the baseline enforces a fixable change and the run is not a
// dry run, then describe it again and confirm.
//
// It is level-based in the controller-runtime sense: it never looks at what
// triggered it, only at what Cognito holds now, so a duplicate, late or
// self-caused event converges to "compliant" and writes nothing.
//
// # Safe writes
//
// Cognito has no conditional write and the update replaces the whole
// client, so every write is guarded (issue 10). Right before each update
// the reconcile keeps a margin before the context's deadline
// (DefaultWriteMargin, at most a third of the reconcile's time; otherwise a
// RetryableError keeps the event), asks
// Baselines whether the baseline is still the current version (one SSM
// read per write; a newer one is evaluated afresh), and describes the
// client again: if LastModifiedDate or any setting the update carries moved
// since the describe the fix was computed from, it starts again from the
// new state (conflictAttempts in all, then a RetryableError). What remains
// is one round trip between that describe and the update; BENCH.md
// measures it.
//
// A client whose describe carried members the SDK does not know
// (appclient.UnknownMembersError) is never written. A fix that adds a custom
// scope, an identity provider or an attribute is checked against the pool
// first (PoolReader, read once per pool per invocation: WithPoolCache);
// what the pool lacks is left out and reported unfixable. When Cognito
// rejects an update for its content, only the fixes that cannot refer to
// anything outside the client are sent once more (selfContained), and the
// others are reported unfixable with Cognito's message.
package reconcile
