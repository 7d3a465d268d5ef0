package policy

import (
	"maps"
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
	ck := &check{hint: len(p.Rules)} // one for all rules: the form checks are called through the table
	for _, r := range p.Rules {
		r.evaluate(ck, r.f.get(c), &res.Findings)
		if ck.start == len(res.Findings) {
			continue
		}
		before[r.f.idx] = ck.shown
		exempt := p.exempted(r.f)
		if exempt || r.Action == Report {
			// Not written; Fix still says what enforcing would write.
			var next any
			fs := ck.findings()
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
			if res.Exempted == nil {
				res.Exempted = make([]Finding, 0, 4)
			}
			res.Exempted = append(res.Exempted, ck.findings()...)
			res.Findings = res.Findings[:ck.start]
			continue
		}
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

// fixer holds the standing fixes of one evaluation: the fixed copy w of
// the described client c, the fields the fixes write and, for each finding
// of res, the field whose fix it is (-1 for none).
type fixer struct {
	c, w   *types.UserPoolClientType
	res    *Result
	fields fieldSet // fields with a standing fix
	sdks   fieldSet // the Cognito members (whole fields) they write
	owner  []int8
}

// newFixer starts from a shallow copy of c: a fix always stores a fresh
// value, and finish unshares what no fix replaced.
func newFixer(c *types.UserPoolClientType, res *Result, hint int) *fixer {
	w := *c
	return &fixer{c: c, w: &w, res: res, owner: make([]int8, 0, max(hint, len(res.Findings)))}
}

// own records the fixable findings from index start on as f's fix.
func (x *fixer) own(f *field, start int) {
	for i := start; i < len(x.res.Findings); i++ {
		if x.res.Findings[i].Fixable {
			x.ownAt(i, f)
		}
	}
}

// ownAt records finding i as f's fix.
func (x *fixer) ownAt(i int, f *field) {
	for len(x.owner) <= i {
		x.owner = append(x.owner, -1)
	}
	x.owner[i] = int8(f.idx)
	x.fields.add(f)
	x.sdks.add(fields[f.sdkIdx])
}

// changed reports whether a standing fix writes the Cognito member name.
func (x *fixer) changed(name string) bool { return x.sdks.has(fieldByName[name]) }

// withdraw turns the fixes of the Cognito member sdk into unfixable
// findings with the reason and puts the described value back into w.
func (x *fixer) withdraw(sdk, reason string) {
	whole := fieldByName[sdk]
	for i, o := range x.owner {
		if o >= 0 && fields[o].sdkIdx == whole.idx {
			f := &x.res.Findings[i]
			f.Fixable, f.Reason, f.Fix = false, reason, nil
			x.owner[i] = -1
		}
	}
	for _, f := range fields {
		if f.sdkIdx == whole.idx {
			x.fields.remove(f)
		}
	}
	x.sdks.remove(whole)
	restore(x.w, x.c, sdk)
}

// finish writes each standing fix's value into its findings, sorts them,
// and lists the fields w moves; Fixed is w when anything moves. before
// holds the shown described value of the fields with findings.
func (x *fixer) finish(before *[64]any) {
	res := x.res
	var after [64]any
	shownAfter := func(f *field) any {
		if after[f.idx] == nil {
			after[f.idx] = show(f, f.get(x.w))
		}
		return after[f.idx]
	}
	for i, o := range x.owner {
		if o >= 0 {
			res.Findings[i].Fix = shownAfter(fields[o])
		}
	}
	sortFindings(res.Findings)
	res.Changes, res.Fixed = nil, nil
	for _, f := range fields {
		if f.name != f.sdk || !x.sdks.has(f) {
			continue // a part reports through its whole; untouched fields are as described
		}
		b := before[f.idx]
		if b == nil {
			b = show(f, f.get(x.c))
		}
		if a := shownAfter(f); !sameShown(b, a) {
			if res.Changes == nil {
				res.Changes = make([]Change, 0, 8)
			}
			res.Changes = append(res.Changes, Change{Field: f.name, Before: b, After: a})
		}
	}
	if len(res.Changes) > 0 {
		unshare(x.w, x.c)
		res.Fixed = x.w
	}
}

// sameShown compares two values made by show.
func sameShown(a, b any) bool {
	switch av := a.(type) {
	case []string:
		bv, ok := b.([]string)
		return ok && slices.Equal(av, bv)
	case map[string]any:
		bv, ok := b.(map[string]any)
		return ok && maps.Equal(av, bv)
	}
	return a == b
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
