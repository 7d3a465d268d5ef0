package policy

import (
	"slices"
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
	exempt    fieldSet
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
	p := new(Resolved)
	b.resolve(p, nil, t, now)
	return p
}

// resolve is Resolve into p, with p.Rules in rules (which it allocates
// when nil, and appends to otherwise).
func (b *Baseline) resolve(p *Resolved, rules []*Rule, t Target, now time.Time) {
	var eff [64]*Rule // by field index
	for _, fr := range b.base {
		eff[fr.f.idx] = fr.r
	}
	var buf [8]AppliedOverride
	applied := buf[:0]
	for i := range b.overrides {
		o := &b.overrides[i]
		if !o.match.matches(t) {
			continue
		}
		applied = append(applied, o.applied)
		for _, fr := range o.ordered {
			// Stated or removed (null), a part replaces only that part.
			splitRotation(&eff, fr.f)
			replaceRotation(&eff, fr.f)
			eff[fr.f.idx] = fr.r
		}
	}
	n := 0
	for _, r := range eff {
		if r != nil {
			n++
		}
	}
	if rules == nil {
		rules = make([]*Rule, 0, n)
	}
	*p = Resolved{Target: t, Rules: rules}
	if len(applied) > 0 {
		p.Overrides = slices.Clone(applied)
	}
	for _, r := range eff[:len(fields)] {
		if r != nil {
			p.Rules = append(p.Rules, r)
		}
	}
	for i := range b.exemptions {
		e := &b.exemptions[i]
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
		p.exempt |= e.fields
	}
}

// replaceRotation keeps RefreshTokenRotation stated either whole or by its
// parts: an override of one form replaces inherited rules of the other.
func replaceRotation(eff *[64]*Rule, f *field) {
	whole := fields[f.sdkIdx]
	if whole.name != "RefreshTokenRotation" {
		return
	}
	if f == whole {
		for _, part := range fields {
			if part.sdkIdx == whole.idx && part != whole {
				eff[part.idx] = nil
			}
		}
		return
	}
	eff[whole.idx] = nil
}

// splitRotation: before an override states or removes (null) one part of
// RefreshTokenRotation, an inherited rule stating the field whole becomes
// one rule per part, so only the named part is replaced or goes and the
// other keeps its requirement.
func splitRotation(eff *[64]*Rule, f *field) {
	whole := fields[f.sdkIdx]
	w := eff[whole.idx]
	if f == whole || whole.name != "RefreshTokenRotation" || w == nil || !w.hasEquals {
		return
	}
	for part, v := range w.equals.obj {
		pf := fieldByName[whole.name+"."+part]
		if pf == nil {
			continue
		}
		r := &Rule{Field: pf.name, Action: w.Action, f: pf, hasEquals: true}
		switch x := v.(type) {
		case string:
			r.equals = val{s: x, present: true}
		case int64:
			r.equals = val{n: x, present: true}
		default:
			continue
		}
		eff[pf.idx] = r.prepare()
	}
}

// exempted reports whether an active exemption covers the field. An
// exemption naming RefreshTokenRotation covers its parts too, and one
// naming a part covers a rule that states RefreshTokenRotation whole: that
// rule would otherwise write the exempted part.
func (p *Resolved) exempted(f *field) bool {
	return p.exemptAll || p.exempt.has(f) || p.exempt.has(fields[f.sdkIdx]) || p.exempt&f.parts != 0
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
