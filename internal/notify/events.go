package notify

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/cognito-guard/cognito-guard/internal/notify/common"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
)

// maxEventsPerCall is PutEvents' limit of entries per request.
const maxEventsPerCall = 10

// putEvents sends one event per outcome, ten per call, and sends again the
// entries that EventBridge rejected one by one (FailedEntryCount), up to
// maxAttempts in all.
func (n *Notifier) putEvents(ctx context.Context, items []outputs.Item) error {
	pending := make([]types.PutEventsRequestEntry, 0, len(items))
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
		var retry []types.PutEventsRequestEntry
		lastFailures = map[string]int{}
		for start := 0; start < len(pending); start += maxEventsPerCall {
			batch := pending[start:min(start+maxEventsPerCall, len(pending))]
			out, err := n.opt.Events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: batch})
			if err != nil {
				// The SDK has already retried what a retry can fix.
				return fmt.Errorf("put events: %w", err)
			}
			if out.FailedEntryCount == 0 {
				continue
			}
			// Result entries are in request order; a failed one has an
			// ErrorCode (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html).
			for i, r := range out.Entries {
				if i < len(batch) && r.ErrorCode != nil {
					retry = append(retry, batch[i])
					lastFailures[aws.ToString(r.ErrorCode)]++
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

func (n *Notifier) eventEntry(it outputs.Item) (types.PutEventsRequestEntry, error) {
	o := it.Outcome
	detail, err := encodeJSON(newDetail(n.opt.Function, it), false)
	if err != nil {
		return types.PutEventsRequestEntry{}, fmt.Errorf("event detail for %s/%s: %w", o.UserPoolID, o.ClientID, err)
	}
	e := types.PutEventsRequestEntry{
		Source:     aws.String(Source),
		DetailType: aws.String(DetailType),
		Detail:     aws.String(string(detail)),
		Time:       aws.Time(n.opt.Now().UTC()),
	}
	if n.opt.Bus != "" {
		e.EventBusName = aws.String(n.opt.Bus)
	}
	if arn := n.poolARN(o.UserPoolID); arn != "" {
		e.Resources = []string{arn}
	}
	return e, nil
}

// summary renders error-code counts deterministically (common.Summary).
func summary(codes map[string]int) string { return common.Summary(codes) }
