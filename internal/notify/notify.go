package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/cognito-guard/cognito-guard/internal/notify/common"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Source and DetailType of the EventBridge events: the contract an
// EventBridge rule matches on.
const (
	Source     = common.Source
	DetailType = "Cognito App Client Drift"
)

// PutEventsAPI is the EventBridge operation used; *EventBridge (a signed
// HTTP call, not the SDK's client) has it.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, entries []EventEntry) (*PutEventsOutput, error)
}

// PublishAPI is the SNS operation used; *SNS (a signed HTTP call, not the
// SDK's client) has it. It returns the message ID.
type PublishAPI interface {
	Publish(ctx context.Context, in PublishInput) (string, error)
}

// FindingsSync keeps a findings service in step with outcomes: package
// hub's Security Hub sync. It is an interface so that this package, which
// both functions link, imports no Security Hub client: only the audit
// (which sees every client on each sweep and so can also resolve
// findings) links package hub.
type FindingsSync interface {
	// Sync makes the service match the outcomes of the pools of account
	// and region; outcomes that do not say where a client stands are left
	// out by the implementation.
	Sync(ctx context.Context, outcomes []reconcile.Outcome, account, region string) error
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
	// resolves the finding once the client meets the rule (hub.New).
	SecurityHub FindingsSync
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

// maxAttempts bounds the tries for entries that PutEvents rejects one by
// one (common.MaxAttempts).
const maxAttempts = common.MaxAttempts

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

// AddTo adds each configured channel to f as a sink of its own, named "eventbridge", "sns" and
// "securityhub": both functions' one fan-out (outputs.Fanout) then sends every batch to each
// channel as to the metrics, and logs a failing channel under its own name without stopping the
// others. It returns f.
func (n *Notifier) AddTo(f *outputs.Fanout) *outputs.Fanout {
	for _, c := range n.channels() {
		f.Add(c.name, c)
	}
	return f
}

// Send sends a batch to every configured channel, as the fan-out that AddTo
// fills does: EventBridge and SNS get the non-compliant outcomes (drift,
// remediated, unfixable, failed); Security Hub gets every outcome that says
// where a client stands (all but skipped and failed). A batch that will be
// retried is not sent: people hear of final outcomes only. A failing channel
// does not stop the others; the error joins each channel's error, prefixed
// with the channel's name.
func (n *Notifier) Send(ctx context.Context, b outputs.Batch) error {
	var errs []error
	for _, c := range n.channels() {
		if err := c.Send(ctx, b); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}

// channel is one of the Notifier's services, an outputs.Sink.
type channel struct {
	n    *Notifier
	name string
	send func(n *Notifier, ctx context.Context, b outputs.Batch) error
}

// Send sends b through the channel, unless b will be retried.
func (c channel) Send(ctx context.Context, b outputs.Batch) error {
	if b.Retry {
		return nil
	}
	return c.send(c.n.withIdentity(ctx), ctx, b)
}

// channels are the configured channels, in the order Send uses them. A new
// channel is a func here and the file that implements it.
func (n *Notifier) channels() []channel {
	var cs []channel
	if n.opt.Events != nil {
		cs = append(cs, channel{n, "eventbridge", func(n *Notifier, ctx context.Context, b outputs.Batch) error {
			if items := notable(b); len(items) > 0 {
				return n.putEvents(ctx, items)
			}
			return nil
		}})
	}
	if n.opt.SNS != nil {
		cs = append(cs, channel{n, "sns", func(n *Notifier, ctx context.Context, b outputs.Batch) error {
			if items := notable(b); len(items) > 0 {
				return n.publishSNS(ctx, items)
			}
			return nil
		}})
	}
	if n.opt.SecurityHub != nil {
		cs = append(cs, channel{n, "securityhub", func(n *Notifier, ctx context.Context, b outputs.Batch) error {
			return n.opt.SecurityHub.Sync(ctx, b.Outcomes(), n.opt.Account, n.opt.Region)
		}})
	}
	return cs
}

// notable is the items of b that people hear of (Notable).
func notable(b outputs.Batch) []outputs.Item {
	var items []outputs.Item
	for _, it := range b.Items {
		if Notable(it.Status) {
			items = append(items, it)
		}
	}
	return items
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

// redacted replaces the values of a finding or change on a secret field
// (common.Redacted).
const redacted = common.Redacted

func secretField(field string) bool { return common.SecretField(field) }

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
func action(f policy.Finding) policy.Action { return common.Action(f) }

// sleep waits before retry attempt n, or returns ctx's error.
func (n *Notifier) sleep(ctx context.Context, attempt int) error {
	return common.Sleep(ctx, n.backoff(attempt))
}

// poolARN is the user pool's ARN, or "" when account or region is unknown.
func (n *Notifier) poolARN(poolID string) string {
	return common.PoolARN(n.opt.Account, n.opt.Region, poolID)
}

// encodeJSON is common.EncodeJSON: no HTML escaping, bidirectional
// formatting characters escaped.
func encodeJSON(v any, indent bool) ([]byte, error) { return common.EncodeJSON(v, indent) }
