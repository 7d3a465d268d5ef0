package rie_test

import (
	"context"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
)

// An end-to-end test builds the function's bootstrap, runs it under the RIE and invokes it.
func ExampleStart() {
	_ = func(t *testing.T) {
		f := rie.Start(t, rie.Build(t, "./functions/remediate"), map[string]string{
			"BASELINE_PARAMETER": "/cognito-guard/baseline",
			"AWS_REGION":         "us-east-1",
		})
		out, err := f.Invoke(context.Background(), []byte(`{"userPoolId":"us-east-1_EXAMPLE01","clientId":"6example0client0id0drift01"}`))
		if err != nil {
			t.Fatalf("invoke: %v\nlogs:\n%s", err, f.Logs())
		}
		_ = out
	}
}
