package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

type parser struct{ problems []Problem }

func (p *parser) addf(path, format string, args ...any) {
	p.problems = append(p.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Parse reads and validates a baseline document. Validation is strict: an
// unknown key, an unknown field (with a suggestion), a form that does not
// fit its field, min > max, or a value beyond Cognito's limits is an error.
// The error is a *ValidationError listing every problem.
func Parse(data []byte) (*Baseline, error) {
	p := &parser{}
	b := &Baseline{}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		p.addf("(document)", "invalid JSON: %v", err)
		return nil, &ValidationError{Problems: p.problems}
	}
	top, ok := p.object("", data)
	if !ok {
		return nil, &ValidationError{Problems: p.problems}
	}
	seen := map[string]bool{}
	for _, m := range top {
		seen[m.key] = true
		switch m.key {
		case "version":
			var v int
			if err := json.Unmarshal(m.raw, &v); err != nil || v != 1 {
				p.addf("version", "must be 1, got %s", compact(m.raw))
			}
		case "rules":
			b.rules = p.rules("rules", m.raw, false)
		case "overrides":
			b.overrides = p.overrides("overrides", m.raw)
		case "exemptions":
			b.exemptions = p.exemptions("exemptions", m.raw)
		case "$schema":
			// Editors and CI read it (see Schema); the engine does not.
			var s string
			if json.Unmarshal(m.raw, &s) != nil || s == "" {
				p.addf(m.key, "must be a non-empty string (the schema's URL), got %s", compact(m.raw))
			}
		default:
			p.unknown(m.key, m.key, []string{"$schema", "version", "rules", "overrides", "exemptions"})
		}
	}
	if !seen["version"] {
		p.addf("version", "is required (1)")
	}
	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: p.problems}
	}
	if b.rules == nil {
		b.rules = map[string]*Rule{}
	}
	b.index()
	return b, nil
}

type member struct {
	key string
	raw json.RawMessage
}

// object splits a JSON object into its members in document order, which
// keeps the problem list in reading order and catches duplicate keys that
// a map would silently merge.
func (p *parser) object(path string, raw []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		p.addf(pathOr(path), "invalid JSON: %v", err)
		return nil, false
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		p.addf(pathOr(path), "must be an object, got %s", compact(raw))
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			p.addf(pathOr(path), "invalid JSON: %v", err)
			return nil, false
		}
		key := tok.(string) // object keys are always strings
		var r json.RawMessage
		if err := dec.Decode(&r); err != nil {
			p.addf(join(path, key), "invalid JSON: %v", err)
			return nil, false
		}
		if slices.ContainsFunc(out, func(m member) bool { return m.key == key }) {
			p.addf(join(path, key), "duplicate key")
			continue
		}
		out = append(out, member{key, r})
	}
	if _, err := dec.Token(); err != nil {
		p.addf(pathOr(path), "invalid JSON: %v", err)
		return nil, false
	}
	if dec.More() || trailing(dec) {
		p.addf(pathOr(path), "invalid JSON: data after the object")
		return nil, false
	}
	return out, true
}

func trailing(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == nil || !errors.Is(err, io.EOF)
}

func (p *parser) array(path string, raw []byte) ([]json.RawMessage, bool) {
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil || out == nil {
		p.addf(path, "must be an array, got %s", compact(raw))
		return nil, false
	}
	return out, true
}

func (p *parser) unknown(path, key string, known []string) {
	if s := suggest(key, known); s != "" {
		p.addf(path, "unknown key %q; did you mean %q?", key, s)
		return
	}
	p.addf(path, "unknown key %q (known: %s)", key, strings.Join(known, ", "))
}

