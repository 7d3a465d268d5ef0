package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cognito-guard/cognito-guard/internal/notify/common"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// maxSubject: SNS subjects must be "less than 100 characters", ASCII, with no
// line breaks or control characters
// (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
const maxSubject = 99

// publishSNS sends one message per outcome. A failed message does not stop
// the others.
func (n *Notifier) publishSNS(ctx context.Context, items []outputs.Item) error {
	var errs []error
	for _, it := range items {
		o := it.Outcome
		in, err := n.snsInput(it)
		if err == nil {
			_, err = n.opt.SNS.Publish(ctx, in)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("publish %s/%s: %w", o.UserPoolID, o.ClientID, err))
		}
	}
	return errors.Join(errs...)
}

func (n *Notifier) snsInput(it outputs.Item) (PublishInput, error) {
	o := it.Outcome
	d := newDetail(n.opt.Function, it)
	js, err := encodeJSON(d, true)
	if err != nil {
		return PublishInput{}, err
	}
	// Message attributes let a subscription filter policy route by outcome
	// or pool without parsing the body.
	attrs := map[string]string{
		"outcome": string(o.Status),
		"source":  Source,
	}
	if n.opt.Function != "" {
		attrs["function"] = n.opt.Function
	}
	if o.UserPoolID != "" {
		attrs["userPoolId"] = o.UserPoolID
	}
	return PublishInput{
		TopicARN:   n.opt.TopicARN,
		Subject:    Subject(o),
		Message:    Text(d) + "\nDetail:\n" + string(js) + "\n",
		Attributes: attrs,
	}, nil
}

// Subject is a one-line summary that fits an SNS (and e-mail) subject:
// "cognito-guard: remediated web-portal (6example0client0id0drift01)".
func Subject(o reconcile.Outcome) string {
	name := o.ClientName
	switch {
	case name != "" && o.ClientID != "":
		name += " (" + o.ClientID + ")"
	case name == "" && o.ClientID != "":
		name = o.ClientID
	case name == "" && o.UserPoolID != "":
		name = "in " + o.UserPoolID
	case name == "":
		name = "(no client)"
	}
	verb := string(o.Status)
	if o.DryRun && o.Status == reconcile.Drift {
		verb = "drift (dry run)"
	}
	s := asciiLine(fmt.Sprintf("%s: %s %s", Source, verb, name))
	if len(s) > maxSubject {
		s = s[:maxSubject-3] + "..."
	}
	return s
}

// asciiLine keeps printable ASCII and replaces anything else with '?'.
func asciiLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// Text is the readable part of a message: what happened, why, the event
// and caller that led to it, and the before/after of each field. Every
// string someone else controls (a client's name, a reason quoting Cognito,
// the caller's ARN) goes through outputs.Printable, so none can add a line
// or reorder the text; values are JSON, escaped the same way.
func Text(d Detail) string {
	var b strings.Builder
	p := outputs.Printable
	name := p(d.ClientName)
	if name == "" {
		name = "(unnamed)"
	}
	fmt.Fprintf(&b, "Cognito app client %s (%s) in user pool %s: %s", name, p(d.ClientID), p(d.UserPoolID), d.Outcome)
	if d.DryRun {
		b.WriteString(" (dry run: nothing was written)")
	}
	b.WriteString(".\n")
	if d.Reason != "" {
		fmt.Fprintf(&b, "Reason: %s\n", p(d.Reason))
	}
	if d.Function != "" {
		fmt.Fprintf(&b, "Function: %s\n", d.Function)
	}
	if tr := d.Trigger; tr != nil {
		fmt.Fprintf(&b, "Event: %s", p(tr.Source))
		if tr.EventName != "" {
			fmt.Fprintf(&b, " %s", p(tr.EventName))
		}
		if tr.EventID != "" {
			fmt.Fprintf(&b, " (event ID %s)", p(tr.EventID))
		}
		if tr.EventTime != "" {
			fmt.Fprintf(&b, " at %s", p(tr.EventTime))
		}
		b.WriteString("\n")
		if tr.Actor != "" {
			fmt.Fprintf(&b, "Actor: %s\n", p(tr.Actor))
		}
	}
	if len(d.Findings) > 0 {
		b.WriteString("\nFindings:\n")
		for _, f := range d.Findings {
			fmt.Fprintf(&b, "- %s: %s is %s, required %s (%s", p(f.Rule), p(f.Field), value(f.Current), p(f.Required), f.Action)
			if !f.Fixable {
				b.WriteString(", not fixable automatically")
				if f.Reason != "" {
					b.WriteString(": " + p(f.Reason))
				}
			}
			b.WriteString(")\n")
		}
	}
	if len(d.Changes) > 0 {
		if d.DryRun {
			b.WriteString("\nChanges that would be made:\n")
		} else {
			b.WriteString("\nChanges:\n")
		}
		for _, c := range d.Changes {
			fmt.Fprintf(&b, "- %s: %s -> %s\n", p(c.Field), value(c.Before), value(c.After))
		}
	}
	return b.String()
}

// value renders a normalised value as JSON: strings quoted, lists in brackets (common.Value).
func value(v any) string { return common.Value(v) }
