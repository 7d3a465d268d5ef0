// Package metrics writes CloudWatch metrics in the Embedded Metric Format
// (EMF): one JSON object per line on the function's stdout, which the Lambda
// log agent turns into metrics with no PutMetricData call and no IAM grant.
//
// There is no official EMF library for Go, so this is a small encoder of the
// published specification
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
//
//	{"_aws":{"Timestamp":<ms>,"CloudWatchMetrics":[{"Namespace":"CognitoGuard",
//	  "Dimensions":[["Function","Mode"]],"Metrics":[{"Name":"DriftFound","Unit":"Count"},...]}]},
//	 "Function":"remediate","Mode":"enforce","DriftFound":1,...}
//
// Dimensions are low-cardinality on purpose: Function (remediate|audit) and
// Mode (enforce|dryrun). Every distinct dimension value set is a separate,
// billed custom metric, so client and pool IDs are never dimensions, and the
// lines carry nothing client-specific at all (they are counts only).
//
// Metrics, all with unit Count, counted per outcome (see reconcile.Status):
//
//	DriftFound      clients where drift was found: drift, remediated or unfixable
//	Remediated      drift written and verified
//	Unfixable       an enforced rule that cannot be fixed safely
//	Failed          a terminal or retryable error; see the outcome's reason
//	Skipped         nothing to do (client gone, not our event)
//	ClientsAudited  every client the audit function looked at (audit only)
//
// Every metric of a line is written, zeros included, so an alarm sees 0
// rather than missing data in a period where the function ran.
//
// Each line also carries "level" and an RFC 3339 "timestamp", so that
// Lambda's log-level filtering (JSON log format) never drops it: a line
// without a valid level is treated as INFO and dropped at WARN, which
// would blind the alarms (see LineLevel).
//
// A Recorder is an outputs.Sink: Send records a batch and flushes it.
package metrics