func (p *parser) rules(path string, raw []byte, inOverride bool) map[string]*Rule {
	ms, ok := p.object(path, raw)
	if !ok {
		return nil
	}
	out := make(map[string]*Rule, len(ms))
	for _, m := range ms {
		rp := join(path, m.key)
		f := fieldByName[m.key]
		if f == nil {
			msg := fmt.Sprintf("unknown field %q", m.key)
			if m.key == "TokenValidityUnits" {
				msg += "; durations carry their unit, e.g. \"AccessTokenValidity\": {\"max\": \"1h\"}"
			} else if s := suggest(m.key, fieldNames); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			p.addf(rp, "%s", msg)
			continue
		}
		if string(bytes.TrimSpace(m.raw)) == "null" {
			if !inOverride {
				p.addf(rp, "null only removes a rule in an override")
				continue
			}
			out[m.key] = nil
			continue
		}
		if r := p.rule(rp, f, m.raw); r != nil {
			out[m.key] = r
		}
	}
	// RefreshTokenRotation is stated whole or by its parts, never both:
	// two rules on one Cognito field could ask for contradictory fixes.
	if _, whole := out["RefreshTokenRotation"]; whole {
		for k := range out {
			if strings.HasPrefix(k, "RefreshTokenRotation.") {
				p.addf(join(path, k), "conflicts with the rule for RefreshTokenRotation; state it whole or by its parts")
			}
		}
	}
	return out
}

func (p *parser) rule(path string, f *field, raw []byte) *Rule {
	r := &Rule{Field: f.name, Action: Enforce, f: f}
	n := len(p.problems)
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		ms, ok := p.object(path, raw)
		if !ok {
			return nil
		}
		stated := 0
		for _, m := range ms {
			fp := join(path, m.key)
			if !slices.Contains(formKeys, m.key) {
				n := len(p.problems)
				p.unknown(fp, m.key, formKeys)
				if f.kind == kindObject && len(p.problems) > n {
					p.problems[n].Message += "; object values are stated with equals"
				}
				continue
			}
			if m.key == "action" {
				var a string
				if json.Unmarshal(m.raw, &a) != nil || (a != string(Enforce) && a != string(Report)) {
					p.addf(fp, "must be \"enforce\" or \"report\", got %s", compact(m.raw))
				}
				r.Action = Action(a)
				continue
			}
			if !slices.Contains(f.forms, form(m.key)) {
				p.addf(fp, "%s does not fit %s (it takes %s)", m.key, f.name, formList(f.forms))
				continue
			}
			stated++
			formByName(m.key).parse(p, fp, r, m.raw)
		}
		if stated == 0 && len(p.problems) == n {
			p.addf(path, "states no rule (it takes %s)", formList(f.forms))
		}
		if r.hasEquals && stated > 1 {
			p.addf(path, "equals cannot be combined with other forms")
		}
	} else {
		if !slices.Contains(f.forms, formEquals) {
			p.addf(path, "a bare value means equals, which does not fit %s (it takes %s)", f.name, formList(f.forms))
			return nil
		}
		r.hasEquals = true
		r.equals = p.value(path, f, raw)
	}
	if f.urls || f.name == "DefaultRedirectURI" {
		p.loopbackAllowed(path, r) // beside the value problems, all at once
	}
	if len(p.problems) > n {
		return nil
	}
	p.consistent(path, r)
	if len(p.problems) > n {
		return nil
	}
	return r.prepare()
}

// consistent checks that the forms of one rule can all hold at once.
func (p *parser) consistent(path string, r *Rule) {
	f := r.f
	if r.min != nil && r.max != nil && *r.min > *r.max {
		p.addf(path, "min %s is greater than max %s", showBound(f, *r.min), showBound(f, *r.max))
	}
	for _, s := range r.require {
		if isGlob(s) {
			continue
		}
		if matchAny(r.forbid, s) {
			p.addf(join(path, "require"), "%s is also forbidden", s)
		}
		if r.allow != nil && !matchAny(r.allow, s) {
			p.addf(join(path, "require"), "%s is not allowed by allow", s)
		}
	}
	if f.name == "ExplicitAuthFlows" {
		lits := r.require
		if r.hasEquals {
			lits = r.equals.list
		}
		var legacy, modern bool
		for _, s := range lits {
			if slices.Contains(legacyAuthFlows, s) {
				legacy = true
			} else if !isGlob(s) {
				modern = true
			}
		}
		if legacy && modern {
			p.addf(path, "mixes legacy flow names with ALLOW_* names, which Cognito rejects")
		}
		if r.hasEquals && len(lits) == 0 {
			p.addf(join(path, "equals"), "an empty ExplicitAuthFlows means Cognito's default flows; list the flows")
		}
	}
	if f.name == "AllowedOAuthFlows" {
		lits := r.require
		if r.hasEquals {
			lits = r.equals.list
		}
		if slices.Contains(lits, "client_credentials") && len(lits) > 1 {
			p.addf(path, "client_credentials must be the only OAuth flow")
		}
	}
	if f.maxItems > 0 && len(r.require) > f.maxItems {
		p.addf(join(path, "require"), "%d items exceed Cognito's limit of %d", len(r.require), f.maxItems)
	}
}

