package policy

import (
	"reflect"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Cognito's cross-field rules: the guard stage of Evaluate. A fix that would
// break one is withdrawn (its findings become unfixable with the reason)
// while the other fixes stand, because Cognito rejects a full-field update
// whole when one member is wrong.

// keepCrossFieldRules withdraws every fix that would leave w in a state
// Cognito rejects or that would cut off an app, turning its findings into
// unfixable ones with the reason; the other fixes stand. A withdrawn field
// goes back to its described value, which Cognito accepted, so each round
// only shrinks the change and the loop ends.
func keepCrossFieldRules(p *Resolved, x *fixer) {
	withdrawViolations(x)
	// DefaultRedirectURI must stay one of CallbackURLs. When a fix removes
	// it, the default is cleared rather than replaced by a URL of our
	// choosing: Cognito's authorize endpoint takes redirect_uri from the
	// request, so no app depends on which callback is the default.
	def := crossField.DefaultRedirectURI
	w := x.w
	if x.changed("CallbackURLs") && w.DefaultRedirectURI != nil && !slices.Contains(w.CallbackURLs, *w.DefaultRedirectURI) {
		if p.exempted(def) || ruleAction(p, def) == Report {
			x.withdraw("CallbackURLs", "the fix removes DefaultRedirectURI from CallbackURLs, and DefaultRedirectURI is exempt or report-only")
		} else {
			before := def.get(w)
			w.DefaultRedirectURI = nil
			x.res.Findings = append(x.res.Findings, Finding{
				Rule: "DefaultRedirectURI.inCallbackURLs", Field: def.name, Current: show(def, before),
				Required: "must be one of CallbackURLs", Action: Enforce, Fixable: true,
			})
			x.own(def, len(x.res.Findings)-1)
			x.unsorted = true
		}
	}
}

// withdrawViolations withdraws fixes until w breaks none of Cognito's
// cross-field rules. A withdrawn field goes back to its described value,
// which Cognito accepted, so each round only shrinks the change and the
// loop ends.
func withdrawViolations(x *fixer) {
	for {
		sdk, reason := crossFieldViolation(x)
		if sdk == "" {
			return
		}
		x.withdraw(sdk, reason)
	}
}

// crossState is what the cross-field rules look at: the described client c,
// the fixed copy w and which Cognito fields the standing fixes write. Lists
// are read as described (unsorted, no copy).
type crossState struct {
	c, w *types.UserPoolClientType
	x    *fixer

	flows, described      []types.ExplicitAuthFlowsType // of w and of c, Cognito's defaults when absent
	rotation, wasRotation bool                          // RefreshTokenRotation.Feature ENABLED in w and in c
	oauthFlows, wasFlows  []types.OAuthFlowType
	scopes, wasScopes     []string
	oauth, hasSecret      bool
	callbacks             []string
}

// changed reports whether a standing fix writes the Cognito member f.
func (s *crossState) changed(f *field) bool { return s.x.sdks.has(f) }

// crossField are the fields the cross-field rules name, looked up once
// rather than by name in every check.
var crossField = struct {
	AccessTokenValidity, AllowedOAuthFlows, AllowedOAuthFlowsUserPoolClient, AllowedOAuthScopes,
	CallbackURLs, DefaultRedirectURI, EnablePropagateAdditionalUserContextData, ExplicitAuthFlows,
	IdTokenValidity, LogoutURLs, RefreshTokenRotation, RefreshTokenValidity, SupportedIdentityProviders *field
}{
	fieldByName["AccessTokenValidity"], fieldByName["AllowedOAuthFlows"], fieldByName["AllowedOAuthFlowsUserPoolClient"],
	fieldByName["AllowedOAuthScopes"], fieldByName["CallbackURLs"], fieldByName["DefaultRedirectURI"],
	fieldByName["EnablePropagateAdditionalUserContextData"], fieldByName["ExplicitAuthFlows"], fieldByName["IdTokenValidity"],
	fieldByName["LogoutURLs"], fieldByName["RefreshTokenRotation"], fieldByName["RefreshTokenValidity"],
	fieldByName["SupportedIdentityProviders"],
}

// crossRule is one of Cognito's cross-field rules. check returns the Cognito
// field whose fix breaks it and why, or "".
type crossRule struct {
	name   string
	source string // the public documentation or report the rule rests on
	check  func(s *crossState) (string, string)
}

const (
	apiUpdate   = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html"
	guideGrants = "https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints-oauth-grants.html"
	guideQuotas = "https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html"
	guideRotate = "https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html"
)

// crossRules are checked in this order; the first broken one withdraws a fix
// and the checks start again.
var crossRules = []crossRule{
	{"ExplicitAuthFlows.notEmpty", apiUpdate, func(s *crossState) (string, string) {
		// An empty list in an update means Cognito's default flows, which is
		// not what a fix that removed the last flow meant.
		if s.changed(crossField.ExplicitAuthFlows) && len(s.w.ExplicitAuthFlows) == 0 {
			return "ExplicitAuthFlows", "the fix leaves no auth flow, and Cognito reads an empty ExplicitAuthFlows as its default flows"
		}
		return "", ""
	}},
	{"ExplicitAuthFlows.noLegacyMix", apiUpdate, func(s *crossState) (string, string) {
		// API reference, ExplicitAuthFlows: "You can't assign these legacy
		// ExplicitAuthFlows values to user pool clients at the same time as
		// values that begin with ALLOW_".
		if s.changed(crossField.ExplicitAuthFlows) && hasLegacy(s.flows) && hasModern(s.flows) {
			return "ExplicitAuthFlows", "the fix would mix legacy flow names with ALLOW_* names, which Cognito rejects"
		}
		return "", ""
	}},
	{"ExplicitAuthFlows.refreshWithoutRotation", "https://github.com/aws/aws-cdk/issues/7625", func(s *crossState) (string, string) {
		// InvalidParameterException "REFRESH_TOKEN_AUTH should always be
		// allowed" (aws-cdk#7625) unless rotation is on, which replaces it.
		if s.changed(crossField.ExplicitAuthFlows) && hasModern(s.flows) && !s.rotation &&
			!slices.Contains(s.flows, "ALLOW_REFRESH_TOKEN_AUTH") && slices.Contains(s.described, "ALLOW_REFRESH_TOKEN_AUTH") {
			return "ExplicitAuthFlows", "Cognito requires ALLOW_REFRESH_TOKEN_AUTH unless refresh token rotation is enabled"
		}
		return "", ""
	}},
	{"ExplicitAuthFlows.refreshWithRotation", guideRotate, func(s *crossState) (string, string) {
		// Developer guide, refresh tokens: "You can't authenticate with
		// REFRESH_TOKEN_AUTH in app clients with refresh token rotation
		// enabled". A fix that adds the flow to such a client is withheld.
		if s.changed(crossField.ExplicitAuthFlows) && s.rotation && s.wasRotation &&
			slices.Contains(s.flows, "ALLOW_REFRESH_TOKEN_AUTH") && !slices.Contains(s.described, "ALLOW_REFRESH_TOKEN_AUTH") {
			return "ExplicitAuthFlows", "ALLOW_REFRESH_TOKEN_AUTH cannot be added while refresh token rotation is enabled"
		}
		return "", ""
	}},
	{"RefreshTokenRotation.enableWithRefreshFlow", guideRotate, func(s *crossState) (string, string) {
		if s.changed(crossField.RefreshTokenRotation) && s.rotation && !s.wasRotation && slices.Contains(s.flows, "ALLOW_REFRESH_TOKEN_AUTH") {
			return "RefreshTokenRotation", "refresh token rotation cannot be enabled while ExplicitAuthFlows allows ALLOW_REFRESH_TOKEN_AUTH; forbid that flow too"
		}
		return "", ""
	}},
	{"RefreshTokenRotation.disableWithoutRefreshFlow", "https://github.com/aws/aws-cdk/issues/7625", func(s *crossState) (string, string) {
		// Turning rotation off brings back the rule that ALLOW_* flow lists
		// must include ALLOW_REFRESH_TOKEN_AUTH.
		if s.changed(crossField.RefreshTokenRotation) && !s.rotation && s.wasRotation &&
			len(s.flows) > 0 && !hasLegacy(s.flows) && !slices.Contains(s.flows, "ALLOW_REFRESH_TOKEN_AUTH") {
			return "RefreshTokenRotation", "turning refresh token rotation off needs ALLOW_REFRESH_TOKEN_AUTH in ExplicitAuthFlows, which Cognito would otherwise reject; require that flow too"
		}
		return "", ""
	}},
	{"SupportedIdentityProviders.notEmpty", apiUpdate, func(s *crossState) (string, string) {
		if s.changed(crossField.SupportedIdentityProviders) && s.oauth && len(s.oauthFlows) > 0 &&
			len(s.w.SupportedIdentityProviders) == 0 {
			return "SupportedIdentityProviders", "removing the last identity provider would leave an OAuth client with no way to sign in"
		}
		return "", ""
	}},
	{"AllowedOAuthFlows.clientCredentialsAlone", guideGrants, func(s *crossState) (string, string) {
		// "You can't enable client credentials grants in the same app client
		// as either implicit or authorization code grants."
		if s.changed(crossField.AllowedOAuthFlows) && slices.Contains(s.oauthFlows, "client_credentials") && len(s.oauthFlows) > 1 {
			return "AllowedOAuthFlows", "client_credentials must be the only OAuth flow"
		}
		return "", ""
	}},
	{"AllowedOAuthFlows.clientCredentialsSecret", guideGrants, func(s *crossState) (string, string) {
		// Client credentials grants are for confidential clients; Cognito
		// answers InvalidOAuthFlowException "client_credentials flow can not
		// be selected if client does not have a client secret".
		if s.changed(crossField.AllowedOAuthFlows) && slices.Contains(s.oauthFlows, "client_credentials") && !s.hasSecret {
			return "AllowedOAuthFlows", "client_credentials needs a client secret and this client has none"
		}
		return "", ""
	}},
	{"AllowedOAuthScopes.noOpenIDWithClientCredentials", "https://github.com/hashicorp/terraform-provider-aws/issues/4984", func(s *crossState) (string, string) {
		// InvalidOAuthFlowException "openid is not supported with
		// client_credentials flow": a machine client has no user to identify.
		if !slices.Contains(s.oauthFlows, "client_credentials") || !slices.Contains(s.scopes, "openid") {
			return "", ""
		}
		switch {
		case s.changed(crossField.AllowedOAuthScopes) && !slices.Contains(s.wasScopes, "openid"):
			return "AllowedOAuthScopes", "openid cannot be added to a client_credentials client (Cognito: openid is not supported with client_credentials flow)"
		case s.changed(crossField.AllowedOAuthFlows) && !slices.Contains(s.wasFlows, "client_credentials"):
			return "AllowedOAuthFlows", "client_credentials cannot be added to a client whose scopes include openid (Cognito: openid is not supported with client_credentials flow)"
		}
		return "", ""
	}},
	{"AllowedOAuthFlows.notEmpty", apiUpdate, func(s *crossState) (string, string) {
		if s.changed(crossField.AllowedOAuthFlows) && s.oauth && len(s.oauthFlows) == 0 {
			return "AllowedOAuthFlows", "removing the last OAuth flow would cut off the app's OAuth sign-in"
		}
		return "", ""
	}},
	{"AllowedOAuthFlows.callbackForCode", apiUpdate, func(s *crossState) (string, string) {
		// code and implicit redirect to a registered callback URL
		// (CallbackURLs: "A list of allowed redirect (callback) URLs"); with
		// none, Cognito refuses the flows.
		if s.changed(crossField.AllowedOAuthFlows) && s.oauth && redirects(s.oauthFlows) && !redirects(s.wasFlows) && len(s.callbacks) == 0 {
			return "AllowedOAuthFlows", "the code and implicit flows need at least one callback URL, and this client has none"
		}
		return "", ""
	}},
	{"AllowedOAuthFlowsUserPoolClient.flowsNeedOAuth", apiUpdate, func(s *crossState) (string, string) {
		// AllowedOAuthFlowsUserPoolClient "must have a value of true before
		// you can configure" flows, scopes and URLs.
		if s.changed(crossField.AllowedOAuthFlowsUserPoolClient) && !s.oauth && len(s.oauthFlows) > 0 {
			return "AllowedOAuthFlowsUserPoolClient", "turning OAuth off would cut off an app that uses AllowedOAuthFlows"
		}
		return "", ""
	}},
	{"AllowedOAuthFlowsUserPoolClient.needsFlowScopeCallback", apiUpdate, func(s *crossState) (string, string) {
		if !s.changed(crossField.AllowedOAuthFlowsUserPoolClient) || !s.oauth {
			return "", ""
		}
		switch {
		case len(s.oauthFlows) == 0 || len(s.scopes) == 0:
			return "AllowedOAuthFlowsUserPoolClient", "Cognito needs at least one OAuth flow and one scope before OAuth can be turned on"
		case redirects(s.oauthFlows) && len(s.callbacks) == 0:
			return "AllowedOAuthFlowsUserPoolClient", "the code and implicit flows need at least one callback URL, and this client has none"
		}
		return "", ""
	}},
	{"TokenValidity.withinRefresh", "https://github.com/lgallard/terraform-aws-cognito-user-pool", func(s *crossState) (string, string) {
		// Access and ID tokens must not outlive the refresh token. This is
		// unverified (only a public Terraform module's variable text says
		// it); a withheld fix is visible as unfixable, while an update
		// Cognito rejects would stop every fix.
		cf := &crossField
		if !s.changed(cf.RefreshTokenValidity) && !s.changed(cf.AccessTokenValidity) && !s.changed(cf.IdTokenValidity) {
			return "", ""
		}
		refresh := cf.RefreshTokenValidity.get(s.w).n
		for _, f := range [...]*field{cf.RefreshTokenValidity, cf.AccessTokenValidity, cf.IdTokenValidity} {
			if !s.changed(f) {
				continue
			}
			for _, tok := range [...]*field{cf.AccessTokenValidity, cf.IdTokenValidity} {
				if tok.get(s.w).n > refresh {
					return f.name, "the fix would leave " + tok.name + " longer than RefreshTokenValidity"
				}
			}
		}
		return "", ""
	}},
	{"CallbackURLs.limit", guideQuotas, func(s *crossState) (string, string) {
		if s.changed(crossField.CallbackURLs) && len(s.callbacks) > 100 {
			return "CallbackURLs", "the fix exceeds Cognito's limit of 100 callback URLs"
		}
		return "", ""
	}},
	{"CallbackURLs.keepOneForCode", apiUpdate, func(s *crossState) (string, string) {
		if s.changed(crossField.CallbackURLs) && len(s.callbacks) == 0 && s.oauth && redirects(s.oauthFlows) {
			return "CallbackURLs", "removing the last callback URL would cut off an OAuth client that uses the code or implicit flow"
		}
		return "", ""
	}},
	{"LogoutURLs.limit", guideQuotas, func(s *crossState) (string, string) {
		if s.changed(crossField.LogoutURLs) && len(s.w.LogoutURLs) > 100 {
			return "LogoutURLs", "the fix exceeds Cognito's limit of 100 logout URLs"
		}
		return "", ""
	}},
	{"AllowedOAuthScopes.limit", guideQuotas, func(s *crossState) (string, string) {
		if s.changed(crossField.AllowedOAuthScopes) && len(s.scopes) > 50 {
			return "AllowedOAuthScopes", "the fix exceeds Cognito's limit of 50 scopes"
		}
		return "", ""
	}},
	{"AllowedOAuthScopes.notEmpty", apiUpdate, func(s *crossState) (string, string) {
		if s.changed(crossField.AllowedOAuthScopes) && len(s.scopes) == 0 && s.oauth && len(s.oauthFlows) > 0 {
			return "AllowedOAuthScopes", "removing the last scope would cut off the app's OAuth sign-in"
		}
		return "", ""
	}},
	{"EnablePropagateAdditionalUserContextData.needsSecret", apiUpdate, func(s *crossState) (string, string) {
		// "You can only activate EnablePropagateAdditionalUserContextData in
		// an app client that has a client secret."
		if s.changed(crossField.EnablePropagateAdditionalUserContextData) && s.w.EnablePropagateAdditionalUserContextData != nil &&
			*s.w.EnablePropagateAdditionalUserContextData && !s.hasSecret {
			return "EnablePropagateAdditionalUserContextData", "Cognito allows it only on an app client with a client secret, and this client has none"
		}
		return "", ""
	}},
	{"DefaultRedirectURI.inCallbackURLs", apiUpdate, func(s *crossState) (string, string) {
		// DefaultRedirectURI: "Must be in the CallbackURLs list."
		if s.changed(crossField.DefaultRedirectURI) && s.w.DefaultRedirectURI != nil && !slices.Contains(s.callbacks, *s.w.DefaultRedirectURI) {
			return "DefaultRedirectURI", "the required value is not one of CallbackURLs"
		}
		return "", ""
	}},
}

// CrossRule names one of Cognito's cross-field rules that Evaluate keeps
// and the public source it rests on (for a conformance table or a README).
type CrossRule struct {
	Name   string
	Source string
}

// CrossFieldRules lists the cross-field rules Evaluate checks, in order.
func CrossFieldRules() []CrossRule {
	out := make([]CrossRule, len(crossRules))
	for i, r := range crossRules {
		out[i] = CrossRule{Name: r.name, Source: r.source}
	}
	return out
}

// crossFieldViolation returns the Cognito field whose fix breaks one of
// Cognito's cross-field rules, and why.
func crossFieldViolation(x *fixer) (string, string) {
	c, w := x.c, x.w
	s := &x.cross
	*s = crossState{
		c: c, w: w, x: x,
		flows:       authFlows(w),
		described:   authFlows(c),
		rotation:    rotationFeature(w) == "ENABLED",
		wasRotation: rotationFeature(c) == "ENABLED",
		oauthFlows:  w.AllowedOAuthFlows,
		wasFlows:    c.AllowedOAuthFlows,
		oauth:       w.AllowedOAuthFlowsUserPoolClient != nil && *w.AllowedOAuthFlowsUserPoolClient,
		scopes:      w.AllowedOAuthScopes,
		wasScopes:   c.AllowedOAuthScopes,
		hasSecret:   c.ClientSecret != nil,
		callbacks:   w.CallbackURLs,
	}
	for i := range crossRules {
		if sdk, reason := crossRules[i].check(s); sdk != "" {
			return sdk, reason
		}
	}
	return "", ""
}

var defaultAuthFlowTypes = fromStrings[types.ExplicitAuthFlowsType](defaultAuthFlows)

// authFlows is ExplicitAuthFlows with Cognito's defaults when absent.
func authFlows(c *types.UserPoolClientType) []types.ExplicitAuthFlowsType {
	if len(c.ExplicitAuthFlows) == 0 {
		return defaultAuthFlowTypes
	}
	return c.ExplicitAuthFlows
}

func isLegacy(f types.ExplicitAuthFlowsType) bool {
	return slices.Contains(legacyAuthFlows, string(f))
}

func hasLegacy(flows []types.ExplicitAuthFlowsType) bool { return slices.ContainsFunc(flows, isLegacy) }

func hasModern(flows []types.ExplicitAuthFlowsType) bool {
	return slices.ContainsFunc(flows, func(f types.ExplicitAuthFlowsType) bool { return !isLegacy(f) })
}

// redirects reports whether the OAuth flows send the user to a callback URL.
func redirects(oauthFlows []types.OAuthFlowType) bool {
	return slices.Contains(oauthFlows, "code") || slices.Contains(oauthFlows, "implicit")
}

func rotationFeature(c *types.UserPoolClientType) string {
	if r := c.RefreshTokenRotation; r != nil && r.Feature != "" {
		return string(r.Feature)
	}
	return "DISABLED"
}

// restore puts the described value of one Cognito field back into w
// exactly as described (nil stays nil), together with its token unit. w
// shares it with c until finish unshares what Fixed still shares.
func restore(w, c *types.UserPoolClientType, sdk string) {
	i := memberIndex()[sdk]
	reflect.ValueOf(w).Elem().Field(i).Set(reflect.ValueOf(c).Elem().Field(i))
	var slot func(*types.TokenValidityUnitsType) *types.TimeUnitsType
	switch sdk {
	case "AccessTokenValidity":
		slot = func(u *types.TokenValidityUnitsType) *types.TimeUnitsType { return &u.AccessToken }
	case "IdTokenValidity":
		slot = func(u *types.TokenValidityUnitsType) *types.TimeUnitsType { return &u.IdToken }
	case "RefreshTokenValidity":
		slot = func(u *types.TokenValidityUnitsType) *types.TimeUnitsType { return &u.RefreshToken }
	}
	if slot == nil || w.TokenValidityUnits == nil {
		return
	}
	var orig types.TokenValidityUnitsType
	if c.TokenValidityUnits != nil {
		orig = *c.TokenValidityUnits
	}
	units := *w.TokenValidityUnits
	*slot(&units) = *slot(&orig)
	if units == orig {
		w.TokenValidityUnits = c.TokenValidityUnits
		return
	}
	w.TokenValidityUnits = &units
}

// memberIndex maps each Cognito member a field governs to its index in
// UserPoolClientType, found once on first use.
var memberIndex = sync.OnceValue(func() map[string]int {
	t := reflect.TypeOf(types.UserPoolClientType{})
	m := map[string]int{}
	for _, f := range fields {
		sf, ok := t.FieldByName(f.sdk)
		if !ok {
			panic("policy: UserPoolClientType has no member " + f.sdk)
		}
		m[f.sdk] = sf.Index[0]
	}
	return m
})
