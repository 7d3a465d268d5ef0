package trigger_test

import (
	"errors"
	"fmt"

	"github.com/cognito-guard/cognito-guard/internal/trigger"
)

// A handler reconciles a Request, records a skipped outcome for a
// *SkipError, and reports any other error as malformed input.
func ExampleParse() {
	inputs := []string{
		`{"userPoolId": "us-east-1_EXAMPLE01", "clientId": "6example0client0id0drift01"}`,
		`{"version": "0", "detail-type": "AWS API Call via CloudTrail", "source": "aws.cognito-idp",
		  "account": "123456789012", "region": "us-east-1",
		  "detail": {"eventSource": "cognito-idp.amazonaws.com", "eventName": "UpdateUserPoolClient",
		             "eventType": "AwsApiCall", "errorCode": "InvalidParameterException",
		             "requestParameters": {"userPoolId": "us-east-1_EXAMPLE01", "clientId": "6example0client0id0drift01"}}}`,
		`{"userPoolId": "us-east-1_EXAMPLE01", "clientID": "6example0client0id0drift01"}`,
	}
	for _, in := range inputs {
		req, err := trigger.Parse([]byte(in))
		var skip *trigger.SkipError
		switch {
		case errors.As(err, &skip):
			fmt.Println("skipped:", skip.Reason)
		case err != nil:
			fmt.Println("malformed:", err)
		default:
			fmt.Println("reconcile", req.UserPoolID, req.ClientID, "("+req.Source+")")
		}
	}
	// Output:
	// reconcile us-east-1_EXAMPLE01 6example0client0id0drift01 (manual)
	// skipped: UpdateUserPoolClient failed with errorCode "InvalidParameterException": nothing changed
	// malformed: manual payload: unknown key "clientID" (it takes only userPoolId and clientId)
}
