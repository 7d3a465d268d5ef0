// Package awsreq sends signed requests to AWS services without their SDK
// clients: the endpoint, region, credentials, HTTP client and retry policy
// come from an aws.Config and are used the way the SDK's generated clients
// use them; the request is signed with the SDK's own Signature Version 4
// signer (github.com/aws/aws-sdk-go-v2/aws/signer/v4).
//
// Why: a function that calls one or two operations of a service does not
// need that service's generated client, which with its schemas, endpoint
// rules and serializers adds megabytes to the binary and milliseconds to
// every cold start (package init). Packages notify (EventBridge PutEvents,
// SNS Publish) and notify/hub (Security Hub BatchImportFindings,
// BatchUpdateFindings, GetFindings) use it; the caller builds the body for
// the service's protocol and parses the answer.
//
// What is kept from the SDK:
//   - endpoints (ResolveEndpoint): aws.Config.BaseEndpoint (which
//     config.LoadDefaultConfig fills from AWS_ENDPOINT_URL or the shared
//     config's endpoint_url), the service's own AWS_ENDPOINT_URL_<SERVICE ID>
//     or services section of the shared config, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
//     else https://PREFIX.REGION.DNS-SUFFIX of the Region's partition, with
//     FIPS and dual-stack when the configuration asks for them
//     (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html);
//   - credentials: cfg.Credentials, cached as the SDK clients cache them,
//     aws.AnonymousCredentials sends requests unsigned;
//   - retries: cfg.Retryer, else the standard retryer (retry.NewStandard,
//     3 attempts, exponential backoff with jitter, a retry quota), with
//     cfg.RetryMaxAttempts and cfg.RetryMode applied as a generated client
//     applies them; an *Error answers ErrorCode and HTTPStatusCode, so the
//     retryer classifies throttling, transient and 5xx errors as it does the
//     SDK's own (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
package awsreq

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// Service names a service the way the SDK and SigV4 do.
type Service struct {
	// ID is the SDK's service ID, e.g. "EventBridge", "SNS": the
	// AWS_ENDPOINT_URL_<ID> variable (upper case, spaces as underscores)
	// and the shared config's services section use it.
	ID string
	// SigningName is the SigV4 service name (credential scope), e.g.
	// "events", "sns".
	SigningName string
	// EndpointPrefix is the first label of the service's host name, e.g.
	// "events" in events.us-east-1.amazonaws.com.
	EndpointPrefix string
	// GovCloudFIPS says where the service's endpoint rules send FIPS
	// requests in the aws-us-gov partition, whose standard endpoints are
	// FIPS-validated: with GovCloudFIPSStandard to PREFIX.REGION.amazonaws.com
	// rather than PREFIX-fips (SNS, EventBridge), and with
	// GovCloudFIPSDualStackStandard to PREFIX.REGION.api.aws under
	// dual-stack as well (EventBridge).
	GovCloudFIPSStandard, GovCloudFIPSDualStackStandard bool
}

// The services this module calls without their SDK clients, as the SDK
// names them: the ID gives AWS_ENDPOINT_URL_EVENTBRIDGE and
// AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL_SECURITYHUB; the GovCloud FIPS
// flags are those services' endpoint rules (TestResolveEndpoint compares
// with the SDK's clients: Security Hub's rules have no GovCloud exception,
// FIPS is securityhub-fips in every partition).
var (
	EventBridge = Service{ID: "EventBridge", SigningName: "events", EndpointPrefix: "events", GovCloudFIPSStandard: true, GovCloudFIPSDualStackStandard: true}
	SNS         = Service{ID: "SNS", SigningName: "sns", EndpointPrefix: "sns", GovCloudFIPSStandard: true}
	SecurityHub = Service{ID: "SecurityHub", SigningName: "securityhub", EndpointPrefix: "securityhub"}
)

// Client sends requests to one service.
type Client struct {
	Service Service
	// Region is the signing Region.
	Region string
	// Endpoint is the service's base URL (ResolveEndpoint).
	Endpoint string
	// Credentials sign the requests; nil or aws.AnonymousCredentials sends
	// them unsigned.
	Credentials aws.CredentialsProvider
	// HTTP sends the requests.
	HTTP aws.HTTPClient
	// Retryer decides which failed attempts are retried, after what pause.
	Retryer aws.Retryer
	// Now is the signing time (time.Now when nil).
	Now func() time.Time
	// UserAgent is sent as the User-Agent header.
	UserAgent string

	// err is the configuration error New met (no Region, a bad
	// endpoint): every call returns it without sending anything, as the
	// SDK's clients, which NewFromConfig always returns, do.
	err error
}

// signer is the SDK's SigV4 signer with its defaults (the path escaped as
// SigV4 canonicalises it, which for the "/" these protocols post to is
// "/").
var signer = v4.NewSigner()

