// Package outputs is the one seam between the functions and what they
// tell the world: both the remediate and the audit function hand every
// outcome to a Fanout, which sends it to each sink (EMF metrics,
// EventBridge, SNS, Security Hub). A new sink is a type with a Send
// method, in its own file, added in the function's constructor.
//
// Outputs run after the clients are handled, so a sink that fails is
// logged, never returned: retrying the invocation would find the client
// compliant and tell nobody.
package outputs

import (
	"context"
	"log/slog"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// Trigger says which event an outcome answers. The audit's outcomes have
// none: a sweep is not triggered by a change.
type Trigger struct {
	Source    string `json:"source"`
	EventName string `json:"eventName,omitempty"`
	EventID   string `json:"eventId,omitempty"`
	EventTime string `json:"eventTime,omitempty"`
	// Actor is the caller recorded by CloudTrail (userIdentity.arn).
	Actor string `json:"actor,omitempty"`
}

// Item is one outcome and, from the remediate function, its trigger.
type Item struct {
	reconcile.Outcome
	Trigger *Trigger
}

// Batch is what one invocation produced.
type Batch struct {
	Items []Item
	// Retry marks the outcome of an invocation that fails and whose event
	// will be delivered again (then kept in the on-failure queue, which is
	// alarmed). Metrics count it; people are told only of final outcomes,
	// or each retry would tell them again.
	Retry bool
}

// Outcomes returns the outcomes of b's items.
func (b Batch) Outcomes() []reconcile.Outcome {
	outs := make([]reconcile.Outcome, len(b.Items))
	for i, it := range b.Items {
		outs[i] = it.Outcome
	}
	return outs
}

// Of makes a batch of outcomes without triggers (the audit's).
func Of(outcomes []reconcile.Outcome) Batch {
	b := Batch{Items: make([]Item, len(outcomes))}
	for i, o := range outcomes {
		b.Items[i] = Item{Outcome: o}
	}
	return b
}

// Sink receives every batch; *metrics.Recorder and each channel of a
// notify.Notifier (EventBridge, SNS, Security Hub: Notifier.AddTo) are
// sinks.
type Sink interface {
	Send(ctx context.Context, b Batch) error
}

// Fanout sends each batch to every sink, in the order they were added.
type Fanout struct {
	log   *slog.Logger
	sinks []named
}

type named struct {
	name string
	sink Sink
}

// New returns a Fanout without sinks that logs failures to log
// (slog.Default() when nil).
func New(log *slog.Logger) *Fanout {
	if log == nil {
		log = slog.Default()
	}
	return &Fanout{log: log}
}

// Add appends a sink, named in the log line when it fails.
func (f *Fanout) Add(name string, s Sink) *Fanout {
	f.sinks = append(f.sinks, named{name, s})
	return f
}

// Sinks returns the names of the sinks, in order.
func (f *Fanout) Sinks() []string {
	names := make([]string, len(f.sinks))
	for i, s := range f.sinks {
		names[i] = s.name
	}
	return names
}

// Emit sends b to every sink. A sink's failure is logged at WARN (with the
// client when the batch holds one) and does not stop the others.
func (f *Fanout) Emit(ctx context.Context, b Batch) {
	for _, s := range f.sinks {
		err := s.sink.Send(ctx, b)
		if err == nil {
			continue
		}
		attrs := []slog.Attr{slog.String("sink", s.name), slog.String("error", Printable(err.Error()))}
		if len(b.Items) == 1 {
			attrs = append(attrs, slog.String("userPoolId", b.Items[0].UserPoolID), slog.String("clientId", b.Items[0].ClientID))
		}
		f.log.LogAttrs(ctx, slog.LevelWarn, "output not written", attrs...)
	}
}
