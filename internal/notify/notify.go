package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Source and DetailType of the EventBridge events: the contract an
// EventBridge rule matches on.
const (
	Source     = "cognito-guard"
	DetailType = "Cognito App Client Drift"
)

// PutEventsAPI is the EventBridge operation used; *eventbridge.Client has it.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, params *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// PublishAPI is the SNS operation used; *sns.Client has it.
type PublishAPI interface {
	Publish(ctx context.Context, params *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// BatchImportFindingsAPI is the Security Hub operation that creates and
// updates findings; *securityhub.Client has it.
type BatchImportFindingsAPI interface {
	BatchImportFindings(ctx context.Context, params *securityhub.BatchImportFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchImportFindingsOutput, error)
}

// BatchUpdateFindingsAPI sets the workflow status of findings;
// *securityhub.Client has it.
type BatchUpdateFindingsAPI interface {
	BatchUpdateFindings(ctx context.Context, params *securityhub.BatchUpdateFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.BatchUpdateFindingsOutput, error)
}

// GetFindingsAPI looks up this tool's open Security Hub findings;
// *securityhub.Client has it.
type GetFindingsAPI interface {
	GetFindings(ctx context.Context, params *securityhub.GetFindingsInput, optFns ...func(*securityhub.Options)) (*securityhub.GetFindingsOutput, error)
}

// Options configures a Notifier. A nil client turns its channel off.
type Options struct {
	// Events and Bus: one EventBridge event per non-compliant outcome. An
	// empty Bus is the account's default bus.
	Events PutEventsAPI
	Bus    string
	// SNS and TopicARN: one message per non-compliant outcome.
	SNS      PublishAPI
	TopicARN string
	// SecurityHub imports a FAILED finding per rule for drift that stays and
	// resolves the finding once the client meets the rule.
	SecurityHub BatchImportFindingsAPI
	// Findings, when set (normally the same *securityhub.Client), is used
	// to find the open findings of the clients published, so that a rule
	// fixed by hand, a client now compliant or exempt, or a rule removed
	// from the baseline is resolved too. Without it only the findings the
	// outcome itself reports as fixed are resolved.
	Findings GetFindingsAPI
	// Workflow, when set (normally the same *securityhub.Client), sets the
	// workflow status of resolved findings to RESOLVED with
	// BatchUpdateFindings: BatchImportFindings ignores Workflow on a
	// finding that already exists. Without it resolved findings are
	// archived and PASSED but keep their workflow status.
	Workflow BatchUpdateFindingsAPI
	// Account and Region of the user pools: needed for Security Hub (product
	// and resource ARNs) and to name the pool in an event's Resources. When
	// empty, they are taken from the invoked function's ARN in the Lambda
	// context.
	Account, Region string
	// Function is "remediate" or "audit", carried in every message.
	Function string
	// Now defaults to time.Now.
	Now func() time.Time
}

// Notifier publishes outcomes. Safe for concurrent use if its clients are.
type Notifier struct {
	opt Options
	// backoff is the pause before retry attempt n (1, 2, ...) of entries a
	// service rejected; a field so that tests need not wait.
	backoff func(attempt int) time.Duration
}

// maxAttempts bounds the tries for entries that PutEvents or
// BatchImportFindings reject one by one (the SDK retries whole requests
// itself, not entries of a partially failed batch).
const maxAttempts = 3

// New returns a Notifier.
func New(opt Options) *Notifier {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Notifier{opt: opt, backoff: func(n int) time.Duration { return time.Duration(n) * 200 * time.Millisecond }}
}

// Publish is Send for outcomes that have no trigger (the audit's).
func (n *Notifier) Publish(ctx context.Context, outcomes []reconcile.Outcome) error {
	return n.Send(ctx, outputs.Of(outcomes))
}

// Send sends a batch to every configured channel; a Notifier is an
// outputs.Sink. EventBridge and SNS get the non-compliant outcomes (drift,
// remediated, unfixable, failed); Security Hub gets every outcome that says
// where a client stands (all but skipped and failed). A batch that will be
// retried is not sent: people hear of final outcomes only. A failing channel
// does not stop the others; the error joins each channel's error, prefixed
// with the channel's name.
func (n *Notifier) Send(ctx context.Context, b outputs.Batch) error {
	if b.Retry {
		return nil
	}
	n = n.withIdentity(ctx)
	outcomes := b.Outcomes()
	var notable []outputs.Item
	for _, it := range b.Items {
		if Notable(it.Status) {
			notable = append(notable, it)
		}
	}
	var errs []error
	if n.opt.Events != nil && len(notable) > 0 {
		if err := n.putEvents(ctx, notable); err != nil {
			errs = append(errs, fmt.Errorf("eventbridge: %w", err))
		}
	}
	if n.opt.SNS != nil && len(notable) > 0 {
		if err := n.publishSNS(ctx, notable); err != nil {
			errs = append(errs, fmt.Errorf("sns: %w", err))
		}
	}
	if n.opt.SecurityHub != nil {
		if err := n.importFindings(ctx, outcomes); err != nil {
			errs = append(errs, fmt.Errorf("securityhub: %w", err))
		}
	}
	return errors.Join(errs...)
}

// withIdentity fills a missing Account or Region from the invoked
// function's ARN (arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME), which
// the Lambda runtime puts in the context: the pools guarded are the
// function's own account's, and EXPECTED_ACCOUNT_ID is optional.
func (n *Notifier) withIdentity(ctx context.Context) *Notifier {
	if n.opt.Account != "" && n.opt.Region != "" {
		return n
	}
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return n
	}
	parts := strings.Split(lc.InvokedFunctionArn, ":")
	if len(parts) < 5 || parts[0] != "arn" || parts[2] != "lambda" {
		return n
	}
	cp := *n
	if cp.opt.Region == "" {
		cp.opt.Region = parts[3]
	}
	if cp.opt.Account == "" {
		cp.opt.Account = parts[4]
	}
	return &cp
}

// Notable reports whether an outcome is published as an event or message.
func Notable(s reconcile.Status) bool {
	switch s {
	case reconcile.Drift, reconcile.Remediated, reconcile.Unfixable, reconcile.Failed:
		return true
	}
	return false
}

// Detail is the detail of an EventBridge event and the JSON part of an SNS
// message. It is built field by field from the outcome, never by copying
// the outcome whole, so nothing added to Outcome later is published by
// accident. testdata/detail.schema.json is its JSON Schema.
type Detail struct {
	// Trigger is the event that led to the outcome (the remediate
	// function's); the audit's outcomes have none.
	Trigger    *outputs.Trigger `json:"trigger,omitempty"`
	Function   string           `json:"function"`
	Outcome    reconcile.Status `json:"outcome"`
	UserPoolID string           `json:"userPoolId"`
	ClientID   string           `json:"clientId"`
	ClientName string           `json:"clientName"`
	DryRun     bool             `json:"dryRun"`
	Reason     string           `json:"reason"`
	Findings   []DetailFinding  `json:"findings"`
	Changes    []DetailChange   `json:"changes"`
}

// DetailFinding is a rule the client breaks (policy.Finding without the
// planned fix value, which Changes carries when it was or would be written).
type DetailFinding struct {
	Rule     string        `json:"rule"`
	Field    string        `json:"field"`
	Current  any           `json:"current"`
	Required string        `json:"required"`
	Action   policy.Action `json:"action"`
	Fixable  bool          `json:"fixable"`
	Reason   string        `json:"reason,omitempty"`
}

// DetailChange is a field written (or, in a dry run, that would be).
type DetailChange struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// redacted replaces the values of a finding or change on a secret field.
// No rule looks at ClientSecret today; this keeps a future one from putting
// the secret in a notification.
const redacted = "[redacted]"

func secretField(field string) bool {
	return strings.Contains(strings.ToLower(field), "secret") && !strings.EqualFold(field, "GenerateSecret")
}

// NewDetail builds the detail for an outcome.
func NewDetail(function string, o reconcile.Outcome) Detail {
	return newDetail(function, outputs.Item{Outcome: o})
}

func newDetail(function string, it outputs.Item) Detail {
	o := it.Outcome
	d := Detail{
		Trigger:    it.Trigger,
		Function:   function,
		Outcome:    o.Status,
		UserPoolID: o.UserPoolID,
		ClientID:   o.ClientID,
		ClientName: o.ClientName,
		DryRun:     o.DryRun,
		Reason:     o.Reason,
		Findings:   make([]DetailFinding, 0, len(o.Findings)),
		Changes:    make([]DetailChange, 0, len(o.Changes)),
	}
	for _, f := range o.Findings {
		df := DetailFinding{Rule: f.Rule, Field: f.Field, Current: f.Current, Required: f.Required, Action: action(f), Fixable: f.Fixable, Reason: f.Reason}
		if secretField(f.Field) {
			df.Current = redacted
		}
		d.Findings = append(d.Findings, df)
	}
	for _, c := range o.Changes {
		dc := DetailChange{Field: c.Field, Before: c.Before, After: c.After}
		if secretField(c.Field) {
			dc.Before, dc.After = redacted, redacted
		}
		d.Changes = append(d.Changes, dc)
	}
	return d
}

// action defaults an empty action to enforce, as the baseline does.
func action(f policy.Finding) policy.Action {
	if f.Action == "" {
		return policy.Enforce
	}
	return f.Action
}

// sleep waits before retry attempt n, or returns ctx's error.
func (n *Notifier) sleep(ctx context.Context, attempt int) error {
	d := n.backoff(attempt)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// poolARN is the user pool's ARN, or "" when account or region is unknown.
func (n *Notifier) poolARN(poolID string) string {
	if n.opt.Account == "" || n.opt.Region == "" || poolID == "" {
		return ""
	}
	return fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", partition(n.opt.Region), n.opt.Region, n.opt.Account, poolID)
}

// partition maps a region to its ARN partition; the commercial one unless
// the region says otherwise.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

// encodeJSON marshals without HTML escaping, so that "<= 1h" reads as
// written in a message rather than as "\u003c= 1h". encoding/json escapes
// control characters and U+2028/U+2029 in strings, but not the
// bidirectional formatting characters, which can only occur inside
// strings: those are escaped too (outputs.PrintableJSON), so the JSON part
// of a message reads as the data is.
func encodeJSON(v any, indent bool) ([]byte, error) {
	b, err := encodeRawJSON(v, indent)
	if err != nil {
		return nil, err
	}
	return outputs.PrintableJSON(b), nil
}

func encodeRawJSON(v any, indent bool) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
