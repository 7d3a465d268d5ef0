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
// Operations: CreateUserPool, DeleteUserPool, DescribeUserPool (minimal),
// ListUserPools, CreateUserPoolClient, DescribeUserPoolClient,
// UpdateUserPoolClient, DeleteUserPoolClient, ListUserPoolClients,
// AddUserPoolClientSecret, DeleteUserPoolClientSecret,
// ListUserPoolClientSecrets; SSM GetParameter, GetParameters,
// GetParametersByPath, PutParameter, DeleteParameter.
//
// # Faithfulness
//
// It is faithful where a remediation tool can go wrong against the real
// service (citations are to /work/shared/data/cognito-facts.md):
//
//   - UpdateUserPoolClient replaces the whole client (section a): every
//     omitted member goes back to its default — token validities and units
//     unset, Read/WriteAttributes unset (= all), every list emptied,
//     ExplicitAuthFlows to ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH,
//     ALLOW_CUSTOM_AUTH, PreventUserExistenceErrors unset (= LEGACY),
//     AllowedOAuthFlowsUserPoolClient false, AnalyticsConfiguration removed,
//     AuthSessionValidity 3, EnablePropagateAdditionalUserContextData false,
//     RefreshTokenRotation DISABLED/0, RefreshTokenValidity 30 days. The
//     client secret and CreationDate are kept; LastModifiedDate is bumped.
//   - Decisions where AWS is undocumented ([I] in the facts):
//     EnableTokenRevocation omitted on Update resets to true, its documented
//     Create default, like every other omitted member. ClientName omitted on
//     Update keeps the current name (it has no default). The
//     RefreshTokenValidity default of 30 days is expressed in the client's
//     refresh unit (720 hours, 43200 minutes).
//   - DescribeUserPoolClient returns what AWS returns for a minimal client:
//     RefreshTokenValidity (30), TokenValidityUnits as {} when unset,
//     ExplicitAuthFlows, AllowedOAuthFlowsUserPoolClient,
//     EnableTokenRevocation, EnablePropagateAdditionalUserContextData,
//     AuthSessionValidity and RefreshTokenRotation always; Access/IdToken
//     validity, Read/WriteAttributes, SupportedIdentityProviders,
//     PreventUserExistenceErrors and the OAuth lists only when set. It
//     returns ClientSecret for clients with a secret, timestamps as epoch
//     seconds, and lists in a stored order that does not follow the request
//     (deduplicated, ordered by a hash of the value: ["code","implicit"]
//     comes back ["implicit","code"] as in the AWS CLI example).
//     AnalyticsConfiguration gets the service-linked RoleArn filled in when
//     only ApplicationArn is sent.
//   - Create/Update validation (section b), model constraints first, all
//     reported in one "N validation errors detected" message, then the first
//     failing semantic rule: token validity ranges after unit conversion
//     (access/ID 5 min–1 day, refresh 1 h–3650 days: "Invalid range for token
//     validity."), AuthSessionValidity 3–15, RetryGracePeriodSeconds 0–60,
//     enum values, DefaultRedirectURI in CallbackURLs, redirect URLs
//     absolute without fragment and https except http://localhost,
//     127.0.0.1, [::1] (any port; custom schemes allowed; the same rules for
//     LogoutURLs, which AWS does not document), client_credentials alone and
//     only with a secret (InvalidOAuthFlowException), legacy auth flows never
//     mixed with ALLOW_*, user-context propagation only with a secret, OAuth
//     settings only with AllowedOAuthFlowsUserPoolClient, 100 URLs, 50
//     scopes, 3 flows, no empty strings, ClientName and ClientSecret
//     patterns, GenerateSecret xor ClientSecret, model patterns for pool and
//     client IDs (a malformed ID is InvalidParameterException, not
//     ResourceNotFoundException).
//   - Not modelled: custom scopes needing a resource server
//     (ScopeDoesNotExistException), identity providers needing to exist,
//     ALLOW_REFRESH_TOKEN_AUTH being mandatory or incompatible with rotation,
//     feature tiers, write attributes needing IdP-mapped/required
//     attributes, the 1,000-clients-per-pool quota.
//
// # Quotas, latency, faults, call log
//
// With Options.Quotas (or SetQuotas) request rates are limited per
// cognito-facts.md section d with token buckets of small burst, so a caller
// pacing at exactly the limit passes: UserPoolClientRead 15 RPS per account
// shared by DescribeUserPoolClient and ListUserPoolClients, plus 5 RPS per
// pool per operation; UserPoolClientUpdate (Create/Update/Delete client)
// 15/5; UserPoolRead (ListUserPools, DescribeUserPool) 15; over-limit calls
// get TooManyRequestsException (429). SSM Get* share 40 TPS and get
// ThrottlingException. [Emulator.Fail] queues injected errors per operation,
// [Emulator.SetLatency] delays every call, [Emulator.Calls] is the call log.
//
// # Seeding and control
//
// Go tests seed with explicit IDs through [Emulator.CreatePool],
// [Emulator.PutClient] (no validation, so states AWS would refuse can be
// seeded) and [Emulator.PutParameter], or with a JSON document
// ([Emulator.Seed], see [SeedDoc]). Paths under /_emulator/ are a control
// API for black-box runs; see [Emulator.ServeHTTP].
//
// # Scale
//
// Identical client settings are interned (package unique) and stored once;
// 100 pools x 10,000 clients take about 160 bytes of heap per client.
package emulator
