// Package hub keeps Security Hub in step with outcomes: a FAILED finding
// per rule a client breaks, resolved once it meets the rule. Only the audit
// links it (it sees every client on each sweep, so it can resolve findings
// as well as raise them); package notify calls it through
// notify.FindingsSync, so the remediate binary carries no Security Hub
// code. It calls Security Hub with its own Client (client.go: signed HTTP
// requests through package awsreq, ASFF types in asff.go), not the SDK's
// Security Hub client: with it (and the REST-JSON and document support only
// it brought) the audit bootstrap was 13,238,434 B, without it 9,699,490 B.
package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/notify/common"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// ASFF constants.
const (
	SchemaVersion = "2018-10-08"
	FindingType   = "Software and Configuration Checks/AWS Security Best Practices"
	// maxFindingsPerCall is BatchImportFindings' limit of findings per
	// request, and BatchUpdateFindings' of finding identifiers.
	maxFindingsPerCall = 100
	// maxClientFilters bounds the Id PREFIX filters of one GetFindings query;
	// beyond it, all of this tool's open findings are listed instead.
	maxClientFilters = 10
	// ASFF length limits (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html).
	maxTitle       = 256
	maxDescription = 1024
	maxRecommend   = 512
)

// Source is the tool's name in finding IDs and ProductFields (notify.Source).
const Source = common.Source

// BatchImportFindingsAPI is the Security Hub operation that creates and
// updates findings; *Client has it.
type BatchImportFindingsAPI interface {
	BatchImportFindings(ctx context.Context, findings []AwsSecurityFinding) (*BatchImportFindingsOutput, error)
}

// BatchUpdateFindingsAPI sets the workflow status of findings; *Client
// has it.
type BatchUpdateFindingsAPI interface {
	BatchUpdateFindings(ctx context.Context, in BatchUpdateFindingsInput) (*BatchUpdateFindingsOutput, error)
}

// GetFindingsAPI looks up this tool's open Security Hub findings (one
// page per call); *Client has it.
type GetFindingsAPI interface {
	GetFindings(ctx context.Context, in GetFindingsInput) (*GetFindingsOutput, error)
}

// Options configures a Hub.
type Options struct {
	// SecurityHub imports a FAILED finding per rule for drift that stays and
	// resolves the finding once the client meets the rule.
	SecurityHub BatchImportFindingsAPI
	// Findings, when set (normally the same *Client), is used
	// to find the open findings of the clients published, so that a rule
	// fixed by hand, a client now compliant or exempt, or a rule removed
	// from the baseline is resolved too. Without it only the findings the
	// outcome itself reports as fixed are resolved.
	Findings GetFindingsAPI
	// Workflow, when set (normally the same *Client), sets the
	// workflow status of resolved findings to RESOLVED with
	// BatchUpdateFindings: BatchImportFindings ignores Workflow on a
	// finding that already exists. Without it resolved findings are
	// archived and PASSED but keep their workflow status.
	Workflow BatchUpdateFindingsAPI
	// Now defaults to time.Now.
	Now func() time.Time
	// Backoff is the pause before retry attempt n (1, 2, ...) of findings
	// Security Hub rejected; by default n times 200 ms.
	Backoff func(attempt int) time.Duration

	// Account and Region of the user pools, for each Sync.
	account, region string
}

// Hub syncs outcomes to Security Hub; it is a notify.FindingsSync. Safe
// for concurrent use if its clients are.
type Hub struct {
	opt Options
}

// New returns a Hub.
func New(opt Options) *Hub {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Backoff == nil {
		opt.Backoff = func(n int) time.Duration { return time.Duration(n) * 200 * time.Millisecond }
	}
	return &Hub{opt: opt}
}

