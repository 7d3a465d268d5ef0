package outputs_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// printer is a sink: one Send method, in its own file in real code.
type printer struct{}

func (printer) Send(_ context.Context, b outputs.Batch) error {
	for _, it := range b.Items {
		fmt.Printf("%s %s by %s\n", it.ClientID, it.Status, outputs.Printable(it.Trigger.Actor))
	}
	return nil
}

func ExampleFanout() {
	f := outputs.New(slog.Default()).Add("printer", printer{})
	f.Emit(context.Background(), outputs.Batch{Items: []outputs.Item{{
		Outcome: reconcile.Outcome{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01", Status: reconcile.Remediated},
		Trigger: &outputs.Trigger{Source: "cloudtrail", EventID: "e1", Actor: "arn:aws:iam::123456789012:user/alice"},
	}}})
	// Output:
	// 6example0client0id0drift01 remediated by arn:aws:iam::123456789012:user/alice
}
