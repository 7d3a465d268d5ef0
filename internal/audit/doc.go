// Package audit is the audit function's sweep engine: it enumerates every
// user pool (or the pools named in the payload) and every app client in
// them, runs each client through the same reconcile.Reconciler that the
// remediate function uses, and returns one Report.
//
// Three constraints shape it:
//
//   - Rate. DescribeUserPoolClient and ListUserPoolClients share 15 requests
//     per second per account and Region with every other caller, and each is
//     capped at 5 per second per pool; UpdateUserPoolClient has its own 15/5
//     (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html;
//     not adjustable). appclient.Pacer, installed by New as SDK middleware,
//     paces every attempt (retries included) against a
//     configurable share of the account budget and the per-pool cap, and
//     halves its rate when Cognito still answers TooManyRequestsException.
//     The Sweeper works on several pools at once so that the account share,
//     not the per-pool cap, is the limit.
//   - Deadline. A sweep of 100,000 clients at 5 requests per second takes
//     hours; one invocation lasts at most 15 minutes. The Sweeper stops
//     dispatching a margin before the context's deadline and returns a
//     Cursor that a later invocation resumes from, with no client missed or
//     evaluated twice.
//   - No silent gaps. A client whose evaluation hit a retryable error
//     (throttling that outlived the SDK's retries, a 5xx) is retried later
//     in the run and, failing that, stays in the cursor. A client deleted
//     meanwhile is recorded as skipped and one that Cognito refuses to
//     update as failed; the sweep goes on.
//
// # Resuming
//
// The report carries "complete" and, when false, "cursor". Pass the cursor
// back as {"cursor": "..."} to continue. A scheduled or manual run without
// a cursor starts a new sweep: Lambda keeps no state between invocations
// and the function does not invoke itself. The template's AuditSweep state
// machine (statemachine/audit.asl.json; README "The audit") is the loop
// that finishes a large sweep unattended: it invokes the function with {}
// (or the cursor or userPoolIds of its own input), passes {"cursor": ...}
// back while complete is false, retries Lambda's service errors, stops
// after SweepMaxRuns runs, and ends at once when an older execution of it
// is still running, so two sweeps never share the quota. The schedule and
// a change of the baseline parameter start it; the function has no
// schedule of its own.
//
// The cursor also carries the sweep's ID, so the runs of one sweep write
// one S3 report (ReportWriter).
//
// The function's result is the state passed between runs, and Step
// Functions caps it at 256 KB (a larger result fails the execution with
// States.DataLimitExceeded). An outcome takes about 1.2 KB and a 15-minute
// run evaluates about 4,400 clients, so the template sets
// AUDIT_REPORT_CLIENTS to none for the looped function: attention would
// fail a sweep once one run finds about 200 clients that need attention
// (internal/audit/BENCH.md, "Through the state machine's loop"). The counts
// stay in the result, every outcome is in the S3 report, logged by
// reconcile and counted in the metrics. A cursor holds the IDs of the pools
// not finished (~30 bytes each), so an account with more than about 7,000
// pools also outgrows that limit.
//
// # Payload and result
//
// Input (all optional, unknown keys are an error): {"userPoolIds":
// ["us-east-1_AbC123", ...]} or {"cursor": "..."}; an empty payload, {}
// or an EventBridge "Scheduled Event" sweeps every pool. The result is a
// Report: {"complete", "cursor", "dryRun", "startedAt", "durationMs",
// "poolsDone", "poolsLeft", "counts": {"compliant": n, ..., "pending": n},
// "clients": [reconcile.Outcome...], "pending": [{"userPoolId",
// "clientId", "reason"}], "poolErrors": [{"userPoolId", "outcome",
// "reason"}], "apiCalls": {"DescribeUserPoolClient": n, ...},
// "throttles": {...}}. "clients" lists those that need attention (all
// but compliant) unless AUDIT_REPORT_CLIENTS says all or none. The report
// is also logged as one JSON line ("audit report"), bounded whatever the
// fleet (LoggedReport: at most 100 clients and 128 KB of lists, with
// "clientsOmitted" saying how many were left out), below CloudWatch Logs'
// 256 KB event limit. The result also names the run's sweep ("sweep":
// {"id", "started", "run"}) and, with AUDIT_REPORT_BUCKET, where its S3
// report is ("objects": {"bucket", "prefix", "html", "jsonl", "csv",
// "summary" or, while the sweep goes on, "part"}); "clients" then defaults
// to none, so the result stays the summary and the keys.
//
// # The S3 report
//
// With AUDIT_REPORT_BUCKET every sweep writes its full per-client report:
// JSON Lines, CSV, a self-contained HTML page and a summary, under
// audit/YYYY/MM/DD/SWEEP_ID/ (ReportWriter). Outcomes go to files in /tmp
// as they come and the outputs get them OutputBatch at a time, so the
// function's memory does not grow with the number of clients.
//
// # Wiring
//
// New is the one constructor: functions/audit, the tests and
// cmd/auditbench build the Sweeper with it from a Config (read from the
// environment in main) and an aws.Config. Every outcome goes to the
// outputs (internal/outputs: EMF metrics, EventBridge, SNS, Security Hub)
// in batches of OutputBatch as the sweep goes.
// The invocation fails (nothing written) only for a bad payload, a
// missing or invalid baseline, or pools that cannot be listed.
package audit
