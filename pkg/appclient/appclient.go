package appclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// API is the part of the Cognito user-pools API the adapter needs. The method
// signatures are the SDK's, so *cognitoidentityprovider.Client satisfies it
// and the SDK paginators accept it.
type API interface {
	DescribeUserPoolClient(ctx context.Context, params *cip.DescribeUserPoolClientInput, optFns ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error)
	UpdateUserPoolClient(ctx context.Context, params *cip.UpdateUserPoolClientInput, optFns ...func(*cip.Options)) (*cip.UpdateUserPoolClientOutput, error)
	ListUserPools(ctx context.Context, params *cip.ListUserPoolsInput, optFns ...func(*cip.Options)) (*cip.ListUserPoolsOutput, error)
	ListUserPoolClients(ctx context.Context, params *cip.ListUserPoolClientsInput, optFns ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error)
	// Pool reads, only when a fix adds something the pool must define.
	DescribeUserPool(ctx context.Context, params *cip.DescribeUserPoolInput, optFns ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
	ListResourceServers(ctx context.Context, params *cip.ListResourceServersInput, optFns ...func(*cip.Options)) (*cip.ListResourceServersOutput, error)
	ListIdentityProviders(ctx context.Context, params *cip.ListIdentityProvidersInput, optFns ...func(*cip.Options)) (*cip.ListIdentityProvidersOutput, error)
}

var _ API = (*cip.Client)(nil)

// RedactedSecret replaces the value of ClientSecret in every client this
// package returns. Callers can still tell that a client has a secret
// (ClientSecret != nil matters for several Cognito rules), but the secret
// itself never leaves the adapter, so it cannot reach a log, result or error.
const RedactedSecret = "REDACTED"

// Client reads and writes app clients through an [API].
type Client struct {
	api API
}

// New returns a Client using api, normally a *cognitoidentityprovider.Client
// built with [Retryer].
func New(api API) *Client {
	return &Client{api: api}
}

// Describe returns the app client as Cognito reports it, with ClientSecret
// replaced by [RedactedSecret].
//
// When the response carries settings this build's SDK does not know, it
// returns the client together with an [*UnknownMembersError]: the client
// can be evaluated and reported, but must not be written, because the
// full-field update would reset those settings.
func (c *Client) Describe(ctx context.Context, userPoolID, clientID string) (*types.UserPoolClientType, error) {
	out, err := c.api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(userPoolID),
		ClientId:   aws.String(clientID),
	}, withUnknownCapture)
	if err != nil {
		return nil, fmt.Errorf("describe user pool client: %w", err)
	}
	if out.UserPoolClient == nil {
		return nil, errors.New("describe user pool client: response has no UserPoolClient")
	}
	client := redact(out.UserPoolClient)
	if m := unknownFrom(out.ResultMetadata); len(m) > 0 {
		return client, &UnknownMembersError{Members: m}
	}
	return client, nil
}

// Update writes fixed with one full-field UpdateUserPoolClient built by
// [UpdateInput], so every setting not changed by the caller keeps its value
// (Cognito resets omitted fields to their defaults). fixed should be a
// client just returned by [Client.Describe] with the fixes applied. It
// returns the client as Cognito reports it after the update, secret redacted.
func (c *Client) Update(ctx context.Context, fixed *types.UserPoolClientType) (*types.UserPoolClientType, error) {
	if fixed == nil {
		return nil, errors.New("update user pool client: no client given")
	}
	if err := copyPlan.err(); err != nil {
		// Sending would reset a setting this build does not know how to
		// carry: refuse rather than damage the client.
		return nil, fmt.Errorf("update user pool client: %w", err)
	}
	out, err := c.api.UpdateUserPoolClient(ctx, UpdateInput(fixed), sendOnce)
	if err != nil {
		return nil, fmt.Errorf("update user pool client: %w", err)
	}
	if out.UserPoolClient == nil {
		return nil, errors.New("update user pool client: response has no UserPoolClient")
	}
	return redact(out.UserPoolClient), nil
}

// sendOnce turns the SDK's retries off for one call. An update is a
// full-field replace built from a describe: resending it after a throttle
// or a 5xx, however short the backoff, would overwrite whatever another
// writer changed meanwhile (Cognito has no conditional write). The caller
// starts again from a fresh describe instead (internal/reconcile); reads
// keep the retryer.
func sendOnce(o *cip.Options) { o.RetryMaxAttempts = 1 }

// redact masks the secret in place: the SDK output is ours alone.
func redact(c *types.UserPoolClientType) *types.UserPoolClientType {
	if c.ClientSecret != nil {
		c.ClientSecret = aws.String(RedactedSecret)
	}
	return c
}
