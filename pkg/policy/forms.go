package policy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// form is one way of stating a rule; it is also the suffix of a rule ID.
type form string

const (
	formEquals       form = "equals"
	formMin          form = "min"
	formMax          form = "max"
	formRequire      form = "require"
	formForbid       form = "forbid"
	formAllow        form = "allow"
	formRequireHTTPS form = "requireHttps"
	formPattern      form = "pattern"
)

// Rule is the effective rule for one field: one or more forms (equals,
// min/max, require/forbid/allow, requireHttps, pattern) and an action.
type Rule struct {
	Field  string
	Action Action

	f *field
	// One member per form of formTable; a form is stated when its member is
	// set (hasEquals for equals, a non-nil pointer, list or pattern).
	hasEquals    bool
	equals       val
	min, max     *int64
	require      []string
	forbid       []string
	allow        []string
	requireHTTPS bool
	pattern      *regexp.Regexp

	req, ids []string // Finding.Required and Finding.Rule per form of formTable (prepare)
	stated   []int8   // the indexes in formTable of the forms the rule states, in order (prepare)
}

// formSpec is one way of stating a rule: how the parser reads it, how it
// checks and fixes a value, how Rule.String shows it and what the JSON Schema
// says of it. Adding a form is one entry here (and its Rule member above);
// the field table says which fields take it.
type formSpec struct {
	name form
	// parse reads the form's JSON value into r, reporting problems to p.
	parse func(p *parser, path string, r *Rule, raw []byte)
	// check applies the form to ck.next when r states it; a fix moves
	// ck.next, so later forms see it (require adds, then forbid and allow
	// remove).
	check func(r *Rule, ck *check)
	// required states the form's requirement for Finding.Required; it is
	// computed once, when the rule is made (see prepare).
	required func(r *Rule) string
	// describe shows the stated form for Rule.String, "" when not stated.
	describe func(r *Rule) string
	// schema is the JSON Schema of the form's value on field f.
	schema func(f *field) map[string]any
}

