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
	unshare(&out, c)
	return &out
}

// unshare gives w its own copy of every pointer and slice it still shares
// with c. Evaluate works on a shallow copy (a fix always stores a fresh
// value and never writes through a pointer) and unshares only the fields no
// fix replaced, just before Fixed is returned.
func unshare(w, c *types.UserPoolClientType) {
	w.AccessTokenValidity = own(w.AccessTokenValidity, c.AccessTokenValidity)
	w.AllowedOAuthFlows = ownSlice(w.AllowedOAuthFlows, c.AllowedOAuthFlows)
	w.AllowedOAuthFlowsUserPoolClient = own(w.AllowedOAuthFlowsUserPoolClient, c.AllowedOAuthFlowsUserPoolClient)
	w.AllowedOAuthScopes = ownSlice(w.AllowedOAuthScopes, c.AllowedOAuthScopes)
	w.AnalyticsConfiguration = ownNested(w.AnalyticsConfiguration, c.AnalyticsConfiguration, func(a, orig *types.AnalyticsConfigurationType) {
		a.ApplicationArn = own(a.ApplicationArn, orig.ApplicationArn)
		a.ApplicationId = own(a.ApplicationId, orig.ApplicationId)
		a.ExternalId = own(a.ExternalId, orig.ExternalId)
		a.RoleArn = own(a.RoleArn, orig.RoleArn)
	})
	w.AuthSessionValidity = own(w.AuthSessionValidity, c.AuthSessionValidity)
	w.CallbackURLs = ownSlice(w.CallbackURLs, c.CallbackURLs)
	w.ClientId = own(w.ClientId, c.ClientId)
	w.ClientName = own(w.ClientName, c.ClientName)
	w.ClientSecret = own(w.ClientSecret, c.ClientSecret)
	w.CreationDate = own(w.CreationDate, c.CreationDate)
	w.DefaultRedirectURI = own(w.DefaultRedirectURI, c.DefaultRedirectURI)
	w.EnablePropagateAdditionalUserContextData = own(w.EnablePropagateAdditionalUserContextData, c.EnablePropagateAdditionalUserContextData)
	w.EnableTokenRevocation = own(w.EnableTokenRevocation, c.EnableTokenRevocation)
	w.ExplicitAuthFlows = ownSlice(w.ExplicitAuthFlows, c.ExplicitAuthFlows)
	w.IdTokenValidity = own(w.IdTokenValidity, c.IdTokenValidity)
	w.LastModifiedDate = own(w.LastModifiedDate, c.LastModifiedDate)
	w.LogoutURLs = ownSlice(w.LogoutURLs, c.LogoutURLs)
	w.ReadAttributes = ownSlice(w.ReadAttributes, c.ReadAttributes)
	w.RefreshTokenRotation = ownNested(w.RefreshTokenRotation, c.RefreshTokenRotation, func(r, orig *types.RefreshTokenRotationType) {
		r.RetryGracePeriodSeconds = own(r.RetryGracePeriodSeconds, orig.RetryGracePeriodSeconds)
	})
	w.SupportedIdentityProviders = ownSlice(w.SupportedIdentityProviders, c.SupportedIdentityProviders)
	w.TokenValidityUnits = own(w.TokenValidityUnits, c.TokenValidityUnits)
	w.UserPoolId = own(w.UserPoolId, c.UserPoolId)
	w.WriteAttributes = ownSlice(w.WriteAttributes, c.WriteAttributes)
}

// own returns a copy of *p when p is orig, and p otherwise.
func own[T any](p, orig *T) *T {
	if p == nil || p != orig {
		return p
	}
	v := *p
	return &v
}

// ownNested is own for a struct that holds pointers itself: p is copied when
// it is orig, and then fields unshares its members with orig's.
func ownNested[T any](p, orig *T, fields func(p, orig *T)) *T {
	if p == nil {
		return nil
	}
	if p == orig {
		cp := *p
		p = &cp
	}
	if orig != nil {
		fields(p, orig)
	}
	return p
}

// ownSlice returns a copy of s when it shares its backing array with orig.
func ownSlice[T any](s, orig []T) []T {
	if s == nil || cap(s) == 0 || cap(orig) == 0 || &s[:1][0] != &orig[:1][0] {
		return s
	}
	return slices.Clone(s)
}
