package policy

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// deepCopy copies a described client so that fixing the copy never writes
// through a pointer or slice shared with the caller's value. A reflection
// test pins that every pointer and slice field is copied.
func deepCopy(c *types.UserPoolClientType) *types.UserPoolClientType {
	if c == nil {
		return nil
	}
	out := *c
	out.AccessTokenValidity = clonePtr(c.AccessTokenValidity)
	out.AllowedOAuthFlows = slices.Clone(c.AllowedOAuthFlows)
	out.AllowedOAuthFlowsUserPoolClient = clonePtr(c.AllowedOAuthFlowsUserPoolClient)
	out.AllowedOAuthScopes = slices.Clone(c.AllowedOAuthScopes)
	if a := c.AnalyticsConfiguration; a != nil {
		ac := *a
		ac.ApplicationArn = clonePtr(a.ApplicationArn)
		ac.ApplicationId = clonePtr(a.ApplicationId)
		ac.ExternalId = clonePtr(a.ExternalId)
		ac.RoleArn = clonePtr(a.RoleArn)
		out.AnalyticsConfiguration = &ac
	}
	out.AuthSessionValidity = clonePtr(c.AuthSessionValidity)
	out.CallbackURLs = slices.Clone(c.CallbackURLs)
	out.ClientId = clonePtr(c.ClientId)
	out.ClientName = clonePtr(c.ClientName)
	out.ClientSecret = clonePtr(c.ClientSecret)
	out.CreationDate = clonePtr(c.CreationDate)
	out.DefaultRedirectURI = clonePtr(c.DefaultRedirectURI)
	out.EnablePropagateAdditionalUserContextData = clonePtr(c.EnablePropagateAdditionalUserContextData)
	out.EnableTokenRevocation = clonePtr(c.EnableTokenRevocation)
	out.ExplicitAuthFlows = slices.Clone(c.ExplicitAuthFlows)
	out.IdTokenValidity = clonePtr(c.IdTokenValidity)
	out.LastModifiedDate = clonePtr(c.LastModifiedDate)
	out.LogoutURLs = slices.Clone(c.LogoutURLs)
	out.ReadAttributes = slices.Clone(c.ReadAttributes)
	if r := c.RefreshTokenRotation; r != nil {
		rc := *r
		rc.RetryGracePeriodSeconds = clonePtr(r.RetryGracePeriodSeconds)
		out.RefreshTokenRotation = &rc
	}
	out.SupportedIdentityProviders = slices.Clone(c.SupportedIdentityProviders)
	out.TokenValidityUnits = clonePtr(c.TokenValidityUnits)
	out.UserPoolId = clonePtr(c.UserPoolId)
	out.WriteAttributes = slices.Clone(c.WriteAttributes)
	return &out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
