package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// check is one rule applied to a current value: the findings it raises go
// straight into *dst (from index start on), next is the value its fixable
// forms would write.
type check struct {
	r     *Rule
	cur   val // the value as described
	next  val
	dst   *[]Finding
	start int
	fix   bool // at least one form has a fix
	shown any  // show(cur), made once for all the rule's findings
	form  int  // the form being checked, an index of formTable
	// borrowed: cur.list lives in the evaluation's scratch (evalState.get),
	// so show copies it, and any list that shares its array, first.
	borrowed bool
}

// evaluate applies each form r states to cur in the order of formTable,
// appending its findings to *dst; each form that can be fixed moves next,
// so a later form sees the earlier form's fix (require adds, then forbid
// and allow remove). Lists are never changed in place, so next starts as
// cur without a copy.
func (r *Rule) evaluate(ck *check, cur val, borrowed bool, dst *[]Finding) {
	*ck = check{r: r, cur: cur, next: cur, dst: dst, start: len(*dst), borrowed: borrowed}
	for _, i := range r.stated {
		ck.form = int(i)
		formTable[i].check(r, ck)
	}
}

// add records a finding of the form being checked.
func (ck *check) add(fixable bool, reason string) {
	r := ck.r
	if ck.shown == nil {
		ck.shown = ck.show(ck.cur)
	}
	i := ck.form
	*ck.dst = append(*ck.dst, Finding{
		Rule: r.ids[i], Field: r.f.name, Current: ck.shown,
		Required: r.req[i], Action: r.Action, Fixable: fixable, Reason: reason,
	})
	ck.fix = ck.fix || fixable
}

// show is show(r.f, v) for a value of this check: a list that shares the
// borrowed array of cur is copied, so that no Result points into the
// evaluation's scratch.
func (ck *check) show(v val) any {
	if ck.borrowed && cap(v.list) > 0 && cap(ck.cur.list) > 0 && &v.list[:1][0] == &ck.cur.list[:1][0] {
		v.list = slices.Clone(v.list)
	}
	return show(ck.r.f, v)
}

// findings are the findings this check added.
func (ck *check) findings() []Finding { return (*ck.dst)[ck.start:] }

// legacyFlowEquivalent maps each legacy ExplicitAuthFlows name to the
// ALLOW_* name that replaced it (UpdateUserPoolClient ExplicitAuthFlows
// documentation), so that forbidding ALLOW_USER_PASSWORD_AUTH also catches a
// client still on USER_PASSWORD_AUTH instead of calling it compliant.
var legacyFlowEquivalent = map[string]string{
	"ADMIN_NO_SRP_AUTH":     "ALLOW_ADMIN_USER_PASSWORD_AUTH",
	"USER_PASSWORD_AUTH":    "ALLOW_USER_PASSWORD_AUTH",
	"CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH",
}

// matchFlow is matchAny that also lets a legacy flow name match through its
// ALLOW_* equivalent. Other fields never hold those names.
func matchFlow(patterns []string, s string) bool {
	if matchAny(patterns, s) {
		return true
	}
	eq, ok := legacyFlowEquivalent[s]
	return ok && matchAny(patterns, eq)
}

// requireMissing returns the literal entries absent from v and the
// patterns nothing in v matches. An unset attribute list means every
// attribute, so it holds whatever is required.
func requireMissing(require []string, v val) (missing, unmatched []string) {
	if v.all {
		return nil, nil
	}
	for _, s := range require {
		switch {
		case !isGlob(s) && !slices.Contains(v.list, s):
			missing = append(missing, s)
		case isGlob(s) && !slices.ContainsFunc(v.list, func(e string) bool { return match(s, e) }):
			unmatched = append(unmatched, s)
		}
	}
	return missing, unmatched
}

// allMayMatch reports whether pattern p may match an attribute of an unset
// Read/WriteAttributes list: a standard attribute, or a custom attribute
// that only the pool knows.
func allMayMatch(f *field, p string) bool {
	all := standardAttributes
	if f.name == "ReadAttributes" {
		all = readAllAttributes
	}
	return slices.ContainsFunc(all, func(a string) bool { return match(p, a) }) ||
		strings.HasPrefix(p, "custom:") || strings.HasPrefix(p, "dev:") || strings.HasPrefix(p, "*")
}

