package policy

import (
	"reflect"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Evaluate resolves b for the described client c at now and evaluates c
// against it. It is pure: c is not modified.
func Evaluate(b *Baseline, c *types.UserPoolClientType, now time.Time) Result {
	return b.Resolve(TargetOf(c), now).Evaluate(c)
}

// Evaluate checks the described client c against the resolved rules and
// builds the fixed configuration. c is not modified.
func (p *Resolved) Evaluate(c *types.UserPoolClientType) Result {
	res := Result{Overrides: p.Overrides, Exemptions: p.Exemptions, Expired: p.Expired}
	w := deepCopy(c)
	fixing := map[*field][]int{} // field -> indices of its fixable findings in res.Findings
	for _, r := range p.Rules {
		ck := r.evaluate(r.f.get(c))
		if len(ck.findings) == 0 {
			continue
		}
		if p.exempted(r.f) || r.Action == Report {
			// Not written; Fix still says what enforcing would write.
			for i := range ck.findings {
				if ck.findings[i].Fixable {
					ck.findings[i].Fix = show(r.f, ck.next)
				}
			}
		}
		if p.exempted(r.f) {
			res.Exempted = append(res.Exempted, ck.findings...)
			continue
		}
		if r.Action == Enforce && ck.fix {
			r.f.put(w, ck.next)
			for i, fd := range ck.findings {
				if fd.Fixable {
					fixing[r.f] = append(fixing[r.f], len(res.Findings)+i)
				}
			}
		}
		res.Findings = append(res.Findings, ck.findings...)
	}
	if len(fixing) > 0 {
		keepCrossFieldRules(p, c, w, &res, fixing)
	}
	finish(c, w, &res, fixing)
	return res
}

// finish writes each standing fix's value into its findings, sorts them,
// and lists the fields w moves; Fixed is w when anything moves.
func finish(c, w *types.UserPoolClientType, res *Result, fixing map[*field][]int) {
	for f, idx := range fixing {
		for _, i := range idx {
			res.Findings[i].Fix = show(f, f.get(w))
		}
	}
	sortFindings(res.Findings)
	res.Changes, res.Fixed = nil, nil
	for _, f := range fields {
		if f.name != f.sdk || !touches(fixing, f.sdk) {
			continue // a part reports through its whole; untouched fields are as described
		}
		if before, after := show(f, f.get(c)), show(f, f.get(w)); !reflect.DeepEqual(before, after) {
			res.Changes = append(res.Changes, Change{Field: f.name, Before: before, After: after})
		}
	}
	if len(res.Changes) > 0 {
		res.Fixed = w
	}
}

// touches reports whether a standing fix writes the Cognito field sdk.
// Withdrawn fixes are restored exactly, so they need no comparison.
func touches(fixing map[*field][]int, sdk string) bool {
	for f := range fixing {
		if f.sdk == sdk {
			return true
		}
	}
	return false
}

func sortFindings(fs []Finding) {
	order := func(name string) int { return slices.Index(fieldNames, name) }
	slices.SortStableFunc(fs, func(a, b Finding) int { return order(a.Field) - order(b.Field) })
}
