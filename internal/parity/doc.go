// Package parity states, once, each behaviour of Amazon Cognito's app-client
// API that cognito-guard relies on (and the emulator models), and checks it
// against two targets:
//
//   - the in-process emulator (internal/testkit/emulator), always, as part of
//     `go test ./...` and `make test`;
//   - a real AWS account, only when asked: `make conformance` with AWS
//     credentials, COGNITO_GUARD_CONFORMANCE=real and
//     COGNITO_GUARD_CONFORMANCE_CONFIRM=create-and-delete-one-user-pool.
//
// Against a real account the suite creates one throwaway user pool named
// "cognito-guard-parity-<time>-<random>" (with a resource server "parity"
// and a Google identity provider with dummy credentials), creates and
// changes app clients only in that pool, touches nothing else, and deletes
// the pool at the end: in t.Cleanup, and on SIGINT/SIGTERM. It costs
// nothing beyond API calls (user pools without users and management API
// calls are not billed). It needs cognito-idp:CreateUserPool,
// DeleteUserPool, DescribeUserPool, CreateResourceServer,
// CreateIdentityProvider, CreateUserPoolClient, UpdateUserPoolClient,
// DescribeUserPoolClient, DeleteUserPoolClient, ListUserPoolClients,
// AddUserPoolClientSecret, DeleteUserPoolClientSecret,
// ListUserPoolClientSecrets, and cloudtrail:LookupEvents for the capture.
//
// The output is a Markdown table, behaviour | emulator | real | agree,
// written to COGNITO_GUARD_CONFORMANCE_REPORT (make conformance:
// conformance-report.md) for a user to attach to a public issue. Every
// behaviour also has the result the project's documentation expects: the
// emulator must give it on every run, and against a real account a
// disagreement fails the run naming the fact to correct.
//
// With a real account the suite also captures the CloudTrail records of its
// own CreateUserPoolClient, UpdateUserPoolClient, AddUserPoolClientSecret
// and DeleteUserPoolClientSecret calls (LookupEvents, paced under its 2
// requests per second, waiting out the delivery delay), writes them with
// account IDs, addresses and principal IDs replaced under
// testdata/captured/, and reports every field that differs in shape from
// the samples in events/.
package parity
