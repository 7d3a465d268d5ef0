// Package notify tells people about outcomes where they look: an Amazon
// EventBridge custom event and an optional SNS message per non-compliant
// outcome, and optional AWS Security Hub findings for drift that stays.
//
// Each channel of a Notifier is an outputs.Sink of its own: both functions
// add them to their fan-out (Notifier.AddTo), which sends each channel every
// invocation's outcomes and logs a failing channel under its name
// ("eventbridge", "sns", "securityhub") without stopping the others. A
// channel is on when its client is given to New. Send is all the channels in
// one call, their errors joined and prefixed with the channel's name. A batch
// marked Retry (the remediate invocation fails and its event will come
// again) is not sent.
//
// # Which outcomes
//
// EventBridge and SNS get drift, remediated, unfixable and failed outcomes
// (see Notable); compliant, exempt and skipped ones are only counted in the
// metrics. Security Hub gets every outcome that says where a client stands
// (all but skipped and failed), so that it can resolve findings as well as
// raise them.
//
// # EventBridge event
//
// Source "cognito-guard", detail-type "Cognito App Client Drift", Resources
// the user pool ARN (when Account and Region are set), at most 10 entries per
// PutEvents call; entries rejected one by one (FailedEntryCount) are sent
// again, 3 attempts in all. The detail (type Detail; JSON Schema in
// testdata/detail.schema.json, checked by the tests) is:
//
//	{
//	  "function":   "remediate" | "audit",
//	  "trigger": {                                 // remediate only: the event and who caused it
//	    "source": "cloudtrail", "eventName": "UpdateUserPoolClient",
//	    "eventId": "...", "eventTime": "2026-11-26T07:59:58Z",
//	    "actor": "arn:aws:sts::123456789012:assumed-role/Admin/alice"
//	  },
//	  "outcome":    "drift" | "remediated" | "unfixable" | "failed",
//	  "userPoolId": "us-east-1_EXAMPLE01",
//	  "clientId":   "6example0client0id0drift01",
//	  "clientName": "web-portal",                  // "" when the client could not be described
//	  "dryRun":     false,
//	  "reason":     "remediated AccessTokenValidity",
//	  "findings": [{                               // the rules broken, before any fix
//	    "rule": "AccessTokenValidity.max", "field": "AccessTokenValidity",
//	    "current": "24h",                          // normalised value: string, number, bool, list or null
//	    "required": "<= 1h", "action": "enforce" | "report",
//	    "fixable": true, "reason": "..."           // reason only when not fixable
//	  }],
//	  "changes": [{                                // fields written (or, in a dry run, that would be)
//	    "field": "AccessTokenValidity", "before": "24h", "after": "1h"
//	  }]
//	}
//
// An EventBridge rule routes on it, for example:
//
//	{"source": ["cognito-guard"], "detail-type": ["Cognito App Client Drift"],
//	 "detail": {"outcome": ["unfixable", "failed"]}}
//
// # SNS message
//
// One Publish per outcome: Subject is a single ASCII line under 100
// characters ("cognito-guard: remediated web-portal (6example0client0id0drift01)");
// Message is a readable summary (reason, the event ID and actor, each
// finding, each change as before -> after) followed by the same detail
// JSON. Strings someone else controls (a client's name may hold newlines:
// Cognito's name pattern allows whitespace) are escaped with
// outputs.Printable, so they cannot add lines or reorder text. Message attributes
// outcome, function, userPoolId and source allow subscription filter
// policies.
//
// # Security Hub (ASFF 2018-10-08)
//
// Package hub implements it (hub.New, set as Options.SecurityHub, a
// FindingsSync); only the audit links it, so the remediate binary carries
// no Security Hub client. Options.Findings and Options.Workflow below are
// hub.Options'.
//
// One finding per (user pool, client, rule), Id
// "cognito-guard/<userPoolId>/<clientId>/<rule>", so a later import updates
// the same finding. ProductArn is the account's default product,
// arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default; GeneratorId
// "cognito-guard/<rule>"; Types ["Software and Configuration Checks/AWS
// Security Best Practices"]; Resources one {Type "Other", Id the user pool
// ARN, Details.Other {clientId, clientName}}; ProductFields
// cognito-guard/UserPoolId, /ClientId, /Rule, /Outcome.
//
// A rule that stays broken (drift reported only or in a dry run, unfixable,
// report-only rules of a remediated client) is imported with Compliance
// FAILED, RecordState ACTIVE, Workflow NEW (which counts at creation only)
// and a severity: HIGH when it cannot be fixed automatically, MEDIUM for
// enforced drift left by a dry run, LOW for report-only rules. A rule the
// run fixed is re-imported with the same Id as Compliance PASSED,
// RecordState ARCHIVED, severity INFORMATIONAL, and then, with
// Options.Workflow set, its workflow status is set to RESOLVED with
// BatchUpdateFindings: BatchImportFindings ignores Workflow on a finding
// that exists. If the rule breaks again the same Id comes back ACTIVE and
// Security Hub resets its workflow to NEW. IAM: securityhub:BatchImportFindings,
// securityhub:GetFindings and securityhub:BatchUpdateFindings.
//
// With Options.Findings set, the open findings of the clients published are
// looked up first (GetFindings), and every one that the outcome no longer
// reports as failing is resolved: the client became compliant or exempt, a
// person fixed the rule, or the rule left the baseline. Their CreatedAt is
// kept. At most 100 findings go in one BatchImportFindings call; findings
// rejected one by one (FailedFindings) are sent again, 3 attempts in all.
//
// # The client secret
//
// Nothing here copies an outcome (or anything else) wholesale: every field
// sent is picked by name, and the values of a finding or change on a field
// whose name contains "secret" (other than GenerateSecret) are replaced by
// "[redacted]". The tests drive every channel over HTTP (EventBridge and SNS
// through this package's clients, Security Hub through the SDK's) with
// outcomes made from a client that has a secret and search every byte
// sent.
//
// # Clients
//
// EventBridge PutEvents and SNS Publish are signed HTTP requests (package
// awsreq; NewEventBridge, NewSNS), not the SDK's service clients, which
// would add megabytes and milliseconds of init to both functions for two
// operations. They take endpoint (including AWS_ENDPOINT_URL_EVENTBRIDGE,
// AWS_ENDPOINT_URL_SNS and AWS_ENDPOINT_URL), Region, credentials, HTTP
// client and retry policy from the aws.Config as the SDK's clients do.
package notify
