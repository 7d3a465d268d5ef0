package metrics_test

import (
	"os"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/metrics"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

func ExampleRecorder() {
	r := metrics.New(os.Stdout, "CognitoGuard", metrics.FunctionRemediate, func() time.Time {
		return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	}).WithLevel("WARN") // AWS_LAMBDA_LOG_LEVEL
	r.Record(reconcile.Outcome{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01", Status: reconcile.Remediated})
	if err := r.Flush(); err != nil {
		panic(err)
	}
	// Output:
	// {"DriftFound":1,"Failed":0,"Function":"remediate","Mode":"enforce","Remediated":1,"Skipped":0,"Unfixable":0,"UnknownMembers":0,"_aws":{"CloudWatchMetrics":[{"Dimensions":[["Function","Mode"]],"Metrics":[{"Name":"DriftFound","Unit":"Count"},{"Name":"Remediated","Unit":"Count"},{"Name":"Unfixable","Unit":"Count"},{"Name":"Failed","Unit":"Count"},{"Name":"Skipped","Unit":"Count"},{"Name":"UnknownMembers","Unit":"Count"}],"Namespace":"CognitoGuard"}],"Timestamp":1795680000000},"level":"WARN","timestamp":"2026-11-26T08:00:00Z"}
}
