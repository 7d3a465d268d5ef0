// Package trigger turns the remediate function's input into a Request: which
// app client to reconcile, and where the request came from (for the logs).
//
// Two inputs are accepted:
//
//   - the EventBridge event "AWS API Call via CloudTrail" from aws.cognito-idp
//     for CreateUserPoolClient, UpdateUserPoolClient, AddUserPoolClientSecret
//     and DeleteUserPoolClientSecret;
//   - the manual payload {"userPoolId": "...", "clientId": "..."} used by
//     `sam local invoke`, console tests and redrives.
//
// The event is only a trigger. Parse reads the pool and client IDs from
// detail.requestParameters (or, for a create, which has no clientId in its
// request, from detail.responseElements.userPoolClient) and nothing else from
// the request or the response: the client is always described again, because
// CloudTrail events arrive late, out of order, duplicated, and with masked
// values (see the README, "How it decides"). Keeping the settings out of Request also
// keeps the client secret, which a create response carries, out of
// everything downstream.
//
// Parse sorts what it cannot use into two kinds:
//
//   - *SkipError: the input is well formed but is not a change this function
//     acts on (another source or detail-type, a failed call with errorCode, a
//     hosted-UI AwsServiceEvent, DeleteUserPoolClient, other event names). The
//     handler records a "skipped" outcome and returns no error.
//   - any other error: the input is malformed (not JSON, not an object, an
//     app-client event without usable IDs, IDs of the wrong shape, a manual
//     payload with unknown keys). No retry can fix it, but it points at a bug
//     or a changed event format, so it must be visible, not skipped quietly.
//
// Where the choice was not obvious, Parse leans towards reconciling: a
// needless DescribeUserPoolClient costs one call, while a dropped event leaves
// drift until the next audit. So a record without eventType, or with an
// empty errorCode, is still a request, and fields used only for logging
// (userIdentity, eventID, eventTime, region, account) never cause an error.
//
// No public sample of a real app-client CloudTrail event exists (see
// events/README.md); the shape handled here is the documented CloudTrail
// record shape with lower-camel request keys. Capture a real event before
// relying on anything beyond the IDs.
package trigger