// Sync makes Security Hub match the outcomes of the pools of account and
// region: every outcome that says where a client stands (all but skipped
// and failed ones) imports its findings and resolves those that no longer
// apply.
func (h *Hub) Sync(ctx context.Context, outcomes []reconcile.Outcome, account, region string) error {
	n := *h
	n.opt.account, n.opt.region = account, region
	return n.importFindings(ctx, outcomes)
}

const maxAttempts = common.MaxAttempts

func (n *Hub) sleep(ctx context.Context, attempt int) error {
	return common.Sleep(ctx, n.opt.Backoff(attempt))
}

func (n *Hub) poolARN(poolID string) string {
	return common.PoolARN(n.opt.account, n.opt.region, poolID)
}

func partition(region string) string        { return common.Partition(region) }
func summary(codes map[string]int) string   { return common.Summary(codes) }
func value(v any) string                    { return common.Value(v) }
func secretField(field string) bool         { return common.SecretField(field) }
func action(f policy.Finding) policy.Action { return common.Action(f) }

const redacted = common.Redacted

// FindingID is the stable Security Hub finding Id of a rule on a client: a
// later import with the same Id updates (or resolves) the same finding.
func FindingID(userPoolID, clientID, rule string) string {
	return clientPrefix(userPoolID, clientID) + rule
}

func clientPrefix(userPoolID, clientID string) string {
	return Source + "/" + userPoolID + "/" + clientID + "/"
}

// ProductARN is the default product ARN of an account's own findings.
func ProductARN(region, account string) string {
	return fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition(region), region, account, account)
}

// verdict splits an outcome's findings into those that stay (imported
// FAILED) and those the run fixed (resolved).
func verdict(o reconcile.Outcome) (stay, fixed []policy.Finding) {
	switch o.Status {
	case reconcile.Drift:
		return o.Findings, nil
	case reconcile.Remediated, reconcile.Unfixable:
		if o.DryRun {
			return o.Findings, nil
		}
		// The write fixed the enforced, fixable findings whose field it
		// changed; report-only and unfixable ones are still there.
		changed := map[string]bool{}
		for _, c := range o.Changes {
			changed[c.Field] = true
		}
		for _, f := range o.Findings {
			if action(f) == policy.Enforce && f.Fixable && changed[f.Field] {
				fixed = append(fixed, f)
			} else {
				stay = append(stay, f)
			}
		}
		return stay, fixed
	}
	return nil, nil // compliant, exempt: nothing stays
}

// settled reports whether an outcome says where a client stands. Skipped and
// failed ones do not, so Security Hub is left as it is for them.
func settled(o reconcile.Outcome) bool {
	switch o.Status {
	case reconcile.Compliant, reconcile.Exempt, reconcile.Drift, reconcile.Remediated, reconcile.Unfixable:
		return o.UserPoolID != "" && o.ClientID != ""
	}
	return false
}

