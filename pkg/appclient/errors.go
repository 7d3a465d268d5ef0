package appclient

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

// Class says what a caller should do about an error from this package.
type Class int

const (
	// Retryable: the call may succeed later (throttling, concurrent
	// modification, 5xx, network, deadline, or anything not recognised).
	// The event must be kept: return an error so Lambda retries it.
	Retryable Class = iota
	// NotFound: the pool or client does not exist (any more). Skip it.
	NotFound
	// Terminal: retrying the same request cannot succeed (invalid parameter,
	// unknown scope, invalid OAuth flow, not authorized, feature not in the
	// tier, operation not enabled in this Region, request rejected before it
	// was sent). Report it; do not retry.
	Terminal
)

func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case NotFound:
		return "not-found"
	case Terminal:
		return "terminal"
	}
	return "unknown"
}

// terminalCodes are the error codes no retry fixes. They are matched by
// code, not only by Go type, because the SDK decodes an error into its typed
// exception only for operations whose model lists it: an
// InvalidOAuthFlowException or an IAM AccessDeniedException on
// DescribeUserPoolClient arrives as smithy.GenericAPIError. Naming the typed
// exceptions ties the list to the SDK: a rename breaks the build.
var terminalCodes = codes(
	&types.InvalidParameterException{},
	&types.ScopeDoesNotExistException{},
	&types.InvalidOAuthFlowException{},
	&types.NotAuthorizedException{},
	&types.FeatureUnavailableInTierException{},
	// "not supported in secondary replica regions"
	&types.OperationNotEnabledException{},
	&types.AccessDeniedException{},
	// IAM denials and requests the service could not read, as other AWS
	// services name them.
	&smithy.GenericAPIError{Code: "AccessDenied"},
	&smithy.GenericAPIError{Code: "UnauthorizedOperation"},
	&smithy.GenericAPIError{Code: "UnrecognizedClientException"},
	&smithy.GenericAPIError{Code: "ValidationException"},
	&smithy.GenericAPIError{Code: "SerializationException"},
)

var notFoundCode = (&types.ResourceNotFoundException{}).ErrorCode()

func codes(errs ...smithy.APIError) map[string]bool {
	m := make(map[string]bool, len(errs))
	for _, e := range errs {
		m[e.ErrorCode()] = true
	}
	return m
}

// Classify sorts err, as returned by this package or the SDK. Anything it
// does not recognise is Retryable, so that an unknown failure keeps the
// event instead of dropping it; a nil err is Retryable for the same reason.
func Classify(err error) Class {
	if err == nil {
		return Retryable
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch c := apiErr.ErrorCode(); {
		case c == notFoundCode:
			return NotFound
		case terminalCodes[c]:
			return Terminal
		}
		return Retryable
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Retryable
	// Raised by the SDK before sending: a required parameter is missing or
	// the request cannot be serialised. The same request will fail again.
	case is[smithy.InvalidParamsError](err),
		is[*smithy.InvalidParamsError](err),
		is[*smithy.SerializationError](err):
		return Terminal
	}
	return Retryable
}

func is[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// contentCodes are the errors with which Cognito refuses an update for what
// it contains (a value out of range, an undefined custom scope, an identity
// provider or attribute the pool lacks, an OAuth flow combination it does
// not allow), as opposed to who sent it or when.
var contentCodes = codes(
	&types.InvalidParameterException{},
	&types.ScopeDoesNotExistException{},
	&types.InvalidOAuthFlowException{},
)

// RejectedContent reports whether err is Cognito refusing a request for its
// content: sending a smaller request may succeed where this one cannot.
func RejectedContent(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && contentCodes[apiErr.ErrorCode()]
}