// New returns a Client for svc configured from cfg as the SDK's
// NewFromConfig would configure the service's client. A configuration the
// SDK refuses (Client.Err) fails every call with the reason.
func New(cfg aws.Config, svc Service) *Client {
	endpoint, err := ResolveEndpoint(cfg, svc)
	if err != nil {
		return &Client{Service: svc, err: err}
	}
	c := &Client{
		Service:     svc,
		Region:      pseudoRegion(cfg.Region),
		Endpoint:    endpoint,
		Credentials: cachedCredentials(cfg.Credentials),
		HTTP:        cfg.HTTPClient,
		Retryer:     resolveRetryer(cfg),
		UserAgent:   "cognito-guard aws-sdk-go-v2/signer-v4 api/" + svc.SigningName,
	}
	if c.HTTP == nil {
		c.HTTP = http.DefaultClient
	}
	return c
}

// Err is the configuration error every call returns, or nil.
func (c *Client) Err() error { return c.err }

// cachedCredentials wraps a provider that is not cached in an
// aws.CredentialsCache, as the SDK clients do.
func cachedCredentials(p aws.CredentialsProvider) aws.CredentialsProvider {
	switch p.(type) {
	case nil, aws.AnonymousCredentials, *aws.AnonymousCredentials, *aws.CredentialsCache:
		return p
	}
	return aws.NewCredentialsCache(p)
}

// resolveRetryer is what a generated client's resolveRetryer and
// finalizeRetryMaxAttempts do with an aws.Config: cfg.Retryer when set,
// else the retry mode's retryer (standard unless cfg.RetryMode says
// adaptive), with cfg.RetryMaxAttempts when set.
func resolveRetryer(cfg aws.Config) aws.Retryer {
	var r aws.Retryer
	switch {
	case cfg.Retryer != nil:
		r = cfg.Retryer()
	case cfg.RetryMode == aws.RetryModeAdaptive:
		r = retry.NewAdaptiveMode()
	default:
		r = retry.NewStandard()
	}
	if cfg.RetryMaxAttempts != 0 {
		r = retry.AddWithMaxAttempts(r, cfg.RetryMaxAttempts)
	}
	return r
}

// Request is one operation call.
type Request struct {
	// Op names the operation in errors, e.g. "PutEvents".
	Op string
	// Method is the HTTP method (default POST; REST protocols also use
	// others, e.g. PATCH for Security Hub's BatchUpdateFindings).
	Method string
	// Header holds the protocol's headers (Content-Type, X-Amz-Target).
	Header http.Header
	// Path is the URL path after the endpoint's (default "/").
	Path string
	// Body is the request body.
	Body []byte
	// Error reads a non-2xx answer into its code, message and request ID
	// (JSONError, RESTJSONError, QueryError).
	Error func(resp *http.Response, body []byte) (code, message, requestID string)
	// ModeledErrors are the error codes the SDK's client deserializes to
	// the operation's own error types (compared ignoring case, as the
	// generated deserializers do); other codes become a generic API error.
	// The retryer tells them apart: an HTTP 429 is retried as throttling
	// unless its error is modeled, when its code decides
	// (retry.DefaultRetryables' retryableUnmodeledTooManyRequests).
	ModeledErrors []string
}

// Error is a request a service refused, or that failed before it answered.
type Error struct {
	Service, Op string
	// StatusCode is the HTTP status (0 when no answer came).
	StatusCode int
	// Code is the service's error code, e.g. ThrottlingException.
	Code      string
	Message   string
	RequestID string
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the transport error when no answer came.
	Err error
	// Modeled says the code is one of the request's ModeledErrors.
	Modeled bool
}

