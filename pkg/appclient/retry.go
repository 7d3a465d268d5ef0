package appclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// retryCodes are Cognito errors the SDK resends as they are.
// TooManyRequestsException and InternalErrorException are retried by
// default (throttle code, 5xx status); they are named here too so the
// behaviour does not hang on those defaults.
//
// ConcurrentModificationException is deliberately not here: it means
// someone else was changing the client, and resending our full-field
// update, built from the describe before their change, would overwrite
// it. It is Retryable for Classify, and the caller retries from a fresh
// describe (internal/reconcile).
var retryCodes = map[string]struct{}{
	"TooManyRequestsException": {},
	"InternalErrorException":   {},
}

// throttleCodes are retried with the throttling backoff (1 s base) and the
// cheaper retry-quota cost. TooManyRequestsException is already in
// retry.DefaultThrottleErrorCodes (the tests check); stated for the same
// reason as above.
var throttleCodes = map[string]struct{}{
	"TooManyRequestsException": {},
}

// Retryer returns a retryer constructor for config.WithRetryer or
// aws.Config.Retryer: the SDK's standard retryer (exponential backoff with
// jitter, client-side retry quota) making at most maxAttempts attempts per
// call (maxAttempts < 1 means the SDK default, 3). It never resends an
// update that met ConcurrentModificationException (see retryCodes).
func Retryer(maxAttempts int) func() aws.Retryer {
	return func() aws.Retryer { return newRetryer(maxAttempts) }
}

// newRetryer lets tests change the backoff without changing what is retried.
func newRetryer(maxAttempts int, optFns ...func(*retry.StandardOptions)) aws.Retryer {
	fns := append([]func(*retry.StandardOptions){func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: retryCodes})
		o.Throttles = append(o.Throttles, retry.ThrottleErrorCode{Codes: throttleCodes})
	}}, optFns...)
	return retry.NewStandard(fns...)
}
