package reconcile

import "github.com/cognito-guard/cognito-guard/pkg/policy"

// Status is what happened to one client. The values are the contract of
// README's "What it returns and publishes".
type Status string

const (
	Compliant  Status = "compliant"  // no finding
	Remediated Status = "remediated" // enforceable drift was written and verified
	Drift      Status = "drift"      // drift reported only (report action or dry run)
	Unfixable  Status = "unfixable"  // an enforce finding cannot be fixed safely
	Exempt     Status = "exempt"     // findings exist only on exempted fields
	Skipped    Status = "skipped"    // nothing to do: not our event, client gone
	Failed     Status = "failed"     // a terminal error; see Reason
)

// Outcome is the result for one client, returned and logged as JSON. It never
// holds the client secret.
type Outcome struct {
	UserPoolID        string             `json:"userPoolId,omitempty"`
	ClientID          string             `json:"clientId,omitempty"`
	ClientName        string             `json:"clientName,omitempty"`
	Status            Status             `json:"outcome"`
	DryRun            bool               `json:"dryRun,omitempty"`
	Reason            string             `json:"reason,omitempty"`
	Findings          []policy.Finding   `json:"findings,omitempty"`
	Exempted          []policy.Finding   `json:"exempted,omitempty"`
	Changes           []policy.Change    `json:"changes,omitempty"`
	Exemptions        []policy.Exemption `json:"exemptions,omitempty"`
	ExpiredExemptions []policy.Exemption `json:"expiredExemptions,omitempty"`
	// Overrides are the baseline overrides that matched this client (index
	// and match): a match on clientName is decided by whoever can rename
	// the client, so the outcome says which rule set applied.
	Overrides []policy.AppliedOverride `json:"overrides,omitempty"`
	// BaselineVersion is the SSM parameter version of the baseline the
	// client was judged by (0, omitted, when unknown).
	BaselineVersion int64 `json:"baselineVersion,omitempty"`
	// UnknownMembers are settings Cognito returned that this build's SDK
	// does not know; such a client is never written (an update would reset
	// them) until cognito-guard is upgraded.
	UnknownMembers []string `json:"unknownMembers,omitempty"`
	// Restarts counts the times the reconcile started again from a fresh
	// describe because the client or the baseline changed under it.
	Restarts int `json:"restarts,omitempty"`
}
