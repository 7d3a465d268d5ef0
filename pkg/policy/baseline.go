package policy

import (
	"strings"
)

// Baseline is a parsed, validated baseline document (version 1). It is
// immutable after Parse and safe for concurrent use.
type Baseline struct {
	rules      map[string]*Rule
	base       []fieldRule // rules in field order (index)
	overrides  []override
	exemptions []exemptionSpec
}

type override struct {
	match matcher
	rules map[string]*Rule // a nil rule removes the field's rule

	// Made by Parse (index): the rules in field order and what Resolve
	// reports when the override applies.
	ordered []fieldRule
	applied AppliedOverride
}

type fieldRule struct {
	f *field
	r *Rule // nil removes the field's rule
}

type exemptionSpec struct {
	match  matcher
	ex     Exemption
	fields fieldSet // ex.Fields (Parse)
}

// index prepares the baseline for Resolve; Parse calls it.
func (b *Baseline) index() {
	for _, f := range fields {
		if r := b.rules[f.name]; r != nil {
			b.base = append(b.base, fieldRule{f, r})
		}
	}
	for i := range b.overrides {
		o := &b.overrides[i]
		o.applied = AppliedOverride{Index: i, Match: o.match, Fields: []string{}}
		for _, f := range fields {
			if r, ok := o.rules[f.name]; ok {
				o.ordered = append(o.ordered, fieldRule{f, r})
				o.applied.Fields = append(o.applied.Fields, f.name)
			}
		}
	}
	for i := range b.exemptions {
		e := &b.exemptions[i]
		for _, name := range e.ex.Fields {
			e.fields.add(fieldByName[name])
		}
	}
}

// matcher selects clients; empty keys match anything, the others are globs.
type matcher = Match

func (m Match) matches(t Target) bool {
	return (m.UserPoolID == "" || match(m.UserPoolID, t.UserPoolID)) &&
		(m.ClientID == "" || match(m.ClientID, t.ClientID)) &&
		(m.ClientName == "" || match(m.ClientName, t.ClientName))
}

// Problem is one thing wrong with a baseline, at a JSON path such as
// "rules.AccessTokenValidity.max" or "overrides[0].match".
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// ValidationError lists every problem found in a baseline, in document
// order, so that one round trip fixes them all.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid baseline: " + strings.Join(parts, "; ")
}
