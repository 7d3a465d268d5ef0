package appclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

func noBackoff(o *retry.StandardOptions) {
	o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
}

// flakyServer answers the first failures calls to every operation with an
// AWS JSON 1.1 error and then succeeds with a minimal client.
func flakyServer(t *testing.T, status int, code string, failures int) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if int(n) <= failures {
			w.Header().Set("X-Amzn-ErrorType", code)
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"__type":%q,"message":"injected failure %d"}`, code, n)
			return
		}
		fmt.Fprint(w, `{"UserPoolClient":{"UserPoolId":"us-east-1_EXAMPLE01","ClientId":"abc","ClientName":"web"}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func sdkClient(endpoint string, retryer func() aws.Retryer) *cip.Client {
	return cip.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(endpoint),
		Retryer:      retryer,
	})
}

// TestRetryerOverHTTP drives the real SDK client against a server that fails
// a set number of times, and counts the attempts the retryer makes.
func TestRetryerOverHTTP(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		code         string
		failures     int
		maxAttempts  int
		wantAttempts int32
		wantErr      bool
		wantClass    Class
	}{
		{"concurrent modification is not resent (the caller re-describes)", 400, "ConcurrentModificationException", 2, 3, 1, true, Retryable},
		{"throttling is retried", 400, "TooManyRequestsException", 2, 3, 3, false, 0},
		{"internal error is retried", 500, "InternalErrorException", 3, 4, 4, false, 0},
		{"retries stop at maxAttempts", 400, "TooManyRequestsException", 10, 3, 3, true, Retryable},
		{"invalid parameter is not retried", 400, "InvalidParameterException", 10, 3, 1, true, Terminal},
		{"invalid OAuth flow is not retried", 400, "InvalidOAuthFlowException", 10, 3, 1, true, Terminal},
		{"not found is not retried", 400, "ResourceNotFoundException", 10, 3, 1, true, NotFound},
		{"not authorized is not retried", 400, "NotAuthorizedException", 10, 3, 1, true, Terminal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := flakyServer(t, tt.status, tt.code, tt.failures)
			api := sdkClient(srv.URL, func() aws.Retryer { return newRetryer(tt.maxAttempts, noBackoff) })
			_, err := New(api).Describe(context.Background(), "us-east-1_EXAMPLE01", "abc")
			if got := calls.Load(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("Describe error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if got := Classify(err); got != tt.wantClass {
					t.Errorf("Classify(%v) = %s, want %s", err, got, tt.wantClass)
				}
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
					t.Errorf("error %v does not carry code %s", err, tt.code)
				}
			}
		})
	}
}

// TestRetryerRealBackoff uses Retryer itself, backoff included, once: one
// InternalErrorException then success.
func TestRetryerRealBackoff(t *testing.T) {
	srv, calls := flakyServer(t, 500, "InternalErrorException", 1)
	if _, err := New(sdkClient(srv.URL, Retryer(2))).Describe(context.Background(), "us-east-1_EXAMPLE01", "abc"); err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("attempts = %d, want 2", got)
	}
}

func TestRetryerSettings(t *testing.T) {
	if _, ok := retry.DefaultThrottleErrorCodes["TooManyRequestsException"]; !ok {
		t.Error("the SDK no longer lists TooManyRequestsException as a throttle code; appclient's own throttleCodes now carry it alone")
	}
	for _, tt := range []struct{ max, want int }{{5, 5}, {1, 1}, {0, retry.DefaultMaxAttempts}} {
		if got := Retryer(tt.max)().MaxAttempts(); got != tt.want {
			t.Errorf("Retryer(%d).MaxAttempts() = %d, want %d", tt.max, got, tt.want)
		}
	}

	r := Retryer(3)()
	retryable := map[error]bool{
		&types.ConcurrentModificationException{}: false,
		&types.TooManyRequestsException{}:        true,
		&types.InternalErrorException{}:          true,
		&types.InvalidParameterException{}:       false,
		&types.ResourceNotFoundException{}:       false,
		&types.ScopeDoesNotExistException{}:      false,
	}
	for err, want := range retryable {
		if got := r.IsErrorRetryable(opErr(err)); got != want {
			t.Errorf("IsErrorRetryable(%T) = %v, want %v", err, got, want)
		}
	}

	// Throttles cost the retry quota less than other retries: that is how
	// the standard retryer tells them apart.
	costs := map[error]uint{
		&types.TooManyRequestsException{}: retry.DefaultThrottlingRetryCost,
		&types.InternalErrorException{}:   14,
	}
	for err, want := range costs {
		rec := &costRecorder{}
		r := newRetryer(3, func(o *retry.StandardOptions) { o.RateLimiter = rec })
		if _, err := r.GetRetryToken(context.Background(), opErr(err)); err != nil {
			t.Fatal(err)
		}
		if rec.cost != want {
			t.Errorf("retry cost of %T = %d, want %d", err, rec.cost, want)
		}
	}
}

type costRecorder struct{ cost uint }

func (c *costRecorder) GetToken(_ context.Context, cost uint) (func() error, error) {
	c.cost = cost
	return func() error { return nil }, nil
}

func (c *costRecorder) AddTokens(uint) error { return nil }
