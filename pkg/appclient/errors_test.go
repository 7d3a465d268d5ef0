package appclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// opErr wraps err the way the SDK returns it from an operation.
func opErr(err error) error {
	return &smithy.OperationError{ServiceID: "Cognito Identity Provider", OperationName: "UpdateUserPoolClient", Err: err}
}

func TestClassify(t *testing.T) {
	// The SDK's own validation error, raised before anything is sent.
	sdk := cip.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String("http://127.0.0.1:1")})
	_, missingParams := sdk.UpdateUserPoolClient(context.Background(), &cip.UpdateUserPoolClientInput{})
	_, badRotation := sdk.UpdateUserPoolClient(context.Background(), &cip.UpdateUserPoolClientInput{
		UserPoolId: aws.String("p_1"), ClientId: aws.String("c"), RefreshTokenRotation: &types.RefreshTokenRotationType{}})

	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"not found", opErr(&types.ResourceNotFoundException{}), NotFound},
		{"not found, wrapped by a caller", fmt.Errorf("describe: %w", opErr(&types.ResourceNotFoundException{})), NotFound},
		{"not found, unmodelled for the operation", opErr(&smithy.GenericAPIError{Code: "ResourceNotFoundException"}), NotFound},
		{"invalid parameter", opErr(&types.InvalidParameterException{}), Terminal},
		{"scope does not exist", opErr(&types.ScopeDoesNotExistException{}), Terminal},
		{"invalid OAuth flow", opErr(&types.InvalidOAuthFlowException{}), Terminal},
		{"not authorized", opErr(&types.NotAuthorizedException{}), Terminal},
		{"feature unavailable in tier", opErr(&types.FeatureUnavailableInTierException{}), Terminal},
		{"operation not enabled (replica region)", opErr(&types.OperationNotEnabledException{}), Terminal},
		{"IAM access denied (unmodelled)", opErr(&smithy.GenericAPIError{Code: "AccessDeniedException"}), Terminal},
		{"unrecognised client", opErr(&smithy.GenericAPIError{Code: "UnrecognizedClientException"}), Terminal},
		{"missing required parameters (SDK validation)", missingParams, Terminal},
		{"invalid nested parameter (SDK validation)", badRotation, Terminal},
		{"serialization", opErr(&smithy.SerializationError{Err: errors.New("bad")}), Terminal},
		{"throttled", opErr(&types.TooManyRequestsException{}), Retryable},
		{"concurrent modification", opErr(&types.ConcurrentModificationException{}), Retryable},
		{"internal error", opErr(&types.InternalErrorException{}), Retryable},
		{"retries exhausted", opErr(&retry.MaxAttemptsError{Attempt: 3, Err: &types.TooManyRequestsException{}}), Retryable},
		{"5xx without a code", opErr(&smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503}}, Err: errors.New("unavailable")}), Retryable},
		{"network", opErr(&smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}), Retryable},
		{"context canceled", opErr(&smithy.CanceledError{Err: context.Canceled}), Retryable},
		{"deadline", fmt.Errorf("describe: %w", context.DeadlineExceeded), Retryable},
		{"unknown API error", opErr(&smithy.GenericAPIError{Code: "SomethingNewException"}), Retryable},
		{"unknown error", errors.New("boom"), Retryable},
		{"nil", nil, Retryable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
			}
		})
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[Class]string{Retryable: "retryable", NotFound: "not-found", Terminal: "terminal", Class(9): "unknown"} {
		if got := c.String(); got != want {
			t.Errorf("Class(%d).String() = %q, want %q", int(c), got, want)
		}
	}
}
