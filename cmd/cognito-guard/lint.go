package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Warning is a construct that is valid but risky.
type Warning struct {
	Code    string `json:"code"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Warning codes, stable for CI filters.
const (
	warnNameWeakens  = "clientName-weakens"
	warnLongExempt   = "exemption-long"
	warnExpired      = "exemption-expired"
	warnShadowed     = "override-shadowed"
	warnUnfixable    = "unfixable-kind"
	oneYear          = 365 * 24 * time.Hour
	refreshFlow      = "ALLOW_REFRESH_TOKEN_AUTH"
	rotationWhole    = "RefreshTokenRotation"
	rotationFeature  = "RefreshTokenRotation.Feature"
	renameRiskAdvice = "anyone allowed cognito-idp:UpdateUserPoolClient can rename a client to match; match on clientId or userPoolId"
)

// lint returns the warnings for a baseline that policy.Parse accepted, in
// document order: overrides, exemptions, then rules that leave a kind of
// client unfixable.
func lint(d *doc, now time.Time) []Warning {
	var ws []Warning
	add := func(code, path, format string, args ...any) {
		ws = append(ws, Warning{Code: code, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	enforced := func(field string) bool {
		raw, ok := d.Rules[field]
		return ok && readForm(raw).action == string(policy.Enforce)
	}

	for i, o := range d.Overrides {
		if o.Match.ClientName != "" {
			for _, field := range sortedKeys(o.Rules) {
				base, ok := d.Rules[field]
				if !ok || !enforced(field) {
					continue
				}
				if why := weakens(readForm(base), readForm(o.Rules[field])); why != "" {
					add(warnNameWeakens, fmt.Sprintf("overrides[%d].rules.%s", i, field),
						"weakens the enforced rule (%s) for clients whose name matches %q; %s", why, o.Match.ClientName, renameRiskAdvice)
				}
			}
		}
		for j := len(d.Overrides) - 1; j > i; j-- {
			later := d.Overrides[j]
			if covers(later.Match, o.Match) && len(o.Rules) > 0 && allIn(sortedKeys(o.Rules), later.Rules) {
				add(warnShadowed, fmt.Sprintf("overrides[%d]", i),
					"never applies: overrides[%d] matches every client it matches (%s) and restates all its fields, and a later override replaces an earlier one",
					j, later.Match)
				break
			}
		}
	}

	for i, e := range d.Exemptions {
		p := fmt.Sprintf("exemptions[%d]", i)
		if e.Match.ClientName != "" {
			var hit []string
			for _, field := range sortedKeys(d.Rules) {
				if enforced(field) && (len(e.Fields) == 0 || slices.ContainsFunc(e.Fields, func(f string) bool { return sameField(f, field) })) {
					hit = append(hit, field)
				}
			}
			if len(hit) > 0 {
				add(warnNameWeakens, p+".match.clientName",
					"exempts enforced rules (%s) for clients whose name matches %q; %s", strings.Join(hit, ", "), e.Match.ClientName, renameRiskAdvice)
			}
		}
		if t, ok := expiry(e.Expires); ok {
			switch {
			case !now.Before(t):
				add(warnExpired, p+".expires", "expired on %s and no longer applies; remove it or renew it with a new reason", t.Format(time.DateOnly))
			case t.Sub(now) > oneYear:
				add(warnLongExempt, p+".expires", "ends %s, more than a year from now; keep exemptions short and renew them", t.Format(time.DateOnly))
			}
		}
	}
	return append(ws, unfixableKinds(d)...)
}

// unfixableKinds spots rules of the baseline (not of overrides) whose fix
// Cognito would refuse for a whole kind of client, the cross-field rules
// pkg/policy withholds fixes for (UpdateUserPoolClient API reference; see the
// policy package doc). The checks are cheap and conservative: each one
// names the kind of client it leaves unfixable.
func unfixableKinds(d *doc) []Warning {
	var ws []Warning
	rule := func(field string) form {
		f := readForm(d.Rules[field])
		if f.present && f.action != string(policy.Enforce) {
			return form{}
		}
		return f
	}
	add := func(field, format string, args ...any) {
		ws = append(ws, Warning{Code: warnUnfixable, Path: "rules." + field, Message: fmt.Sprintf(format, args...)})
	}
	// Cognito accepts EnablePropagateAdditionalUserContextData only on a
	// client with a secret (UpdateUserPoolClient API reference).
	if f := rule("EnablePropagateAdditionalUserContextData"); f.hasEquals && f.equals == "true" {
		add("EnablePropagateAdditionalUserContextData", "leaves every client without a client secret unfixable: Cognito allows it only on a client with a secret")
	}
	flows := rule("AllowedOAuthFlows")
	if slices.Contains(flows.require, "client_credentials") || flows.equals == `["client_credentials"]` {
		add("AllowedOAuthFlows", "leaves every client without a client secret unfixable: client_credentials needs a secret")
	}
	if oauth := []string{"code", "implicit", "client_credentials"}; !slices.ContainsFunc(oauth, func(s string) bool { return !anyGlob(flows.forbid, s) }) {
		add("AllowedOAuthFlows", "forbids every OAuth flow, so no OAuth client can be fixed: removing its last flow would cut off its sign-in")
	}
	rotation := rule(rotationWhole)
	rotationOn := strings.Contains(rotation.equals, `"Feature":"ENABLED"`) || rule(rotationFeature).equals == `"ENABLED"`
	if auth := rule("ExplicitAuthFlows"); anyGlob(auth.forbid, refreshFlow) && !rotationOn {
		add("ExplicitAuthFlows", "forbids %s without a rule enabling refresh token rotation: Cognito requires that flow unless rotation is on, so every client using it is unfixable", refreshFlow)
	} else if rotationOn && !anyGlob(auth.forbid, refreshFlow) {
		field := rotationWhole
		if !rotation.present {
			field = rotationFeature
		}
		add(field, "enables refresh token rotation without forbidding %s: Cognito refuses rotation while that flow is allowed, so every client using it is unfixable", refreshFlow)
	}
	refresh := rule("RefreshTokenValidity")
	refreshMax := refresh.max
	if refresh.hasEquals {
		refreshMax = bound([]byte(refresh.equals))
	}
	for _, tok := range []string{"AccessTokenValidity", "IdTokenValidity"} {
		f := rule(tok)
		lo := f.min
		if f.hasEquals {
			lo = bound([]byte(f.equals))
		}
		if lo != nil && refreshMax != nil && *lo > *refreshMax {
			add(tok, "requires at least %ds while RefreshTokenValidity allows at most %ds: a token cannot outlive the refresh token, so no client can be fixed", *lo, *refreshMax)
		}
	}
	return ws
}

// weakens says how an override's rule o is weaker than the enforced base
// rule, or "" when it is at least as strict in every form the base states.
// A change it cannot order (another equals value, another pattern) counts
// as weaker: the point is to flag what a rename could switch off.
func weakens(base, o form) string {
	switch {
	case o.null:
		return "removes it"
	case o.action == string(policy.Report):
		return "makes it report-only"
	case base.hasEquals && (!o.hasEquals || o.equals != base.equals):
		return "replaces equals " + base.equals
	case base.max != nil && (o.max == nil || *o.max > *base.max):
		return "raises or drops max"
	case base.min != nil && (o.min == nil || *o.min < *base.min):
		return "lowers or drops min"
	case base.requireHTTPS && !o.requireHTTPS:
		return "drops requireHttps"
	case base.pattern != "" && o.pattern != base.pattern:
		return "changes the pattern"
	}
	if l := missing(base.forbid, o.forbid); len(l) > 0 {
		return "no longer forbids " + strings.Join(l, ", ")
	}
	if l := missing(base.require, o.require); len(l) > 0 {
		return "no longer requires " + strings.Join(l, ", ")
	}
	if base.hasAllow && (!o.hasAllow || len(missing(o.allow, base.allow)) > 0) {
		return "allows more"
	}
	return ""
}

func missing(want, have []string) []string {
	var out []string
	for _, s := range want {
		if !slices.Contains(have, s) {
			out = append(out, s)
		}
	}
	return out
}

func allIn(keys []string, m map[string]json.RawMessage) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// sameField reports whether an exemption naming name covers the rule for
// field (RefreshTokenRotation covers its parts and the other way round).
func sameField(name, field string) bool {
	return name == field || strings.HasPrefix(field, name+".") || strings.HasPrefix(name, field+".")
}

// covers reports whether every client matched by narrow is matched by wide.
func covers(wide, narrow match) bool {
	return coversKey(wide.UserPoolID, narrow.UserPoolID) &&
		coversKey(wide.ClientID, narrow.ClientID) &&
		coversKey(wide.ClientName, narrow.ClientName)
}

func coversKey(wide, narrow string) bool {
	switch {
	case wide == "" || wide == "*" || wide == narrow:
		return true
	case narrow == "":
		return false
	case !strings.Contains(narrow, "*"):
		return glob(wide, narrow)
	}
	// Both globs: "p*" covers any pattern starting with p.
	prefix, ok := strings.CutSuffix(wide, "*")
	return ok && !strings.Contains(prefix, "*") && strings.HasPrefix(narrow, prefix)
}

// glob matches s against a pattern whose '*' matches any run of
// characters, as pkg/policy matches baseline globs.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func anyGlob(patterns []string, s string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return glob(p, s) })
}
