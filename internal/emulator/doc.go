// Package emulator is an in-process and standalone emulator of the parts of
// Amazon Cognito user pools (pools and app clients) and SSM Parameter Store
// that cognito-guard uses.
//
// It speaks the real AWS JSON 1.1 protocol on a single endpoint (POST /,
// X-Amz-Target "AWSCognitoIdentityProviderService.<Op>" or "AmazonSSM.<Op>"),
// so the real aws-sdk-go-v2 clients, the AWS CLI and SAM can point
// AWS_ENDPOINT_URL at it. Request signatures are accepted without checking.
//
// It is deliberately faithful where a remediation tool can go wrong against
// the real service, citing /work/shared/data/cognito-facts.md:
//
//   - UpdateUserPoolClient replaces the whole client: every omitted field goes
//     back to its default (section a), so a partial update visibly destroys
//     settings.
//   - DescribeUserPoolClient omits fields at their defaults, returns
//     TokenValidityUnits as {} when unset, reorders lists and returns the
//     client secret.
//   - Create/Update validate ranges (after unit conversion), cross-field rules
//     and list limits with the error types the SDK decodes (section b, c).
//   - Request-rate quotas can be switched on (section d), plus latency, fault
//     injection and a call log for tests.
//
// Paths under /_emulator/ are a control API for black-box runs (see
// [Emulator.ServeHTTP]).
package emulator