// loopbackAllowed: Cognito accepts an http URL for a loopback host, but a
// baseline that writes one needs the rule to say so in allow (and not to
// requireHttps, which would remove it again).
func (p *parser) loopbackAllowed(path string, r *Rule) {
	check := func(fp string, lits []string) {
		for i, s := range lits {
			if isGlob(s) || !isHTTP(s) || !isLoopbackURL(s) {
				continue // non-loopback http is refused on its own
			}
			ip := fmt.Sprintf("%s[%d]", fp, i)
			switch {
			case r.requireHTTPS:
				p.addf(ip, "%q uses http, which requireHttps removes", s)
			case !matchAny(r.allow, s):
				p.addf(ip, "%q uses http; a loopback http URL is accepted only where the rule's allow permits it", s)
			}
		}
	}
	if r.hasEquals {
		if r.f.kind == kindString {
			// DefaultRedirectURI takes no allow: https or a custom scheme.
			if r.equals.present && isHTTP(r.equals.s) {
				p.addf(path, "%q uses http; a loopback http URL is accepted only where the rule's allow permits it", r.equals.s)
			}
			return
		}
		check(join(path, "equals"), r.equals.list)
	}
	check(join(path, "require"), r.require)
}

func (p *parser) value(path string, f *field, raw []byte) val {
	switch f.kind {
	case kindDuration, kindNumber:
		if b := p.bound(path, f, raw); b != nil {
			return val{n: *b}
		}
	case kindBool:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			p.addf(path, "must be true or false, got %s", compact(raw))
		}
		return val{b: b}
	case kindString:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			p.addf(path, "must be a string, got %s", compact(raw))
			return val{}
		}
		if f.enum != nil && !slices.Contains(f.enum, s) {
			p.badEnum(path, f, s)
		}
		if s == "" {
			p.addf(path, "must not be empty")
		} else if msg := itemProblem(f, s, true); msg != "" {
			p.addf(path, "%s", msg)
		}
		return val{s: s, present: true}
	case kindSet:
		l := p.patterns(path, f, raw, true)
		for _, s := range l {
			if isGlob(s) {
				p.addf(path, "equals takes literal values, not the pattern %q; use require, forbid or allow", s)
			}
		}
		if f.maxItems > 0 && len(l) > f.maxItems {
			p.addf(path, "%d items exceed Cognito's limit of %d", len(l), f.maxItems)
		}
		return val{list: sortedUnique(l)}
	case kindObject:
		return p.objectValue(path, f, raw)
	}
	return val{}
}

