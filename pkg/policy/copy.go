package policy

import (
	"slices"
	"time"

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

// owned is the storage of the scalar copies unshare makes: one allocation
// for all of them instead of one per pointer. Each slot serves one member.
type owned struct {
	clientID, clientName, clientSecret, defaultRedirectURI, userPoolID string

	appArn, appID, externalID, roleArn string // AnalyticsConfiguration's

	accessValidity, authSessionValidity, idValidity, retryGrace int32

	oauthClient, propagate, revocation bool

	created, modified time.Time

	analytics types.AnalyticsConfigurationType
	rotation  types.RefreshTokenRotationType
	units     types.TokenValidityUnitsType
}

// unshare gives w its own copy of every pointer and slice it still shares
// with c. Evaluate works on a shallow copy (a fix always stores a fresh
// value and never writes through a pointer) and unshares only the fields no
// fix replaced, just before Fixed is returned. The copies of the scalars
// live in one owned block and those of the string lists in one backing
// array (each list capped at its length, so an append never writes into
// its neighbour).
func unshare(w, c *types.UserPoolClientType) {
	o := new(owned)
	w.AccessTokenValidity = own(w.AccessTokenValidity, c.AccessTokenValidity, &o.accessValidity)
	w.AllowedOAuthFlows = ownSlice(w.AllowedOAuthFlows, c.AllowedOAuthFlows)
	w.AllowedOAuthFlowsUserPoolClient = own(w.AllowedOAuthFlowsUserPoolClient, c.AllowedOAuthFlowsUserPoolClient, &o.oauthClient)
	w.AnalyticsConfiguration = ownNested(w.AnalyticsConfiguration, c.AnalyticsConfiguration, &o.analytics, func(a, orig *types.AnalyticsConfigurationType) {
		a.ApplicationArn = own(a.ApplicationArn, orig.ApplicationArn, &o.appArn)
		a.ApplicationId = own(a.ApplicationId, orig.ApplicationId, &o.appID)
		a.ExternalId = own(a.ExternalId, orig.ExternalId, &o.externalID)
		a.RoleArn = own(a.RoleArn, orig.RoleArn, &o.roleArn)
	})
	w.AuthSessionValidity = own(w.AuthSessionValidity, c.AuthSessionValidity, &o.authSessionValidity)
	w.ClientId = own(w.ClientId, c.ClientId, &o.clientID)
	w.ClientName = own(w.ClientName, c.ClientName, &o.clientName)
	w.ClientSecret = own(w.ClientSecret, c.ClientSecret, &o.clientSecret)
	w.CreationDate = own(w.CreationDate, c.CreationDate, &o.created)
	w.DefaultRedirectURI = own(w.DefaultRedirectURI, c.DefaultRedirectURI, &o.defaultRedirectURI)
	w.EnablePropagateAdditionalUserContextData = own(w.EnablePropagateAdditionalUserContextData, c.EnablePropagateAdditionalUserContextData, &o.propagate)
	w.EnableTokenRevocation = own(w.EnableTokenRevocation, c.EnableTokenRevocation, &o.revocation)
	w.ExplicitAuthFlows = ownSlice(w.ExplicitAuthFlows, c.ExplicitAuthFlows)
	w.IdTokenValidity = own(w.IdTokenValidity, c.IdTokenValidity, &o.idValidity)
	w.LastModifiedDate = own(w.LastModifiedDate, c.LastModifiedDate, &o.modified)
	w.RefreshTokenRotation = ownNested(w.RefreshTokenRotation, c.RefreshTokenRotation, &o.rotation, func(r, orig *types.RefreshTokenRotationType) {
		r.RetryGracePeriodSeconds = own(r.RetryGracePeriodSeconds, orig.RetryGracePeriodSeconds, &o.retryGrace)
	})
	w.TokenValidityUnits = own(w.TokenValidityUnits, c.TokenValidityUnits, &o.units)
	w.UserPoolId = own(w.UserPoolId, c.UserPoolId, &o.userPoolID)

	lists := [...]struct{ w, c *[]string }{
		{&w.AllowedOAuthScopes, &c.AllowedOAuthScopes},
		{&w.CallbackURLs, &c.CallbackURLs},
		{&w.LogoutURLs, &c.LogoutURLs},
		{&w.ReadAttributes, &c.ReadAttributes},
		{&w.SupportedIdentityProviders, &c.SupportedIdentityProviders},
		{&w.WriteAttributes, &c.WriteAttributes},
	}
	n := 0
	for _, l := range lists {
		if shares(*l.w, *l.c) {
			n += len(*l.w)
		}
	}
	buf := make([]string, 0, n) // none allocated when n is 0
	for _, l := range lists {
		if s := *l.w; shares(s, *l.c) {
			start := len(buf)
			buf = append(buf, s...)
			*l.w = buf[start:len(buf):len(buf)]
		}
	}
}

// own returns slot holding a copy of *p when p is orig, and p otherwise.
func own[T any](p, orig *T, slot *T) *T {
	if p == nil || p != orig {
		return p
	}
	*slot = *p
	return slot
}

// ownNested is own for a struct that holds pointers itself: p is copied into
// slot when it is orig, and then fields unshares its members with orig's.
func ownNested[T any](p, orig *T, slot *T, fields func(p, orig *T)) *T {
	if p == nil {
		return nil
	}
	if p == orig {
		*slot = *p
		p = slot
	}
	if orig != nil {
		fields(p, orig)
	}
	return p
}

// shares reports whether s shares its backing array with orig, the test
// ownSlice copies on.
func shares[T any](s, orig []T) bool {
	return s != nil && cap(s) != 0 && cap(orig) != 0 && &s[:1][0] == &orig[:1][0]
}

// ownSlice returns a copy of s when it shares its backing array with orig.
func ownSlice[T any](s, orig []T) []T {
	if !shares(s, orig) {
		return s
	}
	return slices.Clone(s)
}
