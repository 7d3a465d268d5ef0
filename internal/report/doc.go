// Package report renders the per-client results of an audit for people and
// tools: JSON Lines (one outcome per line), CSV (one row per finding),
// Markdown, and one self-contained HTML page. The audit's S3 report and the
// cognito-guard command use it alike.
//
// [Summarize] turns a [Data] (the audit result: counts, outcomes, pending
// clients, pool errors) into a [Summary]: totals, counts per pool, per rule
// and per outcome, the clients that need attention with their findings and
// reasons, and the exemptions that expire within 30 days of the given
// instant. The writers render a Data or its Summary.
//
// The HTML page has inline CSS and no script, so it opens offline and from
// an S3 presigned URL alike; every value goes through html/template, which
// escapes it for its context. The sections have stable ids (totals,
// outcomes, pools, rules, attention, expiring, pending, pool-errors) for
// readers and browser tests. CSV cells that a spreadsheet would read as a
// formula (starting with =, +, - or @; client names may) are prefixed with
// a single quote (OWASP "CSV Injection").
package report
