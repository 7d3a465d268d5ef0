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
	Fields  []string  `json:"fields,omitempty"` // empty: all fields
	Expires time.Time `json:"expires"`
	Reason  string    `json:"reason"`
}

// Result is the outcome of evaluating one client.
type Result struct {
	// Findings are the rules the client breaks, exempted fields excluded.
	Findings []Finding
	// Exempted are findings suppressed by an active exemption.
	Exempted []Finding
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
