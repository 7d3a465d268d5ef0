package report_test

import (
	"os"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/report"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

func ExampleWrite() {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	d := report.Data{Complete: true, Clients: []reconcile.Outcome{
		{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0clean01", ClientName: "mobile-app", Status: reconcile.Compliant},
		{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01", ClientName: "web-portal", Status: reconcile.Remediated,
			Reason: "remediated AccessTokenValidity",
			Findings: []policy.Finding{{Rule: "AccessTokenValidity.max", Field: "AccessTokenValidity", Current: "2h",
				Required: "<= 1h", Action: policy.Enforce, Fixable: true, Fix: "1h"}}},
	}}
	_ = report.Write(os.Stdout, report.CSV, d, at)
	// Output:
	// userPoolId,clientId,clientName,outcome,reason,rule,field,action,fixable,exempted,current,required,fix,findingReason
	// us-east-1_EXAMPLE01,6example0client0id0clean01,mobile-app,compliant,,,,,,,,,,
	// us-east-1_EXAMPLE01,6example0client0id0drift01,web-portal,remediated,remediated AccessTokenValidity,AccessTokenValidity.max,AccessTokenValidity,enforce,true,false,2h,<= 1h,1h,
}
