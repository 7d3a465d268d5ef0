package policy

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Action says what happens when a rule is not met.
type Action string

const (
	// Enforce (the default) fixes the drift when the run is not a dry run.
	Enforce Action = "enforce"
	// Report only records the drift.
	Report Action = "report"
)

// Target identifies the client a baseline is resolved for.
type Target struct {
	UserPoolID string
	ClientID   string
	ClientName string
}

// Finding is one rule that a client does not satisfy. It is data: it carries
// normalised values only, never the client secret.
type Finding struct {
	// Rule is a stable identifier, "<Field>.<form>", e.g. "AccessTokenValidity.max".
	Rule  string `json:"rule"`
	Field string `json:"field"`
	// Current is the normalised current value (durations as strings such as
	// "90m" or "3650d", lists sorted).
	Current any `json:"current"`
	// Required states the rule, e.g. "<= 1h" or "must not contain implicit".
	Required string `json:"required"`
	Action   Action `json:"action"`
	Fixable  bool   `json:"fixable"`
	// Fix is the value the fix writes (normalised like Current), when fixable.
	// A fixable finding without Fix clears the field (DefaultRedirectURI).
	Fix any `json:"fix,omitempty"`
	// Reason explains why a finding is not fixable.
	Reason string `json:"reason,omitempty"`
}

// Change is one field that a fix moves, before and after (normalised).
type Change struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// Exemption is an exemption that matched a client.
type Exemption struct {
	// Index is the exemption's position in the baseline's exemptions and
	// Match its selector as written: a match on clientName is one anyone who
	// can edit the client controls (renaming it moves it under the
	// exemption), so an outcome says which one applied and why.
	Index   int       `json:"index"`
	Match   Match     `json:"match"`
	Fields  []string  `json:"fields,omitempty"` // empty: all fields
	Expires time.Time `json:"expires"`
	Reason  string    `json:"reason"`
}

// Match is the selector of an override or exemption as the baseline states
// it; empty members match anything, the others are globs.
type Match struct {
	UserPoolID string `json:"userPoolId,omitempty"`
	ClientID   string `json:"clientId,omitempty"`
	ClientName string `json:"clientName,omitempty"`
}

// AppliedOverride is an override that matched the client and so changed
// its rules; like an exemption it may have matched on clientName.
type AppliedOverride struct {
	Index int   `json:"index"` // position in the baseline's overrides
	Match Match `json:"match"`
	// Fields are the fields whose rule the override set or removed (null),
	// in field order.
	Fields []string `json:"fields"`
}

// Result is the outcome of evaluating one client.
type Result struct {
	// Findings are the rules the client breaks, exempted fields excluded.
	Findings []Finding
	// Exempted are findings suppressed by an active exemption.
	Exempted []Finding
	// Overrides that matched the client, in baseline order (a later one
	// replaces an earlier one's rule for the same field).
	Overrides []AppliedOverride
	// Exemptions that applied, and those that matched but have expired
	// (expired ones are not applied; they are reported).
	Exemptions []Exemption
	Expired    []Exemption
	// Fixed is a copy of the described client with every enforceable, fixable
	// finding fixed and nothing else touched; nil when there is nothing to fix.
	Fixed *types.UserPoolClientType
	// Changes lists the fields Fixed moves.
	Changes []Change
}
