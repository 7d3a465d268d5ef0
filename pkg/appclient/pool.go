package appclient

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// What the pool defines that a client can refer to. A fix that adds a
// custom scope, an identity provider or a read/write attribute the pool
// lacks is rejected by Cognito (issue 11): the reconcile checks such an add
// against these reads before sending it.

// ResourceServerScopes returns the custom scopes the pool's resource servers
// define, each as "<resource server identifier>/<scope name>", the form an
// app client's AllowedOAuthScopes use (API reference,
// ResourceServerScopeType: "you request and receive the scope
// exampleResourceServer/exampleScope";
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ResourceServerScopeType.html).
func (c *Client) ResourceServerScopes(ctx context.Context, userPoolID string) ([]string, error) {
	// MaxResults 1–50 (API reference, ListResourceServers).
	p := cip.NewListResourceServersPaginator(c.api, &cip.ListResourceServersInput{
		UserPoolId: aws.String(userPoolID), MaxResults: aws.Int32(50)})
	var scopes []string
	sent := ""
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list resource servers: %w", err)
		}
		for _, rs := range out.ResourceServers {
			for _, s := range rs.Scopes {
				scopes = append(scopes, aws.ToString(rs.Identifier)+"/"+aws.ToString(s.ScopeName))
			}
		}
		next := aws.ToString(out.NextToken)
		if err := checkProgress(sent, next); err != nil {
			return nil, fmt.Errorf("list resource servers: %w", err)
		}
		sent = next
	}
	return scopes, nil
}

// IdentityProviders returns the names of the pool's identity providers
// (ProviderName, the value SupportedIdentityProviders takes). COGNITO, the
// pool's own directory, is not listed by Cognito and not added here.
func (c *Client) IdentityProviders(ctx context.Context, userPoolID string) ([]string, error) {
	// MaxResults 1–60 (API reference, ListIdentityProviders).
	p := cip.NewListIdentityProvidersPaginator(c.api, &cip.ListIdentityProvidersInput{
		UserPoolId: aws.String(userPoolID), MaxResults: aws.Int32(60)})
	var names []string
	sent := ""
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list identity providers: %w", err)
		}
		for _, idp := range out.Providers {
			names = append(names, aws.ToString(idp.ProviderName))
		}
		next := aws.ToString(out.NextToken)
		if err := checkProgress(sent, next); err != nil {
			return nil, fmt.Errorf("list identity providers: %w", err)
		}
		sent = next
	}
	return names, nil
}

// SchemaAttributes returns the names of the pool's attributes as a client's
// ReadAttributes and WriteAttributes name them: "email" for a standard
// attribute, "custom:tenant" for a custom one. DescribeUserPool returns them
// in that form ("Amazon Cognito returns this value as value for standard
// attributes, custom:value for custom attributes, and dev:value for
// developer-only attributes", API reference, SchemaAttributeType;
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SchemaAttributeType.html).
func (c *Client) SchemaAttributes(ctx context.Context, userPoolID string) ([]string, error) {
	out, err := c.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(userPoolID)})
	if err != nil {
		return nil, fmt.Errorf("describe user pool: %w", err)
	}
	if out.UserPool == nil {
		return nil, fmt.Errorf("describe user pool: response has no UserPool")
	}
	names := make([]string, 0, len(out.UserPool.SchemaAttributes))
	for _, a := range out.UserPool.SchemaAttributes {
		names = append(names, aws.ToString(a.Name))
	}
	return names, nil
}
