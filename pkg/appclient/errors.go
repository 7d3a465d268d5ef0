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

// terminalCodes are error codes that no retry fixes but that the SDK does
// not model for these operations, so they arrive as smithy.GenericAPIError:
// IAM denials and requests the service could not read.
var terminalCodes = map[string]bool{
	"AccessDeniedException":       true,
	"AccessDenied":                true,
	"UnauthorizedOperation":       true,
	"UnrecognizedClientException": true,
	"ValidationException":         true,
	"SerializationException":      true,
}

// Classify sorts err, as returned by this package or the SDK. Anything it
// does not recognise is Retryable, so that an unknown failure keeps the
// event instead of dropping it; a nil err is Retryable for the same reason.
func Classify(err error) Class {
	if err == nil {
		return Retryable
	}
	if is[*types.ResourceNotFoundException](err) || code(err) == "ResourceNotFoundException" {
		return NotFound
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Retryable
	}
	switch {
	case is[*types.InvalidParameterException](err),
		is[*types.ScopeDoesNotExistException](err),
		is[*types.InvalidOAuthFlowException](err),
		is[*types.NotAuthorizedException](err),
		is[*types.FeatureUnavailableInTierException](err),
		is[*types.OperationNotEnabledException](err),
		is[*types.AccessDeniedException](err),
		// Raised by the SDK before sending: a required parameter is
		// missing or the request cannot be serialised.
		is[smithy.InvalidParamsError](err),
		is[*smithy.InvalidParamsError](err),
		is[*smithy.SerializationError](err),
		terminalCodes[code(err)]:
		return Terminal
	}
	return Retryable
}

func is[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
