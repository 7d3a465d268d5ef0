package reconcile

import "github.com/cognito-guard/cognito-guard/pkg/policy"

// Status is what happened to one client. The values are the contract of
// PRODUCT.md section 6.
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
}
