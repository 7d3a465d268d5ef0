package policy

import (
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Evaluate resolves b for the described client c at now and evaluates c
// against it. It is pure: c is not modified.
func Evaluate(b *Baseline, c *types.UserPoolClientType, now time.Time) Result {
	st := states.Get().(*evalState)
	b.resolve(&st.p, st.rules[:0], TargetOf(c), now)
	res := st.evaluate(&st.p, c)
	st.release()
	return res
}

// Evaluate checks the described client c against the resolved rules and
// builds the fixed configuration. c is not modified.
//
// The stages: check each rule (check.go, forms.go), keep Cognito's
// cross-field rules (crossfield.go), then finish (the fix values, Changes
// and Fixed). Values in the Result are shared between findings and changes
// (a field's Current is its change's Before); treat them as read-only.
func (p *Resolved) Evaluate(c *types.UserPoolClientType) Result {
	st := states.Get().(*evalState)
	res := st.evaluate(p, c)
	st.release()
	return res
}

// evalState is the working memory of one evaluation, reused through
// states: the resolved rules, the check, the fixer and its working copy,
// and room for the findings and changes, which the Result gets as copies
// of their exact length. Nothing in a Result points into an evalState.
type evalState struct {
	p        Resolved
	rules    [64]*Rule
	res      Result
	ck       check
	x        fixer
	w        types.UserPoolClientType
	findings [32]Finding // more spill to the heap through append
	exempted [16]Finding
	changes  [32]Change
	owner    [64]int8
	before   [64]any
	after    [64]any
	strs     [64]string // the described lists the rules read (get)
	nstrs    int
}

var states = sync.Pool{New: func() any { return new(evalState) }}

// release clears what the evaluation used (the working copy holds the
// client secret, the rest would keep values alive) and returns st to states.
func (st *evalState) release() {
	if len(st.res.Findings) > 0 { // before is set only for a rule with findings
		clear(st.findings[:min(len(st.res.Findings), len(st.findings))])
		clear(st.before[:])
	}
	if len(st.res.Exempted) > 0 {
		clear(st.exempted[:min(len(st.res.Exempted), len(st.exempted))])
	}
	if st.x.w != nil { // a fixer was made
		clear(st.changes[:min(len(st.res.Changes), len(st.changes))])
		clear(st.after[:])
		st.x, st.w = fixer{}, types.UserPoolClientType{}
	}
	clear(st.rules[:min(len(st.p.Rules), len(st.rules))])
	clear(st.strs[:st.nstrs])
	st.p, st.res, st.ck, st.nstrs = Resolved{}, Result{}, check{}, 0
	states.Put(st)
}

func (st *evalState) evaluate(p *Resolved, c *types.UserPoolClientType) Result {
	res := &st.res
	*res = Result{Overrides: p.Overrides, Exemptions: p.Exemptions, Expired: p.Expired,
		Findings: st.findings[:0], Exempted: st.exempted[:0]}
	var x *fixer // made at the first enforceable fix
	ck := &st.ck // one for all rules: the form checks are called through the table
	for _, r := range p.Rules {
		exempt := p.exempted(r.f)
		dst := &res.Findings
		if exempt {
			dst = &res.Exempted
		}
		cur, borrowed := st.get(r.f, c)
		r.evaluate(ck, cur, borrowed, dst)
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
						next = ck.show(ck.next)
					}
					fs[i].Fix = next
				}
			}
		}
		if exempt {
			continue
		}
		st.before[r.f.idx] = ck.shown
		if r.Action == Enforce && ck.fix {
			if x == nil {
				x = st.fixer(c)
			}
			r.f.put(x.w, ck.next)
			x.own(r.f, ck.start)
		}
	}
	if x != nil {
		keepCrossFieldRules(p, x)
		x.finish(&st.before, &st.after)
	}
	out := *res
	out.Findings = exactly(res.Findings)
	out.Exempted = exactly(res.Exempted)
	out.Changes = exactly(res.Changes)
	return out
}

// get is f.get(c), except that a set field's list is read into st.strs
// while there is room: borrowed says so, and the check copies such a list
// before a Result holds it (check.show).
func (st *evalState) get(f *field, c *types.UserPoolClientType) (v val, borrowed bool) {
	if f.read == nil {
		return f.get(c), false
	}
	dst := st.strs[st.nstrs:st.nstrs]
	l, all := f.read(c, dst)
	if all {
		return val{all: true}, false
	}
	if len(l) <= cap(dst) { // in st.strs (or empty)
		st.nstrs += len(l)
		return val{list: l}, true
	}
	return val{list: l}, false
}

// fixer starts the fixes of an evaluation on a shallow copy of c: a fix
// always stores a fresh value, and finish unshares what no fix replaced.
func (st *evalState) fixer(c *types.UserPoolClientType) *fixer {
	st.w = *c
	st.x = fixer{c: c, w: &st.w, res: &st.res, owner: st.owner[:0], changes: st.changes[:0]}
	return &st.x
}

// exactly returns a copy of s of its length, nil when s is empty.
func exactly[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
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