func (p *parser) objectValue(path string, f *field, raw []byte) val {
	if string(bytes.TrimSpace(raw)) == "null" && f.name == "AnalyticsConfiguration" {
		return val{} // must not be configured
	}
	ms, ok := p.object(path, raw)
	if !ok {
		return val{}
	}
	keys := make([]string, 0, len(f.objKeys))
	for k := range f.objKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	m := map[string]any{}
	for _, mem := range ms {
		kp := join(path, mem.key)
		k, ok := f.objKeys[mem.key]
		if !ok {
			p.unknown(kp, mem.key, keys)
			continue
		}
		switch k {
		case kindString:
			var s string
			if json.Unmarshal(mem.raw, &s) != nil || s == "" {
				p.addf(kp, "must be a non-empty string, got %s", compact(mem.raw))
				continue
			}
			if mem.key == "Feature" && s != "ENABLED" && s != "DISABLED" {
				p.addf(kp, "must be ENABLED or DISABLED, got %q", s)
			}
			m[mem.key] = s
		case kindBool:
			var b bool
			if json.Unmarshal(mem.raw, &b) != nil {
				p.addf(kp, "must be true or false, got %s", compact(mem.raw))
			}
			m[mem.key] = b
		case kindNumber:
			var n int64
			if json.Unmarshal(mem.raw, &n) != nil || n < 0 || n > 60 {
				p.addf(kp, "must be a whole number of seconds from 0 to 60, got %s", compact(mem.raw))
			}
			m[mem.key] = n
		}
	}
	if f.name == "RefreshTokenRotation" {
		if _, ok := m["Feature"]; !ok {
			p.addf(path, "Feature is required")
		}
	}
	if f.name == "AnalyticsConfiguration" && m["ApplicationArn"] == nil && m["ApplicationId"] == nil {
		p.addf(path, "ApplicationArn or ApplicationId is required")
	}
	return val{present: true, obj: m}
}

// bound reads a duration (or a number, for number fields) and checks it
// against Cognito's limits for the field.
func (p *parser) bound(path string, f *field, raw []byte) *int64 {
	var n int64
	if f.kind == kindNumber {
		if json.Unmarshal(raw, &n) != nil {
			p.addf(path, "must be a whole number, got %s", compact(raw))
			return nil
		}
	} else {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			p.addf(path, "must be a duration such as \"1h\", got %s", compact(raw))
			return nil
		}
		d, err := parseDuration(s)
		if err != nil {
			p.addf(path, "%v", err)
			return nil
		}
		n = d
		if f.name == "AuthSessionValidity" && n%minute != 0 {
			p.addf(path, "%s is not a whole number of minutes, the unit of AuthSessionValidity", s)
			return nil
		}
	}
	if n > f.max {
		p.addf(path, "%s exceeds Cognito's limit of %s", showBound(f, n), showBound(f, f.max))
		return nil
	}
	if n < f.min {
		p.addf(path, "%s is below Cognito's minimum of %s", showBound(f, n), showBound(f, f.min))
		return nil
	}
	return &n
}

// patterns reads a list of strings for require/forbid/allow (globs
// allowed) or equals; enum fields check each entry against Cognito's values.
// values says the literals are values a fix may write (equals, require),
// which must be ones Cognito accepts.
func (p *parser) patterns(path string, f *field, raw []byte, values bool) []string {
	var l []string
	if err := json.Unmarshal(raw, &l); err != nil || l == nil {
		p.addf(path, "must be an array of strings, got %s", compact(raw))
		return nil
	}
	for i, s := range l {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if s == "" {
			p.addf(ip, "must not be empty")
			continue
		}
		if msg := itemProblem(f, s, values); msg != "" {
			p.addf(ip, "%s", msg)
			continue
		}
		if f.enum == nil {
			continue
		}
		if isGlob(s) {
			if !slices.ContainsFunc(f.enum, func(e string) bool { return match(s, e) }) {
				p.addf(ip, "%q matches no %s value (%s)", s, f.name, strings.Join(f.enum, ", "))
			}
		} else if !slices.Contains(f.enum, s) {
			p.badEnum(ip, f, s)
		}
	}
	return l
}

func (p *parser) badEnum(path string, f *field, s string) {
	if g := suggest(s, f.enum); g != "" {
		p.addf(path, "%q is not a %s value; did you mean %q?", s, f.name, g)
		return
	}
	p.addf(path, "%q is not a %s value (%s)", s, f.name, strings.Join(f.enum, ", "))
}

func (p *parser) matcher(path string, raw []byte) (matcher, bool) {
	var m matcher
	ms, ok := p.object(path, raw)
	if !ok {
		return m, false
	}
	for _, mem := range ms {
		var s string
		if json.Unmarshal(mem.raw, &s) != nil || s == "" {
			p.addf(join(path, mem.key), "must be a non-empty string, got %s", compact(mem.raw))
			continue
		}
		switch mem.key {
		case "userPoolId":
			m.UserPoolID = s
		case "clientId":
			m.ClientID = s
		case "clientName":
			m.ClientName = s
		default:
			p.unknown(join(path, mem.key), mem.key, []string{"userPoolId", "clientId", "clientName"})
		}
	}
	if m == (matcher{}) {
		p.addf(path, "needs at least one of userPoolId, clientId, clientName")
		return m, false
	}
	return m, true
}

