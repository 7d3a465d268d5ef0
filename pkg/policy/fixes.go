package policy

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Additions are the elements a Result's fixes add to the lists whose members
// the user pool must define: custom scopes of a resource server, identity
// providers, attributes of the pool's schema. Cognito rejects the whole
// update when one is missing, so a caller checks them against the pool
// before it writes (standard scopes such as openid need no resource server).
type Additions struct {
	AllowedOAuthScopes         []string `json:"allowedOAuthScopes,omitempty"`
	SupportedIdentityProviders []string `json:"supportedIdentityProviders,omitempty"`
	ReadAttributes             []string `json:"readAttributes,omitempty"`
	WriteAttributes            []string `json:"writeAttributes,omitempty"`
}

// Empty reports whether the fixes add nothing the pool must define.
func (a Additions) Empty() bool {
	return len(a.AllowedOAuthScopes)+len(a.SupportedIdentityProviders)+len(a.ReadAttributes)+len(a.WriteAttributes) == 0
}

// Additions lists, from r.Changes, what the fixes add to AllowedOAuthScopes,
// SupportedIdentityProviders, ReadAttributes and WriteAttributes, sorted.
// An attribute list that was unset ("all") and becomes a list adds every
// element of that list: Cognito checks each named attribute.
func (r Result) Additions() Additions {
	var a Additions
	for _, ch := range r.Changes {
		var dst *[]string
		switch ch.Field {
		case "AllowedOAuthScopes":
			dst = &a.AllowedOAuthScopes
		case "SupportedIdentityProviders":
			dst = &a.SupportedIdentityProviders
		case "ReadAttributes":
			dst = &a.ReadAttributes
		case "WriteAttributes":
			dst = &a.WriteAttributes
		default:
			continue
		}
		*dst = added(ch.Before, ch.After)
	}
	return a
}

// added returns the elements of after that before lacks; before "all" (an
// unset attribute list) lacks every named element.
func added(before, after any) []string {
	al, _ := after.([]string)
	bl, _ := before.([]string)
	var out []string
	for _, s := range al {
		if !slices.Contains(bl, s) {
			out = append(out, s)
		}
	}
	return out
}

// SelfContained returns r with only the fixes that cannot reference
// anything outside the client: removals, clamps and scalar settings stay;
// a fix that adds a scope, identity provider or attribute, or sets
// AnalyticsConfiguration (an Amazon Pinpoint project and IAM role), is
// withdrawn and its findings become unfixable with reason (for example the
// message with which Cognito rejected the full update). Cognito's
// cross-field rules are checked again on what is left. described is the
// client r was evaluated from; Fixed is nil when nothing is left to write.
//
// It is the retry of issue 10 section 3: when Cognito rejects an update for
// its content, send once more only what the client holds by itself.
func (r Result) SelfContained(described *types.UserPoolClientType, reason string) Result {
	out := r
	out.Findings = slices.Clone(r.Findings)
	if r.Fixed == nil {
		return out
	}
	x := &fixer{c: described, w: deepCopy(r.Fixed), res: &out, unsorted: true}
	for i, fd := range out.Findings {
		if fd.Action == Enforce && fd.Fixable {
			x.ownAt(i, fieldByName[fd.Field])
		}
	}
	adds := r.Additions()
	for _, l := range []struct {
		field string
		added []string
	}{
		{"AllowedOAuthScopes", adds.AllowedOAuthScopes},
		{"SupportedIdentityProviders", adds.SupportedIdentityProviders},
		{"ReadAttributes", adds.ReadAttributes},
		{"WriteAttributes", adds.WriteAttributes},
	} {
		if len(l.added) > 0 {
			x.withdraw(l.field, reason) // the whole field: a list fix is one value
		}
	}
	if a := fieldByName["AnalyticsConfiguration"]; x.changed(a.name) && a.get(x.w).present {
		x.withdraw(a.name, reason)
	}
	withdrawViolations(x)
	var before, after [64]any
	x.finish(&before, &after)
	return out
}
