package emulator

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Defaults and limits: the botocore cognito-idp model (shapes and their
// documentation) and https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html.
var (
	defaultAuthFlows = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
	legacyAuthFlows  = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
	allowAuthFlows   = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH",
		"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}
	oauthFlowValues = []string{"code", "implicit", "client_credentials"}
	timeUnits       = map[string]int64{"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}

	clientNameRe   = regexp.MustCompile(`^[\w\s+=,.@-]+$`)
	clientSecretRe = regexp.MustCompile(`^[\w+]+$`)
	scopeRe        = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)
	redirectRe     = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
	idpNameRe      = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+$`) // ProviderNameType
	hexRe          = regexp.MustCompile(`^[0-9a-fA-F]+$`)
	arnRe          = regexp.MustCompile(`^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?$`)
)

const (
	maxURLs          = 100 // CallbackURLs / LogoutURLs, model + https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
	maxScopes        = 50
	maxOAuthFlows    = 3
	defaultRefreshS  = 30 * 86400
	minAccessS       = 5 * 60
	maxAccessS       = 86400
	minRefreshS      = 3600
	maxRefreshS      = 3650 * 86400
	defaultAuthSess  = 3
	minAuthSess      = 3
	maxAuthSess      = 15
	maxRetryGrace    = 60
	errInvalidParam  = "InvalidParameterException"
	errInvalidOAuth  = "InvalidOAuthFlowException"
	errNotFound      = "ResourceNotFoundException"
	validationPrefix = "1 validation error detected: "
)

// constraint builds the message AWS's request validation uses for model
// constraint violations.
func constraint(value any, path, rule string) *apiError {
	return errf(errInvalidParam, "%sValue '%v' at '%s' failed to satisfy constraint: %s", validationPrefix, value, path, rule)
}

// buildSettings turns a Create/Update request into the full stored settings
// and validates it: every omitted member takes its default, which is what
// makes UpdateUserPoolClient a replace ("If you don't provide a value for an
// attribute, Amazon Cognito sets it to its default value",
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
// Seeding goes through here too, so no state Cognito refuses can be seeded.
func buildSettings(f *clientFields, hasSecret bool, account string) (settings, *apiError) {
	var s settings
	// AWS checks the model constraints first and reports all of them in
	// one message ("2 validation errors detected: ...; ..."); the semantic
	// checks come after, and the first one failing is reported.
	var violations []string
	var semantic *apiError
	fail := func(e *apiError) {
		if v, ok := strings.CutPrefix(e.Message, validationPrefix); ok {
			violations = append(violations, v)
		} else if semantic == nil {
			semantic = e
		}
	}

	// Token validity and units. The model ranges apply to the raw numbers;
	// the real bounds apply after unit conversion (TokenValidityUnitsType in the API reference; https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html).
	if u := f.TokenValidityUnits; u != nil {
		for _, p := range []struct{ path, v string }{
			{"tokenValidityUnits.accessToken", u.AccessToken},
			{"tokenValidityUnits.idToken", u.IdToken},
			{"tokenValidityUnits.refreshToken", u.RefreshToken},
		} {
			if _, ok := timeUnits[p.v]; p.v != "" && !ok {
				fail(constraint(p.v, p.path, "Member must satisfy enum value set: [seconds, minutes, hours, days]"))
			}
		}
		s.unitAccess, s.unitID, s.unitRefresh = u.AccessToken, u.IdToken, u.RefreshToken
	}
	seconds := func(v int32, unit, def string) int64 {
		if unit == "" {
			unit = def
		}
		m, ok := timeUnits[unit]
		if !ok {
			m = timeUnits[def]
		}
		return int64(v) * m
	}
	for _, t := range []struct {
		path, unit string
		v          *int32
		dst        *int32
	}{
		{"accessTokenValidity", s.unitAccess, f.AccessTokenValidity, &s.accessValidity},
		{"idTokenValidity", s.unitID, f.IdTokenValidity, &s.idValidity},
	} {
		if t.v == nil {
			continue
		}
		v := *t.v
		switch {
		case v < 1:
			fail(constraint(v, t.path, "Member must have value greater than or equal to 1"))
		case v > 86400:
			fail(constraint(v, t.path, "Member must have value less than or equal to 86400"))
		default:
			if sec := seconds(v, t.unit, "hours"); sec < minAccessS || sec > maxAccessS {
				fail(errf(errInvalidParam, "Invalid range for token validity."))
			}
		}
		*t.dst = v
	}
	// "You can't set RefreshTokenValidity to 0. If you do, Amazon Cognito
	// overrides the value with the default value of 30 days." (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html). The
	// default is expressed in the client's refresh unit.
	if f.RefreshTokenValidity != nil && *f.RefreshTokenValidity != 0 {
		v := *f.RefreshTokenValidity
		switch {
		case v < 0:
			fail(constraint(v, "refreshTokenValidity", "Member must have value greater than or equal to 0"))
		case v > 315360000:
			fail(constraint(v, "refreshTokenValidity", "Member must have value less than or equal to 315360000"))
		default:
			if sec := seconds(v, s.unitRefresh, "days"); sec < minRefreshS || sec > maxRefreshS {
				fail(errf(errInvalidParam, "Invalid range for token validity."))
			}
		}
		s.refreshValidity = v
	} else {
		unit := s.unitRefresh
		if _, ok := timeUnits[unit]; !ok {
			unit = "days"
		}
		s.refreshValidity = int32(defaultRefreshS / timeUnits[unit])
	}

	// Lists: element constraints, then limits.
	checkList := func(path string, xs []string, maxItems, maxLen int, re *regexp.Regexp) {
		if maxItems > 0 && len(xs) > maxItems {
			fail(constraint(fmt.Sprintf("[%d items]", len(xs)), path, fmt.Sprintf("Member must have length less than or equal to %d", maxItems)))
		}
		for i, x := range xs {
			mp := fmt.Sprintf("%s.%d.member", path, i+1)
			switch {
			case x == "":
				fail(constraint(x, mp, "Member must have length greater than or equal to 1"))
			case len(x) > maxLen:
				fail(constraint(x, mp, fmt.Sprintf("Member must have length less than or equal to %d", maxLen)))
			case re != nil && !re.MatchString(x):
				fail(constraint(x, mp, "Member must satisfy regular expression pattern: "+re.String()))
			}
		}
	}
	checkEnum := func(path string, xs, allowed []string) {
		for i, x := range xs {
			if !slices.Contains(allowed, x) {
				fail(constraint(x, fmt.Sprintf("%s.%d.member", path, i+1),
					"Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]"))
			}
		}
	}
	checkList("readAttributes", f.ReadAttributes, 0, 2048, nil)
	checkList("writeAttributes", f.WriteAttributes, 0, 2048, nil)
	checkList("supportedIdentityProviders", f.SupportedIdentityProviders, 0, 32, idpNameRe)
	checkList("callbackURLs", f.CallbackURLs, maxURLs, 1024, redirectRe)
	checkList("logoutURLs", f.LogoutURLs, maxURLs, 1024, redirectRe)
	checkList("allowedOAuthScopes", f.AllowedOAuthScopes, maxScopes, 256, scopeRe)
	if len(f.AllowedOAuthFlows) > maxOAuthFlows {
		fail(constraint(fmt.Sprintf("[%d items]", len(f.AllowedOAuthFlows)), "allowedOAuthFlows", "Member must have length less than or equal to 3"))
	}
	checkEnum("allowedOAuthFlows", f.AllowedOAuthFlows, oauthFlowValues)
	checkEnum("explicitAuthFlows", f.ExplicitAuthFlows, append(slices.Clone(legacyAuthFlows), allowAuthFlows...))

	s.readAttrs = newList(f.ReadAttributes)
	s.writeAttrs = newList(f.WriteAttributes)
	s.idps = newList(f.SupportedIdentityProviders)
	s.callbacks = newList(f.CallbackURLs)
	s.logouts = newList(f.LogoutURLs)
	s.scopes = newList(f.AllowedOAuthScopes)
	s.oauthFlows = newList(f.AllowedOAuthFlows)
	if len(f.ExplicitAuthFlows) == 0 {
		s.authFlows = newList(defaultAuthFlows)
	} else {
		s.authFlows = newList(f.ExplicitAuthFlows)
	}

	// Legacy flow names cannot be mixed with ALLOW_ ones (ExplicitAuthFlows in https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
	legacy, allow := false, false
	for _, x := range f.ExplicitAuthFlows {
		legacy = legacy || slices.Contains(legacyAuthFlows, x)
		allow = allow || strings.HasPrefix(x, "ALLOW_")
	}
	if legacy && allow {
		fail(errf(errInvalidParam, "The legacy ExplicitAuthFlows values ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY and USER_PASSWORD_AUTH cannot be combined with values that begin with ALLOW_."))
	}

	// URLs (CallbackURLs and DefaultRedirectURI in
	// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html).
	for _, u := range f.CallbackURLs {
		if e := checkRedirect("CallbackURLs", u); e != nil && u != "" {
			fail(e)
		}
	}
	for _, u := range f.LogoutURLs {
		if e := checkRedirect("LogoutURLs", u); e != nil && u != "" {
			fail(e)
		}
	}
	if f.DefaultRedirectURI != nil {
		d := *f.DefaultRedirectURI
		switch {
		case d == "":
			fail(constraint(d, "defaultRedirectURI", "Member must have length greater than or equal to 1"))
		case len(d) > 1024:
			fail(constraint(d, "defaultRedirectURI", "Member must have length less than or equal to 1024"))
		default:
			if e := checkRedirect("DefaultRedirectURI", d); e != nil {
				fail(e)
			} else if !slices.Contains(f.CallbackURLs, d) {
				fail(errf(errInvalidParam, "DefaultRedirectURI %s must be in CallbackURLs.", d))
			}
		}
		s.defaultRedirect = d
	}

	// OAuth (AllowedOAuthFlows and AllowedOAuthFlowsUserPoolClient in
	// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html; client_credentials without a secret:
	// InvalidOAuthFlowException in public reports). AllowedOAuthFlowsUserPoolClient
	// defaults to false, so an update that omits it while keeping OAuth
	// settings is refused.
	s.oauthClient = f.AllowedOAuthFlowsUserPoolClient != nil && *f.AllowedOAuthFlowsUserPoolClient
	if !s.oauthClient {
		for _, c := range []struct {
			name string
			n    int
		}{{"CallbackURLs", len(f.CallbackURLs)}, {"LogoutURLs", len(f.LogoutURLs)},
			{"AllowedOAuthFlows", len(f.AllowedOAuthFlows)}, {"AllowedOAuthScopes", len(f.AllowedOAuthScopes)}} {
			if c.n > 0 {
				fail(errf(errInvalidParam, "AllowedOAuthFlowsUserPoolClient must be true to configure %s.", c.name))
				break
			}
		}
	}
	if slices.Contains(f.AllowedOAuthFlows, "client_credentials") {
		if len(slices.Compact(slices.Sorted(slices.Values(f.AllowedOAuthFlows)))) > 1 {
			fail(errf(errInvalidOAuth, "client_credentials flow can not be selected along with code flow or implicit flow."))
		} else if !hasSecret {
			fail(errf(errInvalidOAuth, "client_credentials flow can not be selected if client does not have a client secret."))
		} else if slices.Contains(f.AllowedOAuthScopes, "openid") {
			// "InvalidOAuthFlowException: openid is not supported with
			// client_credentials flow" (hashicorp/terraform-provider-aws#4984).
			// Whether email/profile/phone are refused too is unverified.
			fail(errf(errInvalidOAuth, "openid is not supported with client_credentials flow"))
		}
	}
	// "InvalidOAuthFlowException: CallbackUrls can not be empty when code
	// flow or implicit flow is selected" (public report, cisagov/crossfeed#440).
	if len(f.CallbackURLs) == 0 && (slices.Contains(f.AllowedOAuthFlows, "code") || slices.Contains(f.AllowedOAuthFlows, "implicit")) {
		fail(errf(errInvalidOAuth, "CallbackUrls can not be empty when code flow or implicit flow is selected"))
	}

	// Analytics: AWS fills in the service-linked role when only an
	// application ARN is given (observed in aws/aws-cli's create-user-pool-client example).
	if a := f.AnalyticsConfiguration; a != nil {
		s.hasAnalytics = true
		s.anAppID, s.anAppArn, s.anRoleArn, s.anExternalID, s.anUserDataShared =
			a.ApplicationId, a.ApplicationArn, a.RoleArn, a.ExternalId, a.UserDataShared
		if len(a.ExternalId) > 131072 {
			fail(constraint("***", "analyticsConfiguration.externalId", "Member must have length less than or equal to 131072"))
		}
		if a.ApplicationId != "" && !hexRe.MatchString(a.ApplicationId) {
			fail(constraint(a.ApplicationId, "analyticsConfiguration.applicationId", "Member must satisfy regular expression pattern: ^[0-9a-fA-F]+$"))
		}
		for _, p := range []struct{ path, v string }{
			{"analyticsConfiguration.applicationArn", a.ApplicationArn},
			{"analyticsConfiguration.roleArn", a.RoleArn},
		} {
			if p.v != "" && (len(p.v) < 20 || len(p.v) > 2048 || !arnRe.MatchString(p.v)) {
				fail(constraint(p.v, p.path, "Member must satisfy regular expression pattern: "+arnRe.String()))
			}
		}
		switch {
		case a.ApplicationArn != "":
			if s.anRoleArn == "" {
				s.anRoleArn = "arn:aws:iam::" + account + ":role/aws-service-role/cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdp"
			}
		case a.ApplicationId == "" || a.RoleArn == "" || a.ExternalId == "":
			fail(errf(errInvalidParam, "AnalyticsConfiguration needs ApplicationArn, or ApplicationId, RoleArn and ExternalId."))
		}
	}

	if p := f.PreventUserExistenceErrors; p != nil {
		if *p != "LEGACY" && *p != "ENABLED" {
			fail(constraint(*p, "preventUserExistenceErrors", "Member must satisfy enum value set: [LEGACY, ENABLED]"))
		}
		s.preventUserExistence = *p
	}

	// EnableTokenRevocation defaults to true on Create (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html). The
	// Update behaviour is undocumented; we treat it like every other omitted
	// field and reset it to its default, true.
	s.tokenRevocation = f.EnableTokenRevocation == nil || *f.EnableTokenRevocation
	s.propagateUCD = f.EnablePropagateAdditionalUserContextData != nil && *f.EnablePropagateAdditionalUserContextData
	if s.propagateUCD && !hasSecret {
		fail(errf(errInvalidParam, "EnablePropagateAdditionalUserContextData can only be activated in an app client that has a client secret."))
	}

	s.authSession = defaultAuthSess
	if a := f.AuthSessionValidity; a != nil {
		switch {
		case *a < minAuthSess:
			fail(constraint(*a, "authSessionValidity", "Member must have value greater than or equal to 3"))
		case *a > maxAuthSess:
			fail(constraint(*a, "authSessionValidity", "Member must have value less than or equal to 15"))
		}
		s.authSession = *a
	}

	s.rotation = "DISABLED"
	if r := f.RefreshTokenRotation; r != nil {
		switch r.Feature {
		case "ENABLED", "DISABLED":
		case "":
			fail(errf(errInvalidParam, "%sValue null at 'refreshTokenRotation.feature' failed to satisfy constraint: Member must not be null", validationPrefix))
		default:
			fail(constraint(r.Feature, "refreshTokenRotation.feature", "Member must satisfy enum value set: [ENABLED, DISABLED]"))
		}
		if r.Feature != "" {
			s.rotation = r.Feature
		}
		if g := r.RetryGracePeriodSeconds; g != nil {
			switch {
			case *g < 0:
				fail(constraint(*g, "refreshTokenRotation.retryGracePeriodSeconds", "Member must have value greater than or equal to 0"))
			case *g > maxRetryGrace:
				fail(constraint(*g, "refreshTokenRotation.retryGracePeriodSeconds", "Member must have value less than or equal to 60"))
			}
			s.retryGrace = *g
		}
	}

	// The refresh-token flow and rotation, on the flows after defaults (an
	// omitted ExplicitAuthFlows is the default list, which holds
	// ALLOW_REFRESH_TOKEN_AUTH):
	//   - rotation ENABLED excludes ALLOW_REFRESH_TOKEN_AUTH: "You can't
	//     authenticate with REFRESH_TOKEN_AUTH in app clients with refresh
	//     token rotation enabled" ... "you must deactivate this authentication
	//     flow in your app client"
	//     (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html).
	//     That Create/Update refuse the combination, and the message, are
	//     unverified; the parity suite settles it.
	//   - with rotation off, ALLOW_* flows must include it:
	//     "InvalidParameterException: REFRESH_TOKEN_AUTH should always be
	//     allowed." (aws/aws-cdk#7625). Legacy flow names imply it.
	flows := s.authFlows.items()
	hasRefresh := slices.Contains(flows, "ALLOW_REFRESH_TOKEN_AUTH")
	hasAllow := slices.ContainsFunc(flows, func(x string) bool { return strings.HasPrefix(x, "ALLOW_") })
	switch {
	case s.rotation == "ENABLED" && hasRefresh:
		fail(errf(errInvalidParam, "ALLOW_REFRESH_TOKEN_AUTH cannot be enabled when refresh token rotation is enabled."))
	case s.rotation != "ENABLED" && hasAllow && !hasRefresh:
		fail(errf(errInvalidParam, "REFRESH_TOKEN_AUTH should always be allowed."))
	}

	switch {
	case len(violations) == 1:
		return s, errf(errInvalidParam, "%s%s", validationPrefix, violations[0])
	case len(violations) > 1:
		return s, errf(errInvalidParam, "%d validation errors detected: %s", len(violations), strings.Join(violations, "; "))
	case semantic != nil:
		return s, semantic
	}
	return s, nil
}

// checkRedirect applies the redirect-URL rules: an absolute URI without a
// fragment; http only for localhost, 127.0.0.1 and [::1] (any port); other
// schemes than http (https, myapp://) are allowed. The same rules are
// applied to LogoutURLs, which AWS does not document (unverified;
// the parity suite settles it).
func checkRedirect(field, raw string) *apiError {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return errf(errInvalidParam, "%s must be absolute URIs: %s", field, raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return errf(errInvalidParam, "%s must not include a fragment component: %s", field, raw)
	}
	if strings.EqualFold(u.Scheme, "http") {
		host := u.Hostname()
		ip := net.ParseIP(host)
		local := strings.EqualFold(host, "localhost") || (ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback)))
		if !local {
			return errf(errInvalidParam, "%s must use HTTPS, except http://localhost, http://127.0.0.1 and http://[::1]: %s", field, raw)
		}
	}
	return nil
}

func checkClientName(name string) *apiError {
	switch {
	case name == "":
		return constraint(name, "clientName", "Member must have length greater than or equal to 1")
	case len(name) > 128:
		return constraint(name, "clientName", "Member must have length less than or equal to 128")
	case !clientNameRe.MatchString(name):
		return constraint(name, "clientName", `Member must satisfy regular expression pattern: [\w\s+=,.@-]+`)
	}
	return nil
}

func checkClientSecret(secret string) *apiError {
	switch {
	case len(secret) < 24:
		return constraint("***", "clientSecret", "Member must have length greater than or equal to 24")
	case len(secret) > 64:
		return constraint("***", "clientSecret", "Member must have length less than or equal to 64")
	case !clientSecretRe.MatchString(secret):
		return constraint("***", "clientSecret", `Member must satisfy regular expression pattern: [\w+]+`)
	}
	return nil
}