func allReason(f *field) string {
	const reason = " is unset, which means every attribute including custom ones the pool alone knows; " +
		"state the list with equals or set it on the client"
	if f.name == "ReadAttributes" {
		return "ReadAttributes" + reason
	}
	return "WriteAttributes" + reason
}

// filter returns the elements of l that keep accepts: l itself when it
// keeps them all (lists are never changed in place), a fresh list otherwise.
func filter(l []string, keep func(string) bool) []string {
	for i, s := range l {
		if keep(s) {
			continue
		}
		out := make([]string, i, len(l)-1)
		copy(out, l[:i])
		for _, s := range l[i+1:] {
			if keep(s) {
				out = append(out, s)
			}
		}
		return out
	}
	return l
}

func equalVal(f *field, a, want val) bool {
	switch f.kind {
	case kindDuration, kindNumber:
		return a.n == want.n
	case kindBool:
		return a.b == want.b
	case kindString:
		return a.present == want.present && a.s == want.s
	case kindSet:
		return !a.all && slices.Equal(a.list, want.list)
	case kindObject:
		if !want.present || !a.present {
			return a.present == want.present
		}
		// An object rule states the keys it cares about: Cognito adds
		// values it was never sent (AnalyticsConfiguration.RoleArn).
		for k, v := range want.obj {
			if a.obj[k] != v {
				return false
			}
		}
		return true
	}
	return false
}

func mergeObj(cur, want val) val {
	m := map[string]any{}
	if cur.present {
		maps.Copy(m, cur.obj)
	}
	maps.Copy(m, want.obj)
	return val{present: true, obj: m}
}

func cloneVal(v val) val {
	v.list = slices.Clone(v.list)
	v.obj = maps.Clone(v.obj)
	return v
}

// show renders a normalised value for Current, Fix and Changes: plain JSON
// types only, durations as "90m", lists sorted, never the client secret
// (no governed field holds it).
func show(f *field, v val) any {
	switch f.kind {
	case kindDuration:
		return shownDuration(v.n)
	case kindNumber:
		return v.n
	case kindBool:
		return v.b
	case kindString:
		if !v.present {
			return nil
		}
		if f.enum != nil {
			return shownEnum(v.s)
		}
		return v.s
	case kindSet:
		if v.all {
			return "all"
		}
		if v.list == nil {
			return []string{}
		}
		return v.list // lists are fresh from get or a fix and never changed in place
	case kindObject:
		if !v.present {
			return nil
		}
		return v.obj
	}
	return nil
}

func showRequired(f *field, v val) string {
	switch f.kind {
	case kindSet:
		return "[" + strings.Join(v.list, ", ") + "]"
	case kindObject:
		if !v.present {
			return "absent"
		}
		b, _ := json.Marshal(v.obj)
		return string(b)
	}
	return fmt.Sprint(show(f, v))
}

// shown interns the rendered durations and enum values that show returns
// as interfaces: a fleet uses a handful of them, and boxing a fresh string
// for every finding and change was a third of an evaluation's allocations.
// The table stops growing at shownLimit entries.
var shown struct {
	sync.RWMutex
	durations map[int64]any
	enums     map[string]any
}

const shownLimit = 4096

func shownDuration(sec int64) any {
	shown.RLock()
	v, ok := shown.durations[sec]
	shown.RUnlock()
	if ok {
		return v
	}
	v = formatDuration(sec)
	shown.Lock()
	if shown.durations == nil {
		shown.durations = map[int64]any{}
	}
	if len(shown.durations) < shownLimit {
		shown.durations[sec] = v
	}
	shown.Unlock()
	return v
}

func shownEnum(s string) any {
	shown.RLock()
	v, ok := shown.enums[s]
	shown.RUnlock()
	if ok {
		return v
	}
	v = s
	shown.Lock()
	if shown.enums == nil {
		shown.enums = map[string]any{}
	}
	if len(shown.enums) < shownLimit {
		shown.enums[s] = v
	}
	shown.Unlock()
	return v
}
