// Package appclient is the only code that talks to Amazon Cognito: it
// describes, updates and lists user-pool app clients, classifies the errors,
// and configures the SDK retryer for them.
//
// # Lossless updates
//
// UpdateUserPoolClient replaces the whole client: "If you don't provide a
// value for an attribute, Amazon Cognito sets it to its default value" (API
// reference, https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html). A partial update therefore
// silently drops callback URLs, identity providers, attributes or token
// settings. [Client.Update] sends the client as just described, with the
// caller's fixes applied, built by [UpdateInput].
//
// UpdateInput derives the copy by reflection, pairing the fields of
// UpdateUserPoolClientInput with the same-named fields of
// types.UserPoolClientType once per process (the pairing is cached), rather
// than by a hand-written assignment per field. Why:
//   - Both shapes come from the same Cognito model, where the update request
//     is the described client minus ClientSecret and the two timestamps, so
//     name matching is exact. An SDK release that adds a setting to both is
//     carried without a code change, so a build that was not updated cannot
//     reset it; a hand-written copy would drop it until someone edits it.
//   - What name matching cannot decide is explicit: a short skip list of
//     fields never sent (ClientSecret stays out even if a future SDK accepts
//     it), and a request field with no described counterpart or an
//     unexpected type makes [Client.Update] refuse to send (fail closed)
//     instead of resetting it.
//   - Tests pin it: TestFieldCoverage walks both SDK types and fails when a
//     field is neither carried nor skipped and compares the carried set with
//     testdata/fields.golden, so any SDK change to the shapes breaks CI and
//     gets a human look; TestUpdateInputRoundTrip fills every field of a
//     client by reflection and checks it arrives unchanged and unshared.
//
// The cost is a few reflection calls per update, nothing next to a network
// round trip bounded by a 5 RPS per-pool quota.
//
// # Settings the SDK does not know
//
// The full-field update can carry only the members the compiled-in SDK
// knows. [Client.Describe] adds a deserialize middleware to its call that
// keeps the raw response body and compares the members of its
// UserPoolClient object with the exported fields of types.UserPoolClientType;
// members the SDK would drop are returned as an [*UnknownMembersError]
// together with the client, and the caller must not write it.
//
// # Pool reads
//
// [Client.ResourceServerScopes], [Client.IdentityProviders] and
// [Client.SchemaAttributes] read what a pool defines, so that a fix adding a
// scope, a provider or an attribute can be checked before it is sent.
// [RejectedContent] tells a content rejection (a smaller update may pass)
// from other terminal errors.
//
// # The secret
//
// DescribeUserPoolClient returns ClientSecret in clear. Describe and Update
// replace it with [RedactedSecret] before returning, so the rest of the
// program can know that a client has a secret without ever holding it.
//
// # Errors
//
// [Classify] maps an error to [NotFound] (skip), [Terminal] (report, do not
// retry) or [Retryable] (keep the event). Unknown errors are Retryable: a
// failure we do not understand must not drop an event. [Retryer] is the SDK's
// standard retryer (backoff with jitter) and resends reads that were
// throttled or met a 5xx. [Client.Update] is sent once: a full-field replace
// built from a describe must not be resent after a backoff during which
// someone else may have changed the client; the caller describes again
// (internal/reconcile) and ConcurrentModificationException is never resent.
//
// # Listing
//
// [Client.PoolPages] and [Client.ClientPages] use the SDK paginators with the
// largest page (60) and can start from a saved NextToken, so an audit that
// runs out of time can resume where it stopped.
package appclient
