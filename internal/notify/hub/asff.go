package hub

// The parts of the AWS Security Finding Format (ASFF) and of the Security
// Hub operations' inputs and outputs that this package sets or reads, with
// the API's member names as JSON names
// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html).
// Members are declared in alphabetical order, the order in which the SDK's
// serializers write them, so that a request body is the SDK's byte for
// byte (maps aside, whose order the SDK does not fix). Empty members are
// left out, as the SDK leaves out nil ones. Members of answers that are not
// declared here are ignored.

// AwsSecurityFinding is an ASFF finding.
type AwsSecurityFinding struct {
	AwsAccountId          string                 `json:"AwsAccountId,omitempty"`
	Compliance            *Compliance            `json:"Compliance,omitempty"`
	CreatedAt             string                 `json:"CreatedAt,omitempty"`
	Description           string                 `json:"Description,omitempty"`
	FindingProviderFields *FindingProviderFields `json:"FindingProviderFields,omitempty"`
	GeneratorId           string                 `json:"GeneratorId,omitempty"`
	Id                    string                 `json:"Id,omitempty"`
	LastObservedAt        string                 `json:"LastObservedAt,omitempty"`
	ProductArn            string                 `json:"ProductArn,omitempty"`
	ProductFields         map[string]string      `json:"ProductFields,omitempty"`
	ProductName           string                 `json:"ProductName,omitempty"`
	RecordState           string                 `json:"RecordState,omitempty"`
	Region                string                 `json:"Region,omitempty"`
	Remediation           *Remediation           `json:"Remediation,omitempty"`
	Resources             []Resource             `json:"Resources,omitempty"`
	SchemaVersion         string                 `json:"SchemaVersion,omitempty"`
	Severity              *Severity              `json:"Severity,omitempty"`
	Title                 string                 `json:"Title,omitempty"`
	Types                 []string               `json:"Types,omitempty"`
	UpdatedAt             string                 `json:"UpdatedAt,omitempty"`
	Workflow              *Workflow              `json:"Workflow,omitempty"`
}

// Compliance is a finding's compliance status (ComplianceStatus*).
type Compliance struct {
	Status string `json:"Status,omitempty"`
}

// FindingProviderFields are the provider's own values, which a customer's
// BatchUpdateFindings cannot overwrite.
type FindingProviderFields struct {
	Severity *FindingProviderSeverity `json:"Severity,omitempty"`
	Types    []string                 `json:"Types,omitempty"`
}

// FindingProviderSeverity is the provider's severity.
type FindingProviderSeverity struct {
	Label string `json:"Label,omitempty"`
}

// Remediation says how to fix a finding.
type Remediation struct {
	Recommendation *Recommendation `json:"Recommendation,omitempty"`
}

// Recommendation is a remediation's text.
type Recommendation struct {
	Text string `json:"Text,omitempty"`
}

// Resource is a resource a finding is about.
type Resource struct {
	Details   *ResourceDetails `json:"Details,omitempty"`
	Id        string           `json:"Id,omitempty"`
	Partition string           `json:"Partition,omitempty"`
	Region    string           `json:"Region,omitempty"`
	Type      string           `json:"Type,omitempty"`
}

// ResourceDetails holds, for a resource of type Other, its fields.
type ResourceDetails struct {
	Other map[string]string `json:"Other,omitempty"`
}

// Severity is a finding's severity (SeverityLabel*).
type Severity struct {
	Label string `json:"Label,omitempty"`
}

// Workflow is a finding's workflow status (WorkflowStatus*).
type Workflow struct {
	Status string `json:"Status,omitempty"`
}

// The enum values the hub uses.
const (
	ComplianceStatusFailed = "FAILED"
	ComplianceStatusPassed = "PASSED"

	RecordStateActive   = "ACTIVE"
	RecordStateArchived = "ARCHIVED"

	SeverityLabelInformational = "INFORMATIONAL"
	SeverityLabelLow           = "LOW"
	SeverityLabelMedium        = "MEDIUM"
	SeverityLabelHigh          = "HIGH"

	WorkflowStatusNew      = "NEW"
	WorkflowStatusResolved = "RESOLVED"

	StringFilterComparisonEquals = "EQUALS"
	StringFilterComparisonPrefix = "PREFIX"
)

// BatchImportFindingsOutput is BatchImportFindings' answer
// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html).
type BatchImportFindingsOutput struct {
	FailedCount    int
	SuccessCount   int
	FailedFindings []ImportFindingsError
}

// ImportFindingsError is a finding BatchImportFindings rejected.
type ImportFindingsError struct {
	Id, ErrorCode, ErrorMessage string
}

// FindingIdentifier names a finding (AwsSecurityFindingIdentifier).
type FindingIdentifier struct {
	Id         string `json:"Id"`
	ProductArn string `json:"ProductArn"`
}

// BatchUpdateFindingsInput is the part of BatchUpdateFindings' input the
// hub sends
// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchUpdateFindings.html).
type BatchUpdateFindingsInput struct {
	FindingIdentifiers []FindingIdentifier `json:"FindingIdentifiers"`
	Workflow           *WorkflowUpdate     `json:"Workflow,omitempty"`
}

// WorkflowUpdate is the workflow status BatchUpdateFindings sets.
type WorkflowUpdate struct {
	Status string `json:"Status,omitempty"`
}

// BatchUpdateFindingsOutput is BatchUpdateFindings' answer.
type BatchUpdateFindingsOutput struct {
	ProcessedFindings   []FindingIdentifier
	UnprocessedFindings []UnprocessedFinding
}

// UnprocessedFinding is a finding BatchUpdateFindings did not update.
type UnprocessedFinding struct {
	FindingIdentifier       *FindingIdentifier
	ErrorCode, ErrorMessage string
}

// GetFindingsInput is the part of GetFindings' input the hub sends
// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html).
type GetFindingsInput struct {
	Filters    *FindingFilters `json:"Filters,omitempty"`
	MaxResults int32           `json:"MaxResults,omitempty"`
	NextToken  string          `json:"NextToken,omitempty"`
}

// FindingFilters are the AwsSecurityFindingFilters the hub uses.
type FindingFilters struct {
	Id          []StringFilter `json:"Id,omitempty"`
	ProductArn  []StringFilter `json:"ProductArn,omitempty"`
	RecordState []StringFilter `json:"RecordState,omitempty"`
}

// StringFilter is a string comparison (StringFilterComparison*).
type StringFilter struct {
	Comparison string `json:"Comparison,omitempty"`
	Value      string `json:"Value,omitempty"`
}

// GetFindingsOutput is a page of GetFindings' answer.
type GetFindingsOutput struct {
	Findings  []AwsSecurityFinding
	NextToken string
}
