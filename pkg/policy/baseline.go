package policy

import (
	"strings"
)

// Baseline is a parsed, validated baseline document (version 1). It is
// immutable after Parse and safe for concurrent use.
type Baseline struct {
	rules      map[string]*Rule
	overrides  []override
	exemptions []exemptionSpec
}

type override struct {
	match matcher
	rules map[string]*Rule // a nil rule removes the field's rule
}

type exemptionSpec struct {
	match matcher
	ex    Exemption
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