func (p *parser) overrides(path string, raw []byte) []override {
	items, ok := p.array(path, raw)
	if !ok {
		return nil
	}
	out := make([]override, 0, len(items))
	for i, it := range items {
		ip := fmt.Sprintf("%s[%d]", path, i)
		ms, ok := p.object(ip, it)
		if !ok {
			continue
		}
		var o override
		var hasMatch, hasRules bool
		for _, m := range ms {
			switch m.key {
			case "match":
				o.match, hasMatch = p.matcher(join(ip, "match"), m.raw)
				if !hasMatch {
					hasMatch = true // reported already
				}
			case "rules":
				hasRules = true
				o.rules = p.rules(join(ip, "rules"), m.raw, true)
			default:
				p.unknown(join(ip, m.key), m.key, []string{"match", "rules"})
			}
		}
		if !hasMatch {
			p.addf(join(ip, "match"), "is required")
		}
		if !hasRules {
			p.addf(join(ip, "rules"), "is required")
		}
		out = append(out, o)
	}
	return out
}

func (p *parser) exemptions(path string, raw []byte) []exemptionSpec {
	items, ok := p.array(path, raw)
	if !ok {
		return nil
	}
	out := make([]exemptionSpec, 0, len(items))
	for i, it := range items {
		ip := fmt.Sprintf("%s[%d]", path, i)
		ms, ok := p.object(ip, it)
		if !ok {
			continue
		}
		e := exemptionSpec{ex: Exemption{Index: i}}
		seen := map[string]bool{}
		for _, m := range ms {
			seen[m.key] = true
			mp := join(ip, m.key)
			switch m.key {
			case "match":
				e.match, _ = p.matcher(mp, m.raw)
				e.ex.Match = e.match
			case "fields":
				var l []string
				if json.Unmarshal(m.raw, &l) != nil || len(l) == 0 {
					p.addf(mp, "must be a non-empty array of field names (omit it to exempt all fields), got %s", compact(m.raw))
					continue
				}
				for j, name := range l {
					if fieldByName[name] != nil {
						continue
					}
					fp := fmt.Sprintf("%s[%d]", mp, j)
					if s := suggest(name, fieldNames); s != "" {
						p.addf(fp, "unknown field %q; did you mean %q?", name, s)
					} else {
						p.addf(fp, "unknown field %q", name)
					}
				}
				e.ex.Fields = l
			case "expires":
				var s string
				if json.Unmarshal(m.raw, &s) != nil {
					p.addf(mp, "must be a date (2006-01-02) or an RFC 3339 time, got %s", compact(m.raw))
					continue
				}
				t, err := parseExpiry(s)
				if err != nil {
					p.addf(mp, "%v", err)
				}
				e.ex.Expires = t
			case "reason":
				if json.Unmarshal(m.raw, &e.ex.Reason) != nil || strings.TrimSpace(e.ex.Reason) == "" {
					p.addf(mp, "must be a non-empty string")
				}
			default:
				p.unknown(mp, m.key, []string{"match", "fields", "expires", "reason"})
			}
		}
		for _, k := range []string{"match", "expires", "reason"} {
			if !seen[k] {
				p.addf(join(ip, k), "is required")
			}
		}
		out = append(out, e)
	}
	return out
}

// parseExpiry reads "2027-03-31" as the start of that day in UTC: the
// exemption no longer applies on the date written. Of the two readings this
// is the one that ends an exemption early rather than late.
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02) or an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

func showBound(f *field, n int64) string {
	if f.kind == kindNumber {
		return fmt.Sprintf("%d", n)
	}
	return formatDuration(n)
}

func formList(fs []form) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func pathOr(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}

// compact shortens a raw JSON value for an error message.
func compact(raw []byte) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}
