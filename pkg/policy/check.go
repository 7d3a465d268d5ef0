package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// check holds the findings one rule raises against a current value and the
// value its fixable forms would write.
type check struct {
	findings []Finding
	next     val
	fix      bool // at least one form has a fix
}

// evaluate applies each form of r to cur in a fixed order; each form that
// can be fixed moves next, so a later form sees the earlier form's fix
// (require adds, then forbid and allow remove).
func (r *Rule) evaluate(cur val) check {
	ck := check{next: cloneVal(cur)}
	f := r.f
	add := func(fm form, required string, fixable bool, reason string) {
		ck.findings = append(ck.findings, Finding{
			Rule: f.name + "." + string(fm), Field: f.name, Current: show(f, cur),
			Required: required, Action: r.Action, Fixable: fixable, Reason: reason,
		})
		ck.fix = ck.fix || fixable
	}
	if r.hasEquals && !equalVal(f, ck.next, r.equals) {
		want := r.equals
		if f.kind == kindObject && want.present {
			want = mergeObj(ck.next, want)
		}
		ck.next = cloneVal(want)
		add(formEquals, "= "+showRequired(f, r.equals), true, "")
	}
	if r.min != nil && ck.next.n < *r.min {
		ck.next.n = *r.min
		add(formMin, ">= "+showBound(f, *r.min), true, "")
	}
	if r.max != nil && ck.next.n > *r.max {
		ck.next.n = *r.max
		add(formMax, "<= "+showBound(f, *r.max), true, "")
	}
	if r.require != nil {
		if missing, unmatched := requireMissing(r.require, ck.next); len(missing)+len(unmatched) > 0 {
			req := "must contain " + strings.Join(r.require, ", ")
			if len(unmatched) > 0 {
				add(formRequire, req, false, fmt.Sprintf("nothing matches %s and a pattern cannot be added", strings.Join(unmatched, ", ")))
			} else {
				ck.next.list = sortedUnique(append(slices.Clone(ck.next.list), missing...))
				add(formRequire, req, true, "")
			}
		}
	}
	if r.forbid != nil {
		req := "must not contain " + strings.Join(r.forbid, ", ")
		if ck.next.all {
			if slices.ContainsFunc(r.forbid, func(p string) bool { return allMayMatch(f, p) }) {
				add(formForbid, req, false, allReason(f))
			}
		} else if kept := filter(ck.next.list, func(s string) bool { return !matchFlow(r.forbid, s) }); len(kept) < len(ck.next.list) {
			ck.next.list = kept
			add(formForbid, req, true, "")
		}
	}
	if r.allow != nil {
		req := "may contain only " + strings.Join(r.allow, ", ")
		if ck.next.all {
			if !slices.Contains(r.allow, "*") {
				add(formAllow, req, false, allReason(f))
			}
		} else if kept := filter(ck.next.list, func(s string) bool { return matchFlow(r.allow, s) }); len(kept) < len(ck.next.list) {
			ck.next.list = kept
			add(formAllow, req, true, "")
		}
	}
	if r.requireHTTPS {
		const req = "every URL must use https (http only for localhost)"
		if f.kind == kindString {
			if ck.next.present && !secureURL(ck.next.s) {
				ck.next = val{}
				add(formRequireHTTPS, req, true, "")
			}
		} else if kept := filter(ck.next.list, secureURL); len(kept) < len(ck.next.list) {
			ck.next.list = kept
			add(formRequireHTTPS, req, true, "")
		}
	}
	if r.pattern != nil && !r.pattern.MatchString(ck.next.s) {
		add(formPattern, "must match "+r.pattern.String(), false, "no automatic fix for pattern")
	}
	return ck
}

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
	return f.name + " is unset, which means every attribute including custom ones the pool alone knows; " +
		"state the list with equals or set it on the client"
}

// secureURL is the requireHttps test: http is allowed only for loopback
// hosts, exactly the exception Cognito itself makes; https and custom
// schemes (native-app redirects such as myapp://cb) pass.
func secureURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if !strings.EqualFold(u.Scheme, "http") {
		return u.Scheme != ""
	}
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

func filter(l []string, keep func(string) bool) []string {
	out := make([]string, 0, len(l))
	for _, s := range l {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
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
		return formatDuration(v.n)
	case kindNumber:
		return v.n
	case kindBool:
		return v.b
	case kindString:
		if !v.present {
			return nil
		}
		return v.s
	case kindSet:
		if v.all {
			return "all"
		}
		if v.list == nil {
			return []string{}
		}
		return slices.Clone(v.list)
	case kindObject:
		if !v.present {
			return nil
		}
		return maps.Clone(v.obj)
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