// importFindings makes Security Hub match the outcomes: a FAILED, ACTIVE
// finding per rule that stays broken, and PASSED, ARCHIVED, RESOLVED for
// every open finding of the client that no longer applies.
func (n *Hub) importFindings(ctx context.Context, outcomes []reconcile.Outcome) error {
	var clients []reconcile.Outcome
	for _, o := range outcomes {
		if settled(o) {
			clients = append(clients, o)
		}
	}
	if len(clients) == 0 {
		return nil
	}
	if n.opt.account == "" || n.opt.region == "" {
		return errors.New("account and region are required for findings")
	}
	var errs []error
	var open map[string]AwsSecurityFinding // by Id; nil without a lookup
	if n.opt.Findings != nil {
		var err error
		if open, err = n.openFindings(ctx, clients); err != nil {
			// Still import what the outcomes say; only the resolution of
			// findings the outcomes do not name is lost until the next run.
			errs = append(errs, err)
			open = nil
		}
	}
	now := n.opt.Now().UTC()
	var batch []AwsSecurityFinding
	index := map[string]int{} // Id -> position in batch: the last outcome for a client wins
	add := func(f AwsSecurityFinding) {
		if i, ok := index[f.Id]; ok {
			batch[i] = f
			return
		}
		index[f.Id] = len(batch)
		batch = append(batch, f)
	}
	for _, o := range clients {
		stay, fixed := verdict(o)
		failing := map[string]bool{}
		for _, f := range stay {
			id := FindingID(o.UserPoolID, o.ClientID, f.Rule)
			failing[id] = true
			created := now
			if prev, ok := open[id]; ok {
				created = parseTime(prev.CreatedAt, now)
			}
			add(n.failedFinding(o, f, created, now))
		}
		if open != nil {
			prefix := clientPrefix(o.UserPoolID, o.ClientID)
			for _, id := range sortedKeys(open) {
				if strings.HasPrefix(id, prefix) && !failing[id] {
					prev := open[id]
					add(n.resolvedFinding(o, strings.TrimPrefix(id, prefix), prev.Title, parseTime(prev.CreatedAt, now), now))
				}
			}
			continue
		}
		for _, f := range fixed {
			add(n.resolvedFinding(o, f.Rule, title(o, f.Rule), now, now))
		}
	}
	notImported, err := n.batchImport(ctx, batch)
	if err != nil {
		errs = append(errs, err)
	}
	if n.opt.Workflow != nil {
		var resolved []string
		for _, f := range batch {
			if f.Compliance.Status == ComplianceStatusPassed && !notImported[f.Id] {
				resolved = append(resolved, f.Id)
			}
		}
		if err := n.resolveWorkflow(ctx, resolved); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// resolveWorkflow sets the workflow status of findings to RESOLVED.
// BatchImportFindings cannot: after a finding is created, Security Hub
// ignores a provider's updates to Workflow (and Note, UserDefinedFields,
// VerificationState), which belong to BatchUpdateFindings
// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html,
// https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchUpdateFindings.html).
// Findings Security Hub leaves unprocessed are sent again, up to
// maxAttempts in all.
func (n *Hub) resolveWorkflow(ctx context.Context, ids []string) error {
	product := ProductARN(n.opt.region, n.opt.account)
	pending := ids
	var lastFailures map[string]int
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			if attempt > maxAttempts {
				return fmt.Errorf("workflow of %d finding(s) not resolved after %d attempts: %s", len(pending), maxAttempts, summary(lastFailures))
			}
			if err := n.sleep(ctx, attempt-1); err != nil {
				return fmt.Errorf("workflow of %d finding(s) not resolved: %w", len(pending), err)
			}
		}
		var retry []string
		lastFailures = map[string]int{}
		for start := 0; start < len(pending); start += maxFindingsPerCall {
			batch := pending[start:min(start+maxFindingsPerCall, len(pending))]
			in := BatchUpdateFindingsInput{Workflow: &WorkflowUpdate{Status: WorkflowStatusResolved}}
			for _, id := range batch {
				in.FindingIdentifiers = append(in.FindingIdentifiers, FindingIdentifier{Id: id, ProductArn: product})
			}
			out, err := n.opt.Workflow.BatchUpdateFindings(ctx, in)
			if err != nil {
				return fmt.Errorf("update findings: %w", err)
			}
			for _, u := range out.UnprocessedFindings {
				if u.FindingIdentifier != nil {
					retry = append(retry, u.FindingIdentifier.Id)
				}
				lastFailures[u.ErrorCode]++
			}
		}
		pending = retry
	}
	return nil
}

