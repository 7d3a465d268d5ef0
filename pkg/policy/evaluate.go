package policy

import (
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
//
// The stages: check each rule (check.go, forms.go), keep Cognito's
// cross-field rules (crossfield.go), then finish (the fix values, Changes
// and Fixed). Values in the Result are shared between findings and changes
// (a field's Current is its change's Before); treat them as read-only.
func (p *Resolved) Evaluate(c *types.UserPoolClientType) Result {
	res := Result{Overrides: p.Overrides, Exemptions: p.Exemptions, Expired: p.Expired}
	var x *fixer // made at the first enforceable fix
	var before [64]any
	ck := new(check) // one for all rules: the form checks are called through the table
	for _, r := range p.Rules {
		exempt := p.exempted(r.f)
		dst := &res.Findings
		ck.hint = len(p.Rules) // room for one finding per rule
		if exempt {
			dst, ck.hint = &res.Exempted, 4
		}
		r.evaluate(ck, r.f.get(c), dst)
		fs := ck.findings()
		if len(fs) == 0 {
			continue
		}
		if exempt || r.Action == Report {
			// Not written; Fix still says what enforcing would write.
			var next any
			for i := range fs {
				if fs[i].Fixable {
					if next == nil {
						next = show(r.f, ck.next)
					}
					fs[i].Fix = next
				}
			}
		}
		if exempt {
			continue
		}
		before[r.f.idx] = ck.shown
		if r.Action == Enforce && ck.fix {
			if x == nil {
				x = newFixer(c, &res, len(p.Rules))
			}
			r.f.put(x.w, ck.next)
			x.own(r.f, ck.start)
		}
	}
	if x != nil {
		keepCrossFieldRules(p, x)
		x.finish(&before)
	}
	return res
}

func ruleAction(p *Resolved, f *field) Action {
	for _, r := range p.Rules {
		if r.f == f {
			return r.Action
		}
	}
	return ""
}

func sortFindings(fs []Finding) {
	if slices.IsSortedFunc(fs, compareFindings) {
		return
	}
	slices.SortStableFunc(fs, compareFindings)
}

func compareFindings(a, b Finding) int { return fieldByName[a.Field].idx - fieldByName[b.Field].idx }
