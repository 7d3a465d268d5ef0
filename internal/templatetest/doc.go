// Package templatetest checks template.yaml without deploying it: cfn-lint, the official SAM JSON
// schema (a copy in testdata/; source, commit and licence in testdata/sam.schema.NOTICE), the
// remediate rule's and the baseline-change rule's event patterns under a real EventBridge matcher
// (moto), the tags, parameters and retention of the resources, the IAM grants of both functions under
// several parameter combinations and of the AuditSweep state machine, its definition under cfn-lint's
// States Language schema, its substitutions and alarms, events/env.json, and samconfig.toml's environments (one stack per environment, a
// report-only and an enforcing twin) with the README's sam commands naming them.
//
// The package itself holds only a small loader (Load, Root) and a partial evaluator of
// CloudFormation intrinsics (Resolve) for the conditions and policies the template uses; the checks
// are its tests. External checkers (cfn-lint, python3 with moto) are used when present, each in one
// Python worker process shared by the tests (worker_test.go, testdata/*_worker.py). A missing
// one skips its test locally; under CI=true it fails unless .ci/run declared it unavailable in
// CHECKERS_UNAVAILABLE (it does so only after failing to install it), so CI never skips silently.
package templatetest
