package notify_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/notify"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// printEvents stands in for *notify.EventBridge.
type printEvents struct{}

func (printEvents) PutEvents(_ context.Context, entries []notify.EventEntry) (*notify.PutEventsOutput, error) {
	for _, e := range entries {
		fmt.Println(e.Source, "|", e.DetailType, "|", e.Resources[0])
		fmt.Println(e.Detail)
	}
	return &notify.PutEventsOutput{Entries: make([]notify.EventResult, len(entries))}, nil
}

func ExampleNotifier_Publish() {
	// In the function, Events is notify.NewEventBridge(cfg), and SNS and
	// SecurityHub are set when NOTIFY_TOPIC_ARN and SECURITY_HUB say so.
	n := notify.New(notify.Options{
		Events:   printEvents{},
		Bus:      "default",
		Account:  "123456789012",
		Region:   "us-east-1",
		Function: "remediate",
		Now:      func() time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) },
	})
	err := n.Publish(context.Background(), []reconcile.Outcome{
		{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0clean01", ClientName: "mobile-app", Status: reconcile.Compliant},
		{
			UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01", ClientName: "web-portal",
			Status: reconcile.Remediated, Reason: "remediated AccessTokenValidity",
			Findings: []policy.Finding{{Rule: "AccessTokenValidity.max", Field: "AccessTokenValidity", Current: "24h", Required: "<= 1h", Action: policy.Enforce, Fixable: true, Fix: "1h"}},
			Changes:  []policy.Change{{Field: "AccessTokenValidity", Before: "24h", After: "1h"}},
		},
	})
	fmt.Println("error:", err)
	// Output:
	// cognito-guard | Cognito App Client Drift | arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_EXAMPLE01
	// {"function":"remediate","outcome":"remediated","userPoolId":"us-east-1_EXAMPLE01","clientId":"6example0client0id0drift01","clientName":"web-portal","dryRun":false,"reason":"remediated AccessTokenValidity","findings":[{"rule":"AccessTokenValidity.max","field":"AccessTokenValidity","current":"24h","required":"<= 1h","action":"enforce","fixable":true}],"changes":[{"field":"AccessTokenValidity","before":"24h","after":"1h"}]}
	// error: <nil>
}