// formTable lists the forms in evaluation order.
var formTable = []formSpec{
	{
		name:     formEquals,
		required: func(r *Rule) string { return "= " + showRequired(r.f, r.equals) },
		parse: func(p *parser, path string, r *Rule, raw []byte) {
			r.hasEquals = true
			r.equals = p.value(path, r.f, raw)
		},
		check: func(r *Rule, ck *check) {
			if !r.hasEquals || equalVal(r.f, ck.next, r.equals) {
				return
			}
			want := r.equals
			if r.f.kind == kindObject && want.present {
				want = mergeObj(ck.next, want)
			}
			ck.next = cloneVal(want)
			ck.add(true, "")
		},
		describe: func(r *Rule) string {
			if !r.hasEquals {
				return ""
			}
			return "equals " + showRequired(r.f, r.equals)
		},
		schema: valueSchema,
	},
	{
		name:     formMin,
		required: func(r *Rule) string { return ">= " + showBound(r.f, *r.min) },
		parse:    func(p *parser, path string, r *Rule, raw []byte) { r.min = p.bound(path, r.f, raw) },
		check: func(r *Rule, ck *check) {
			if r.min != nil && ck.next.n < *r.min {
				ck.next.n = *r.min
				ck.add(true, "")
			}
		},
		describe: func(r *Rule) string { return describeBound("min", r.f, r.min) },
		schema:   boundSchema,
	},
	{
		name:     formMax,
		required: func(r *Rule) string { return "<= " + showBound(r.f, *r.max) },
		parse:    func(p *parser, path string, r *Rule, raw []byte) { r.max = p.bound(path, r.f, raw) },
		check: func(r *Rule, ck *check) {
			if r.max != nil && ck.next.n > *r.max {
				ck.next.n = *r.max
				ck.add(true, "")
			}
		},
		describe: func(r *Rule) string { return describeBound("max", r.f, r.max) },
		schema:   boundSchema,
	},
	{
		name:     formRequire,
		required: func(r *Rule) string { return "must contain " + strings.Join(r.require, ", ") },
		parse:    func(p *parser, path string, r *Rule, raw []byte) { r.require = p.patterns(path, r.f, raw, true) },
		check: func(r *Rule, ck *check) {
			if r.require == nil {
				return
			}
			missing, unmatched := requireMissing(r.require, ck.next)
			if len(missing)+len(unmatched) == 0 {
				return
			}
			if len(unmatched) > 0 {
				ck.add(false, fmt.Sprintf("nothing matches %s and a pattern cannot be added", strings.Join(unmatched, ", ")))
				return
			}
			ck.next.list = sortedUnique(append(slices.Clone(ck.next.list), missing...))
			ck.add(true, "")
		},
		describe: func(r *Rule) string { return describeList("require", r.require) },
		schema:   listSchema,
	},
	{
		name:     formForbid,
		required: func(r *Rule) string { return "must not contain " + strings.Join(r.forbid, ", ") },
		parse:    func(p *parser, path string, r *Rule, raw []byte) { r.forbid = p.patterns(path, r.f, raw, false) },
		check: func(r *Rule, ck *check) {
			if r.forbid == nil {
				return
			}
			if ck.next.all {
				if slices.ContainsFunc(r.forbid, func(p string) bool { return allMayMatch(r.f, p) }) {
					ck.add(false, allReason(r.f))
				}
				return
			}
			if kept := filter(ck.next.list, func(s string) bool { return !matchFlow(r.forbid, s) }); len(kept) < len(ck.next.list) {
				ck.next.list = kept
				ck.add(true, "")
			}
		},
		describe: func(r *Rule) string { return describeList("forbid", r.forbid) },
		schema:   listSchema,
	},
	{
		name:     formAllow,
		required: func(r *Rule) string { return "may contain only " + strings.Join(r.allow, ", ") },
		parse:    func(p *parser, path string, r *Rule, raw []byte) { r.allow = p.patterns(path, r.f, raw, false) },
		check: func(r *Rule, ck *check) {
			if r.allow == nil {
				return
			}
			if ck.next.all {
				if !slices.Contains(r.allow, "*") {
					ck.add(false, allReason(r.f))
				}
				return
			}
			if kept := filter(ck.next.list, func(s string) bool { return matchFlow(r.allow, s) }); len(kept) < len(ck.next.list) {
				ck.next.list = kept
				ck.add(true, "")
			}
		},
		describe: func(r *Rule) string { return describeList("allow", r.allow) },
		schema:   listSchema,
	},
	{
		name:     formRequireHTTPS,
		required: func(*Rule) string { return "every URL must use https (no http, loopback included)" },
		parse: func(p *parser, path string, r *Rule, raw []byte) {
			if json.Unmarshal(raw, &r.requireHTTPS) != nil {
				p.addf(path, "must be true or false, got %s", compact(raw))
			}
		},
		check: func(r *Rule, ck *check) {
			if !r.requireHTTPS {
				return
			}
			if r.f.kind == kindString {
				if ck.next.present && !secureURL(ck.next.s) {
					ck.next = val{}
					ck.add(true, "")
				}
				return
			}
			if kept := filter(ck.next.list, secureURL); len(kept) < len(ck.next.list) {
				ck.next.list = kept
				ck.add(true, "")
			}
		},
		describe: func(r *Rule) string {
			if !r.requireHTTPS {
				return ""
			}
			return "requireHttps"
		},
		schema: func(*field) map[string]any { return map[string]any{"type": "boolean"} },
	},
	{
		name:     formPattern,
		required: func(r *Rule) string { return "must match " + r.pattern.String() },
		parse: func(p *parser, path string, r *Rule, raw []byte) {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				p.addf(path, "must be a regular expression string, got %s", compact(raw))
				return
			}
			re, err := regexp.Compile(s)
			if err != nil {
				p.addf(path, "invalid regular expression: %v", err)
				return
			}
			r.pattern = re
		},
		check: func(r *Rule, ck *check) {
			if r.pattern != nil && !r.pattern.MatchString(ck.next.s) {
				ck.add(false, "no automatic fix for pattern")
			}
		},
		describe: func(r *Rule) string {
			if r.pattern == nil {
				return ""
			}
			return "pattern " + r.pattern.String()
		},
		schema: func(*field) map[string]any {
			return map[string]any{"type": "string", "format": "regex", "description": "a Go (RE2) regular expression"}
		},
	},
}

// prepare computes the rule's Required texts and the forms it states once;
// Parse and Resolve call it on every rule they make. A form is stated when
// it describes itself, which is exactly when its check can raise a finding
// (each check returns at once for a form the rule does not state).
func (r *Rule) prepare() *Rule {
	r.req = make([]string, len(formTable))
	r.ids = make([]string, len(formTable))
	r.stated = r.stated[:0]
	for i := range formTable {
		r.ids[i] = r.f.name + "." + string(formTable[i].name)
		if formTable[i].describe(r) != "" {
			r.req[i] = formTable[i].required(r)
			r.stated = append(r.stated, int8(i))
		}
	}
	return r
}

// formByName finds a form of formTable; nil when there is none.
func formByName(name string) *formSpec {
	for i := range formTable {
		if string(formTable[i].name) == name {
			return &formTable[i]
		}
	}
	return nil
}

// formKeys are the keys a rule object takes: every form and action.
var formKeys = func() []string {
	keys := make([]string, 0, len(formTable)+1)
	for _, fs := range formTable {
		keys = append(keys, string(fs.name))
	}
	return append(keys, "action")
}()

func describeBound(name string, f *field, b *int64) string {
	if b == nil {
		return ""
	}
	return name + " " + showBound(f, *b)
}

func describeList(name string, l []string) string {
	if l == nil {
		return ""
	}
	return name + " [" + strings.Join(l, ", ") + "]"
}
