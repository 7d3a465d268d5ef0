// Package policy is the baseline model and the pure evaluator of Cognito
// app clients: Parse validates a baseline document, (*Baseline).Resolve
// picks the effective rules for one client, and Evaluate compares a
// described client with them and builds the fixed configuration. It does no
// I/O; time comes from the caller.
//
// # Layout
//
// Evaluate is a pipeline, one stage per file: resolve (resolve.go: the
// rules, overrides and exemptions for one client), normalise (fields.go: the
// field table reads each governed field with Cognito's defaults), check and
// fix (check.go, forms.go: each rule form in table order; fix.go: the fixed
// copy and which finding each fix answers), guard (crossfield.go: Cognito's
// cross-field rules, each citing its source), and finish (fix.go: the fix
// values, Changes and Fixed). evaluate.go calls the stages in order. The parser is
// parse.go; the checks of single baseline values against Cognito's limits
// are values.go. Fields and forms are tables: adding a form is one entry in
// formTable, and Schema derives the JSON Schema (baseline.schema.json) from
// both tables.
//
// # Data model
//
// The package works directly on the SDK's types.UserPoolClientType, the
// output of DescribeUserPoolClient. That type is plain data, the adapter
// builds UpdateUserPoolClientInput from it field by field, and a field the
// SDK adds later needs no hand-copied model here: Fixed is a deep copy of
// the described client, so an ungoverned new field is carried over as
// described. The price is that absent and default look different in that
// type; the rule table in fields.go normalises every governed field.
//
// # Normalisation (what Cognito means, not what it prints)
//
// Absent fields take their documented defaults (UpdateUserPoolClient and
// UserPoolClientType in the API reference; describe output as observed):
// AccessTokenValidity and IdTokenValidity 1h, RefreshTokenValidity 30d (0
// also means 30d: Cognito overrides 0 with the default), TokenValidityUnits
// absent or {} hours/hours/days, AuthSessionValidity 3 minutes,
// PreventUserExistenceErrors LEGACY, AllowedOAuthFlowsUserPoolClient and
// EnablePropagateAdditionalUserContextData false, ExplicitAuthFlows
// ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH and ALLOW_CUSTOM_AUTH,
// RefreshTokenRotation {DISABLED, 0}, other lists empty, and
// ReadAttributes/WriteAttributes "all" (Cognito only returns them when a
// custom set was chosen). EnableTokenRevocation absent reads as true: true
// is the documented create default and every observed describe prints the
// field; reading absent as false would make a client whose describe omits it
// look drifted after every fix, so remediation would never converge.
//
// Lists compare as sets (Cognito reorders them). Durations compare in
// seconds after unit conversion and are shown in the largest unit that
// holds them exactly ("90m", "1h", "3650d").
//
// # Rules
//
// The baseline states rules for the settable fields of UpdateUserPoolClient
// by their API names. RefreshTokenRotation is stated whole with equals, or
// by its parts "RefreshTokenRotation.Feature" (equals) and
// "RefreshTokenRotation.RetryGracePeriodSeconds" (equals, min, max as
// numbers 0 to 60). An override that states or removes (null) one part
// replaces that part only: an inherited whole rule keeps its requirement on
// the other part. Object rules compare only the keys they state, because
// Cognito adds values it was never sent (AnalyticsConfiguration.RoleArn).
//
// requireHttps fails every http:// URL of CallbackURLs, LogoutURLs or
// DefaultRedirectURI, loopback included (localhost, 127.0.0.0/8 and ::1 in
// any spelling, any case): Cognito itself refuses http for anything but a
// loopback host ("Amazon Cognito requires HTTPS over HTTP except for
// http://localhost for testing purposes only", API reference for
// CallbackURLs,
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html),
// so the http URLs a real client can carry are development
// leftovers that any local process can answer. Custom schemes such as
// myapp://cb are native-app redirects and pass; allow and forbid restrict
// them. A development pool opts out with an override (null) or an exemption.
//
// Parse checks every value a fix may write against Cognito's limits and
// names the JSON path of each problem, all at once: redirect URLs absolute,
// without a fragment, 1 to 1024 characters, https or a custom scheme (an http
// URL only for a loopback host, and only where the rule's allow permits it
// and it does not requireHttps); at most 100 callback or logout URLs and 50
// scopes, each scope 1 to 256 characters of [\x21\x23-\x5B\x5D-\x7E];
// identity provider names 1 to 32 characters, attribute names 1 to 2048;
// ClientName 1 to 128 of [\w\s+=,.@-]; enum values as Cognito lists them. A
// top-level "$schema" names the JSON Schema for editors and is otherwise
// ignored.
//
// Overrides and exemptions can match on clientName, which anyone who can
// edit a client controls. Result.Overrides and each Exemption say which
// ones applied (index in the baseline and match), so that an outcome shows
// when a client moved under a weaker rule by its name.
//
// In forbid and allow on ExplicitAuthFlows a
// legacy flow name also matches through the ALLOW_* name that replaced it
// (USER_PASSWORD_AUTH as ALLOW_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH as
// ALLOW_ADMIN_USER_PASSWORD_AUTH, CUSTOM_AUTH_FLOW_ONLY as ALLOW_CUSTOM_AUTH),
// so a legacy client cannot pass a rule by its old spelling. An exemption's date-only expiry
// ("2027-03-31") ends the exemption at the start of that day (UTC).
//
// # Fixes
//
// Each enforceable finding gets the nearest compliant value: a duration is
// clamped to the bound, a forbidden or disallowed element removed, a
// required literal added, an equals value set, an insecure URL removed.
// Nothing else is touched: absent fields the fix does not need stay nil. A
// fixed duration keeps the client's unit when the value is a whole number in
// it; otherwise that field's unit, and only that one, switches to the largest
// unit that holds it.
//
// Some findings have no automatic fix: pattern rules, a required glob that
// nothing matches, and forbid/allow on an unset Read/WriteAttributes (which
// includes custom attributes only the pool knows). After fixing, Cognito's
// cross-field rules are checked, and a fix that would break one or cut off an
// app is withdrawn and its findings become unfixable with the reason while
// the other fixes stand: legacy auth-flow names mixed with ALLOW_*, an empty
// ExplicitAuthFlows (Cognito would read it as its defaults), removing
// ALLOW_REFRESH_TOKEN_AUTH without refresh token rotation (aws-cdk#7625),
// adding it under rotation or enabling rotation while it stays (the two
// exclude each other), client_credentials beside other flows or without a
// client secret, openid added to a client_credentials client
// (terraform-provider-aws#4984), code or implicit without a callback URL,
// the last OAuth flow, scope or (for code/implicit) callback URL of an OAuth
// client, turning OAuth off while flows are set or on without a flow, scope
// or needed callback, more than 100 URLs or 50 scopes,
// EnablePropagateAdditionalUserContextData without a client secret, access
// or ID token validity above refresh token validity (unverified: withholding
// one fix is cheaper than an update Cognito rejects whole), and a
// DefaultRedirectURI that is not one of CallbackURLs. When a CallbackURLs fix
// removes the default redirect URI, DefaultRedirectURI is cleared (finding
// "DefaultRedirectURI.inCallbackURLs"): authorize requests name their
// redirect_uri, so clearing cuts off no app, whereas picking another
// callback as the default would be a guess.
//
// Report-only and exempted findings say whether and how enforcing would fix
// them, judged from the rule alone; the cross-field checks apply to the
// fixes that are written.
//
// # Helpers for the writer
//
// Result.Additions lists what the fixes add to AllowedOAuthScopes,
// SupportedIdentityProviders, ReadAttributes and WriteAttributes, which the
// pool must define (custom scopes, identity providers, schema attributes),
// so the caller can check them against the pool before writing.
// Result.SelfContained is the retry after Cognito rejects an update for its
// content: only the fixes that cannot reference anything outside the client
// (removals, clamps, scalar settings) stay, and the others become unfixable
// with the caller's reason; see the example.
//
// Evaluating Fixed finds nothing more to enforce. The client secret never
// appears in a Finding or a Change; Result.MarshalJSON drops it from Fixed.
package policy