// openFindings lists the ACTIVE findings of this tool for the clients: a
// prefix filter per client when they are few, all of the tool's otherwise.
func (n *Hub) openFindings(ctx context.Context, clients []reconcile.Outcome) (map[string]AwsSecurityFinding, error) {
	var ids []StringFilter
	seen := map[string]bool{}
	for _, o := range clients {
		p := clientPrefix(o.UserPoolID, o.ClientID)
		if !seen[p] {
			seen[p] = true
			ids = append(ids, StringFilter{Comparison: StringFilterComparisonPrefix, Value: p})
		}
	}
	if len(ids) > maxClientFilters {
		ids = []StringFilter{{Comparison: StringFilterComparisonPrefix, Value: Source + "/"}}
	}
	in := GetFindingsInput{
		Filters: &FindingFilters{
			ProductArn:  []StringFilter{{Comparison: StringFilterComparisonEquals, Value: ProductARN(n.opt.region, n.opt.account)}},
			Id:          ids,
			RecordState: []StringFilter{{Comparison: StringFilterComparisonEquals, Value: RecordStateActive}},
		},
		MaxResults: 100,
	}
	open := map[string]AwsSecurityFinding{}
	err := AllFindings(ctx, n.opt.Findings, in, func(page []AwsSecurityFinding) {
		for _, f := range page {
			if strings.HasPrefix(f.Id, Source+"/") {
				open[f.Id] = f
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("get open findings: %w", err)
	}
	return open, nil
}

// batchImport sends findings, a hundred per call, and sends again those
// Security Hub rejected one by one (FailedFindings), up to maxAttempts. On
// error it returns the IDs of the findings not imported (all of them when
// a call failed).
func (n *Hub) batchImport(ctx context.Context, findings []AwsSecurityFinding) (map[string]bool, error) {
	pending := findings
	var lastFailures map[string]int
	notImported := func() map[string]bool {
		ids := map[string]bool{}
		for _, f := range pending {
			ids[f.Id] = true
		}
		return ids
	}
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			if attempt > maxAttempts {
				return notImported(), fmt.Errorf("%d finding(s) not imported after %d attempts: %s", len(pending), maxAttempts, summary(lastFailures))
			}
			if err := n.sleep(ctx, attempt-1); err != nil {
				return notImported(), fmt.Errorf("%d finding(s) not imported: %w", len(pending), err)
			}
		}
		var retry []AwsSecurityFinding
		lastFailures = map[string]int{}
		for start := 0; start < len(pending); start += maxFindingsPerCall {
			batch := pending[start:min(start+maxFindingsPerCall, len(pending))]
			out, err := n.opt.SecurityHub.BatchImportFindings(ctx, batch)
			if err != nil {
				return notImported(), fmt.Errorf("import findings: %w", err)
			}
			failed := map[string]bool{}
			for _, f := range out.FailedFindings {
				failed[f.Id] = true
				lastFailures[f.ErrorCode]++
			}
			for _, f := range batch {
				if failed[f.Id] {
					retry = append(retry, f)
				}
			}
		}
		pending = retry
	}
	return nil, nil
}

func (n *Hub) base(o reconcile.Outcome, rule, ttl string, created, now time.Time) AwsSecurityFinding {
	other := map[string]string{"clientId": o.ClientID}
	if o.ClientName != "" {
		other["clientName"] = o.ClientName
	}
	return AwsSecurityFinding{
		SchemaVersion: SchemaVersion,
		Id:            FindingID(o.UserPoolID, o.ClientID, rule),
		ProductArn:    ProductARN(n.opt.region, n.opt.account),
		ProductName:   Source,
		GeneratorId:   Source + "/" + rule,
		AwsAccountId:  n.opt.account,
		Region:        n.opt.region,
		Types:         []string{FindingType},
		CreatedAt:     created.Format(time.RFC3339),
		UpdatedAt:     now.Format(time.RFC3339),
		Title:         truncate(ttl, maxTitle),
		Resources: []Resource{{
			Type:      "Other",
			Id:        n.poolARN(o.UserPoolID),
			Partition: partition(n.opt.region),
			Region:    n.opt.region,
			Details:   &ResourceDetails{Other: other},
		}},
		ProductFields: map[string]string{
			Source + "/UserPoolId": o.UserPoolID,
			Source + "/ClientId":   o.ClientID,
			Source + "/Rule":       rule,
			Source + "/Outcome":    string(o.Status),
		},
	}
}

func (n *Hub) failedFinding(o reconcile.Outcome, f policy.Finding, created, now time.Time) AwsSecurityFinding {
	sev := severity(f)
	a := n.base(o, f.Rule, title(o, f.Rule), created, now)
	a.Description = truncate(description(o, f), maxDescription)
	a.Severity = &Severity{Label: sev}
	// Severity and Types are also given as the provider's own values, which
	// a customer's BatchUpdateFindings cannot overwrite.
	a.FindingProviderFields = &FindingProviderFields{Severity: &FindingProviderSeverity{Label: sev}, Types: []string{FindingType}}
	a.Compliance = &Compliance{Status: ComplianceStatusFailed}
	a.RecordState = RecordStateActive
	// Workflow counts only when the finding is created; Security Hub sets
	// a RESOLVED one back to NEW by itself when it fails again
	// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Workflow.html).
	a.Workflow = &Workflow{Status: WorkflowStatusNew}
	a.LastObservedAt = now.Format(time.RFC3339)
	a.Remediation = &Remediation{Recommendation: &Recommendation{Text: truncate(
		fmt.Sprintf("Change %s to meet the baseline (%s), or add an exemption for this client to the baseline.", f.Field, f.Required), maxRecommend)}}
	return a
}

// resolvedFinding re-imports a finding as passed and archived. Its workflow
// status is set by resolveWorkflow: an import cannot change it.
func (n *Hub) resolvedFinding(o reconcile.Outcome, rule, ttl string, created, now time.Time) AwsSecurityFinding {
	if ttl == "" {
		ttl = title(o, rule)
	}
	a := n.base(o, rule, ttl, created, now)
	how := "now meets"
	if o.Status == reconcile.Exempt {
		how = "is exempt from"
	}
	a.Description = truncate(fmt.Sprintf("Resolved: app client %s in user pool %s %s rule %s (outcome %s).", outputs.Printable(o.ClientID), outputs.Printable(o.UserPoolID), how, rule, o.Status), maxDescription)
	a.Severity = &Severity{Label: SeverityLabelInformational}
	a.FindingProviderFields = &FindingProviderFields{Severity: &FindingProviderSeverity{Label: SeverityLabelInformational}, Types: []string{FindingType}}
	a.Compliance = &Compliance{Status: ComplianceStatusPassed}
	a.RecordState = RecordStateArchived
	return a
}

// severity: drift a person must fix is HIGH; enforced drift left by a dry
// run MEDIUM; report-only drift LOW.
func severity(f policy.Finding) string {
	switch {
	case action(f) == policy.Report:
		return SeverityLabelLow
	case !f.Fixable:
		return SeverityLabelHigh
	}
	return SeverityLabelMedium
}

func title(o reconcile.Outcome, rule string) string {
	name := o.ClientName
	if name == "" {
		name = o.ClientID
	}
	name = outputs.Printable(name)
	return fmt.Sprintf("Cognito app client %s does not meet %s", name, rule)
}

func description(o reconcile.Outcome, f policy.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s is %s; baseline: %s (action %s).", f.Field, value(redactedValue(f.Field, f.Current)), f.Required, action(f))
	switch {
	case !f.Fixable:
		b.WriteString(" It cannot be fixed automatically")
		if f.Reason != "" {
			b.WriteString(": " + outputs.Printable(f.Reason))
		}
		b.WriteString(".")
	case o.DryRun:
		b.WriteString(" Dry run: not fixed.")
	case action(f) == policy.Report:
		b.WriteString(" Reported only.")
	}
	fmt.Fprintf(&b, " App client %s in user pool %s.", outputs.Printable(o.ClientID), outputs.Printable(o.UserPoolID))
	return b.String()
}

func redactedValue(field string, v any) any {
	if secretField(field) {
		return redacted
	}
	return v
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	cut := n - len("...")
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

func parseTime(s string, fallback time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	return fallback
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
