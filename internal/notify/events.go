package notify

import (
	"context"
	"fmt"

	"github.com/cognito-guard/cognito-guard/internal/notify/common"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
)

// maxEventsPerCall is PutEvents' limit of entries per request.
const maxEventsPerCall = 10

// putEvents sends one event per outcome, ten per call, and sends again the
// entries that EventBridge rejected one by one (FailedEntryCount), up to
// maxAttempts in all.
func (n *Notifier) putEvents(ctx context.Context, items []outputs.Item) error {
	pending := make([]EventEntry, 0, len(items))
	for _, it := range items {
		e, err := n.eventEntry(it)
		if err != nil {
			return err
		}
		pending = append(pending, e)
	}
	var lastFailures map[string]int // error code -> count, of the last attempt
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > 1 {
			if attempt > maxAttempts {
				return fmt.Errorf("%d event(s) not accepted after %d attempts: %s", len(pending), maxAttempts, summary(lastFailures))
			}
			if err := n.sleep(ctx, attempt-1); err != nil {
				return fmt.Errorf("%d event(s) not sent: %w", len(pending), err)
			}
		}
		var retry []EventEntry
		lastFailures = map[string]int{}
		for start := 0; start < len(pending); start += maxEventsPerCall {
			batch := pending[start:min(start+maxEventsPerCall, len(pending))]
			out, err := n.opt.Events.PutEvents(ctx, batch)
			if err != nil {
				// The client has already retried what a retry can fix.
				return fmt.Errorf("put events: %w", err)
			}
			if out.FailedEntryCount == 0 {
				continue
			}
			// Result entries are in request order; a failed one has an
			// ErrorCode (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
			for i, r := range out.Entries {
				if i < len(batch) && r.ErrorCode != "" {
					retry = append(retry, batch[i])
					lastFailures[r.ErrorCode]++
				}
			}
			if len(out.Entries) != len(batch) {
				return fmt.Errorf("put events: %d result entries for %d events", len(out.Entries), len(batch))
			}
		}
		pending = retry
	}
	return nil
}

func (n *Notifier) eventEntry(it outputs.Item) (EventEntry, error) {
	o := it.Outcome
	detail, err := encodeJSON(newDetail(n.opt.Function, it), false)
	if err != nil {
		return EventEntry{}, fmt.Errorf("event detail for %s/%s: %w", o.UserPoolID, o.ClientID, err)
	}
	e := EventEntry{
		Source:       Source,
		DetailType:   DetailType,
		Detail:       string(detail),
		Time:         n.opt.Now().UTC(),
		EventBusName: n.opt.Bus,
	}
	if arn := n.poolARN(o.UserPoolID); arn != "" {
		e.Resources = []string{arn}
	}
	return e, nil
}

// summary renders error-code counts deterministically (common.Summary).
func summary(codes map[string]int) string { return common.Summary(codes) }
