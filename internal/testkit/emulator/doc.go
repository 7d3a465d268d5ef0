// Package emulator is an in-process and standalone emulator of the parts of
// Amazon Cognito user pools (pools and app clients) and SSM Parameter Store
// that cognito-guard uses.
//
// It speaks the real AWS JSON 1.1 protocol on a single endpoint (POST /,
// X-Amz-Target "AWSCognitoIdentityProviderService.<Op>" or "AmazonSSM.<Op>"),
// so the real aws-sdk-go-v2 clients, the AWS CLI and SAM can point
// AWS_ENDPOINT_URL at it. Request signatures are accepted without checking.
// Errors carry the status code, the X-Amzn-ErrorType header and a
// {"__type","message"} body, which the SDK decodes into its typed errors
// (*types.ResourceNotFoundException and so on).
//
// Operations: CreateUserPool (custom attributes from Schema), DeleteUserPool,
// DescribeUserPool (with SchemaAttributes: the standard attributes and the
// pool's custom: ones), ListUserPools, CreateResourceServer,
// ListResourceServers, CreateIdentityProvider, ListIdentityProviders,
// CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient,
// DeleteUserPoolClient, ListUserPoolClients, AddUserPoolClientSecret,
// DeleteUserPoolClientSecret, ListUserPoolClientSecrets; SSM GetParameter,
// GetParameters, GetParametersByPath, GetParameterHistory, PutParameter,
// DeleteParameter.
//
// # Faithfulness
//
// It is as strict as the service where a remediation tool can go wrong; each
// rule cites its public source in the code, and internal/parity states each
// behaviour once and checks it against the emulator and, on demand, a real
// account:
//
//   - UpdateUserPoolClient replaces the whole client: every omitted member
//     goes back to its default (token validities and units unset,
//     Read/WriteAttributes unset (= all), every list emptied,
//     ExplicitAuthFlows to ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH,
//     ALLOW_CUSTOM_AUTH, PreventUserExistenceErrors unset (= LEGACY),
//     AllowedOAuthFlowsUserPoolClient false, AnalyticsConfiguration removed,
//     AuthSessionValidity 3, EnablePropagateAdditionalUserContextData false,
//     RefreshTokenRotation DISABLED/0, RefreshTokenValidity 30 days). The
//     client secret and CreationDate are kept; LastModifiedDate is bumped.
//   - Decisions where AWS is undocumented (unverified until a real parity run
//     settles them): EnableTokenRevocation omitted on Update resets to true,
//     its Create default; ClientName omitted on Update keeps the name; the
//     30-day RefreshTokenValidity default is expressed in the client's
//     refresh unit; RefreshTokenRotation ENABLED with ExplicitAuthFlows
//     omitted is refused (the default flows hold ALLOW_REFRESH_TOKEN_AUTH).
//   - DescribeUserPoolClient returns what AWS returns for a minimal client:
//     RefreshTokenValidity, TokenValidityUnits as {} when unset,
//     ExplicitAuthFlows, AllowedOAuthFlowsUserPoolClient,
//     EnableTokenRevocation, EnablePropagateAdditionalUserContextData,
//     AuthSessionValidity and RefreshTokenRotation always; the rest only when
//     set. Lists come back deduplicated in a stored order that does not
//     follow the request (["code","implicit"] comes back
//     ["implicit","code"], as in the AWS CLI example). ClientSecret is
//     returned for clients with a secret.
//   - Create/Update validation: model constraints first (lengths, patterns,
//     ranges, enums, list sizes), all reported in one "N validation errors
//     detected" message; then the first failing semantic rule: token
//     validity after units (access/ID 5 min-1 day, refresh 1 h-3650 days);
//     redirect URLs absolute, no fragment, https except http://localhost,
//     127.0.0.1, [::1] (custom schemes allowed; LogoutURLs likewise,
//     unverified); DefaultRedirectURI in CallbackURLs; OAuth settings only
//     with AllowedOAuthFlowsUserPoolClient; client_credentials alone, only
//     with a secret and never with openid (InvalidOAuthFlowException); code
//     and implicit need a callback URL (InvalidOAuthFlowException); legacy
//     auth flows never mixed with ALLOW_*; with rotation off, ALLOW_* flows
//     must include ALLOW_REFRESH_TOKEN_AUTH; rotation ENABLED excludes it;
//     user-context propagation only with a secret. Then what the pool must
//     define: custom scopes of a resource server (ScopeDoesNotExistException
//     otherwise), identity providers, and Read/WriteAttributes in the
//     schema (InvalidParameterException otherwise). The conformance table
//     (conformance_test.go) walks every UpdateUserPoolClient member with
//     its model constraints and these rules.
//   - Every client error answers HTTP 400, as the real awsJson1_1 service
//     does (ResourceNotFoundException and TooManyRequestsException
//     included); server faults 500.
//   - Not modelled: feature tiers (ALLOW_USER_AUTH), write attributes
//     needing IdP-mapped or required attributes, immutable attributes in
//     WriteAttributes, provider-specific ProviderDetails, the quotas on
//     clients per pool, resource servers and identity providers.
//
// # Quotas, latency, faults, call log
//
// With Options.Quotas (or SetQuotas) request rates are limited per
// https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html with
// token buckets of small burst, so a caller
// pacing at exactly the limit passes: UserPoolClientRead 15 RPS per account
// shared by DescribeUserPoolClient and ListUserPoolClients, plus 5 RPS per
// pool per operation; UserPoolClientUpdate (Create/Update/Delete client)
// 15/5; UserPoolRead (ListUserPools, DescribeUserPool) 15; over-limit calls
// get TooManyRequestsException (400). SSM Get* share 40 TPS and get
// ThrottlingException. [Emulator.Fail] queues injected errors per operation,
// [Emulator.SetLatency] delays every call, [Emulator.Calls] is the call log.
//
// # Seeding and control
//
// Go tests seed with explicit IDs through [Emulator.CreatePool],
// [Emulator.AddResourceServer], [Emulator.AddIdentityProvider],
// [Emulator.AddCustomAttributes], [Emulator.PutClient] and
// [Emulator.PutParameter], or with a JSON document ([Emulator.Seed], see
// [SeedDoc]). PutClient and Seed validate a client exactly like
// CreateUserPoolClient, against the pool's resource servers, providers and
// schema: no state Cognito would refuse can be seeded. Paths under
// /_emulator/ are a control API for black-box runs; see
// [Emulator.ServeHTTP].
//
// # Several accounts
//
// One Emulator is one account in one Region. [Accounts] serves several at one
// address and picks the account by the access key ID that signs each request,
// as AWS does: each account keeps its own pools, parameters, call log and
// quota buckets (Cognito's quotas are per account and Region).
//
// # Scale
//
// Identical client settings are interned (package unique) and stored once;
// 100 pools x 10,000 clients take about 160 bytes of heap per client.
package emulator
