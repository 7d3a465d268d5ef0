package policy

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Resolved is a baseline resolved for one client: the effective rules and
// the exemptions that apply at one instant.
type Resolved struct {
	Target Target
	// Rules are the effective rules in field order.
	Rules []*Rule
	// Exemptions are the active exemptions that match the target; Expired
	// are those that match but have expired (reported, not applied).
	Exemptions []Exemption
	Expired    []Exemption
	// Overrides are the overrides that matched the target, in order.
	Overrides []AppliedOverride

	exemptAll bool
	exempt    map[string]bool
}

// TargetOf returns the identity of a described client.
func TargetOf(c *types.UserPoolClientType) Target {
	return Target{
		UserPoolID: aws.ToString(c.UserPoolId),
		ClientID:   aws.ToString(c.ClientId),
		ClientName: aws.ToString(c.ClientName),
	}
}

// Resolve returns the rules for t: the baseline's rules, then every
// matching override in document order (a field's rule in a later override
// replaces the earlier one whole; null removes it), then the exemptions
// that match and have not expired at now.
func (b *Baseline) Resolve(t Target, now time.Time) *Resolved {
	eff := make(map[string]*Rule, len(b.rules))
	for k, r := range b.rules {
		eff[k] = r
	}
	var applied []AppliedOverride
	for i, o := range b.overrides {
		if !o.match.matches(t) {
			continue
		}
		ao := AppliedOverride{Index: i, Match: o.match, Fields: make([]string, 0, len(o.rules))}
		for _, f := range fields {
			if _, ok := o.rules[f.name]; ok {
				ao.Fields = append(ao.Fields, f.name)
			}
		}
		applied = append(applied, ao)
		for k, r := range o.rules {
			// Stated or removed (null), a part replaces only that part.
			splitRotation(eff, k)
			replaceRotation(eff, k)
			if r == nil {
				delete(eff, k)
				continue
			}
			eff[k] = r
		}
	}
	p := &Resolved{Target: t, Overrides: applied}
	for _, f := range fields {
		if r := eff[f.name]; r != nil {
			p.Rules = append(p.Rules, r)
		}
	}
	for _, e := range b.exemptions {
		if !e.match.matches(t) {
			continue
		}
		if !now.Before(e.ex.Expires) {
			p.Expired = append(p.Expired, e.ex)
			continue
		}
		p.Exemptions = append(p.Exemptions, e.ex)
		if len(e.ex.Fields) == 0 {
			p.exemptAll = true
		}
		for _, f := range e.ex.Fields {
			if p.exempt == nil {
				p.exempt = map[string]bool{}
			}
			p.exempt[f] = true
		}
	}
	return p
}

// replaceRotation keeps RefreshTokenRotation stated either whole or by its
// parts: an override of one form replaces inherited rules of the other.
func replaceRotation(eff map[string]*Rule, k string) {
	const whole = "RefreshTokenRotation"
	switch {
	case k == whole:
		delete(eff, whole+".Feature")
		delete(eff, whole+".RetryGracePeriodSeconds")
	case fieldByName[k] != nil && fieldByName[k].sdk == whole:
		delete(eff, whole)
	}
}

// splitRotation: before an override states or removes (null) one part of
// RefreshTokenRotation, an inherited rule stating the field whole becomes
// one rule per part, so only the named part is replaced or goes and the
// other keeps its requirement.
func splitRotation(eff map[string]*Rule, k string) {
	const whole = "RefreshTokenRotation"
	w := eff[whole]
	if w == nil || !w.hasEquals || fieldByName[k] == nil || fieldByName[k].sdk != whole || k == whole {
		return
	}
	for part, v := range w.equals.obj {
		f := fieldByName[whole+"."+part]
		if f == nil {
			continue
		}
		r := &Rule{Field: f.name, Action: w.Action, f: f, hasEquals: true}
		switch x := v.(type) {
		case string:
			r.equals = val{s: x, present: true}
		case int64:
			r.equals = val{n: x, present: true}
		default:
			continue
		}
		eff[f.name] = r.prepare()
	}
}

// exempted reports whether an active exemption covers the field. An
// exemption naming RefreshTokenRotation covers its parts too, and one
// naming a part covers a rule that states RefreshTokenRotation whole: that
// rule would otherwise write the exempted part.
func (p *Resolved) exempted(f *field) bool {
	if p.exemptAll || p.exempt[f.name] || p.exempt[f.sdk] {
		return true
	}
	for k := range p.exempt {
		if strings.HasPrefix(k, f.name+".") {
			return true
		}
	}
	return false
}

// String describes the rule, e.g. "RefreshTokenValidity min 1h max 30d
// (enforce)", for logs and test output.
func (r *Rule) String() string {
	s := r.Field
	for i := range formTable {
		if d := formTable[i].describe(r); d != "" {
			s += " " + d
		}
	}
	return s + " (" + string(r.Action) + ")"
}
