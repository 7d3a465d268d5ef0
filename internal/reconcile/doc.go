// Package reconcile is the one code path both functions run for a client:
// describe it, evaluate it against the baseline, write one full-field
// update when the baseline enforces a fixable change and the run is not a
// dry run, then describe it again and confirm.
//
// It is level-based in the controller-runtime sense: it never looks at what
// triggered it, only at what Cognito holds now, so a duplicate, late or
// self-caused event converges to "compliant" and writes nothing.
package reconcile