func (e *Error) Error() string {
	head := fmt.Sprintf("%s %s", e.Service, e.Op)
	var msg string
	if e.Err != nil {
		msg = e.Err.Error()
	} else {
		msg = fmt.Sprintf("HTTP %d", e.StatusCode)
		if e.Code != "" {
			msg += ": " + e.Code
		} else if t := http.StatusText(e.StatusCode); t != "" {
			msg += ": " + t
		}
		if e.Message != "" {
			msg += ": " + e.Message
		}
		if e.RequestID != "" {
			msg += " (request ID " + e.RequestID + ")"
		}
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return head + ": " + msg
}

// Unwrap returns the transport error, so that the retryer (and callers)
// see a network error as one; for an answer, the smithy.APIError the SDK's
// client would return: a modeled error (a type of the service's) or a
// *smithy.GenericAPIError, which the retryer treats differently on HTTP 429.
func (e *Error) Unwrap() error {
	switch {
	case e.Err != nil:
		return e.Err
	case e.StatusCode == 0:
		return nil
	case e.Modeled:
		return &modeledError{e}
	}
	code := e.Code
	if code == "" {
		code = "UnknownError" // as the generated deserializers name it
	}
	return &smithy.GenericAPIError{Code: code, Message: e.Message}
}

// modeledError is an API error of one of the service's error types.
type modeledError struct{ e *Error }

func (m *modeledError) Error() string     { return m.e.Code + ": " + m.e.Message }
func (m *modeledError) ErrorCode() string { return m.e.Code }
func (m *modeledError) ErrorMessage() string {
	return m.e.Message
}
func (m *modeledError) ErrorFault() smithy.ErrorFault {
	if m.e.StatusCode >= 500 {
		return smithy.FaultServer
	}
	return smithy.FaultClient
}

// ErrorCode is the service's error code: the retryer's throttle and
// transient checks read it (retry.ThrottleErrorCode, retry.RetryableErrorCode).
func (e *Error) ErrorCode() string { return e.Code }

// HTTPStatusCode is the status: the retryer retries 500, 502, 503, 504
// (retry.RetryableHTTPStatusCode).
func (e *Error) HTTPStatusCode() int { return e.StatusCode }

// Do sends req and returns the body of its 2xx answer, retrying what the
// retryer says a retry can fix. A failure is an *Error.
func (c *Client) Do(ctx context.Context, req Request) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.Region == "" {
		return nil, &Error{Service: c.Service.SigningName, Op: req.Op, Err: fmt.Errorf("no Region configured")}
	}
	r := c.Retryer
	if r == nil {
		r = retry.NewStandard()
	}
	maxAttempts := max(r.MaxAttempts(), 1)
	releaseInitial := r.GetInitialToken()
	var releaseRetry func(error) error // the retry quota taken for this attempt
	for attempt := 1; ; attempt++ {
		release := func(error) error { return nil }
		if v2, ok := r.(aws.RetryerV2); ok {
			rel, err := v2.GetAttemptToken(ctx)
			if err != nil {
				return nil, &Error{Service: c.Service.SigningName, Op: req.Op, Attempts: attempt - 1, Err: err}
			}
			release = rel
		}
		body, err := c.send(ctx, req)
		var opErr error // a nil *Error is not a nil error
		if err != nil {
			opErr = err
		}
		_ = release(opErr)
		if releaseRetry != nil {
			// A retry that succeeds puts its quota back.
			_ = releaseRetry(opErr)
			releaseRetry = nil
		}
		if err == nil {
			_ = releaseInitial(nil)
			return body, nil
		}
		err.Attempts = attempt
		if ctx.Err() != nil || attempt >= maxAttempts || !r.IsErrorRetryable(err) {
			_ = releaseInitial(err)
			return nil, err
		}
		// The retry quota: when retries keep failing, stop retrying.
		rel, qerr := r.GetRetryToken(ctx, err)
		if qerr != nil {
			return nil, err
		}
		releaseRetry = rel
		delay, derr := r.RetryDelay(attempt, err)
		if derr != nil {
			return nil, err
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, err
			case <-t.C:
			}
		}
	}
}

// send makes one attempt.
func (c *Client) send(ctx context.Context, req Request) ([]byte, *Error) {
	fail := func(status int, err error) *Error {
		return &Error{Service: c.Service.SigningName, Op: req.Op, StatusCode: status, Err: err}
	}
	path := req.Path
	if path == "" {
		path = "/"
	}
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}
	hr, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Endpoint, "/")+path, bytes.NewReader(req.Body))
	if err != nil {
		return nil, fail(0, err)
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	if c.UserAgent != "" {
		hr.Header.Set("User-Agent", c.UserAgent)
	}
	// As the SDK's clients do (service/internal/accept-encoding's
	// DisableGzip): without it net/http adds Accept-Encoding: gzip after
	// signing, a header a verifier that signs every header it receives
	// counts and the signature does not.
	hr.Header.Set("Accept-Encoding", "identity")
	if err := c.sign(ctx, hr, req.Body); err != nil {
		return nil, fail(0, err)
	}
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		return nil, fail(0, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fail(resp.StatusCode, fmt.Errorf("read response: %w", err))
	}
	if resp.StatusCode/100 == 2 {
		return body, nil
	}
	e := &Error{Service: c.Service.SigningName, Op: req.Op, StatusCode: resp.StatusCode}
	if req.Error != nil {
		e.Code, e.Message, e.RequestID = req.Error(resp, body)
	}
	if e.RequestID == "" {
		e.RequestID = resp.Header.Get("X-Amzn-Requestid")
	}
	e.Modeled = e.Code != "" && slices.ContainsFunc(req.ModeledErrors, func(c string) bool { return strings.EqualFold(c, e.Code) })
	return nil, e
}

// sign signs hr with SigV4 for the service and Region at c.Now.
func (c *Client) sign(ctx context.Context, hr *http.Request, body []byte) error {
	switch c.Credentials.(type) {
	case nil, aws.AnonymousCredentials, *aws.AnonymousCredentials:
		return nil
	}
	creds, err := c.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return signer.SignHTTP(ctx, creds, hr, hex.EncodeToString(sum[:]), c.Service.SigningName, c.Region, now().UTC())
}
