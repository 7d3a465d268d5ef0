package audit

import (
	"encoding/json"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// LogLimit bounds the report's log line.
type LogLimit struct {
	// Items is the most clients, pending entries and pool errors logged,
	// each.
	Items int
	// Bytes is the most those lists take together, as JSON.
	Bytes int
	// CursorBytes is the longest cursor logged; a longer one is left out
	// (it is in the result) and only its length is logged.
	CursorBytes int
}

// DefaultLogLimit keeps the line far below CloudWatch Logs' event limit of
// 256 KB (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html):
// without it, 3,000 clients made a 279 KB line, which CloudWatch Logs cuts.
// Every client also has its own "reconciled" line.
var DefaultLogLimit = LogLimit{Items: 100, Bytes: 128 << 10, CursorBytes: 16 << 10}

// LoggedReport is the report as logged: the whole summary (counts, calls,
// completion), and the first clients, pending entries and pool errors
// within a LogLimit, saying how many were left out.
type LoggedReport struct {
	*Report
	Clients           []reconcile.Outcome `json:"clients"`
	ClientsOmitted    int                 `json:"clientsOmitted,omitempty"`
	Pending           []Pending           `json:"pending,omitempty"`
	PendingOmitted    int                 `json:"pendingOmitted,omitempty"`
	PoolErrors        []PoolError         `json:"poolErrors,omitempty"`
	PoolErrorsOmitted int                 `json:"poolErrorsOmitted,omitempty"`
	Cursor            string              `json:"cursor,omitempty"`
	// CursorBytes is the length of a cursor too long to log.
	CursorBytes int `json:"cursorBytes,omitempty"`
}

// NewLoggedReport bounds rep for the log.
func NewLoggedReport(rep *Report, l LogLimit) LoggedReport {
	budget := l.Bytes
	lr := LoggedReport{Report: rep, Cursor: rep.Cursor}
	lr.Clients, lr.ClientsOmitted = bounded(rep.Clients, l.Items, &budget)
	if lr.Clients == nil {
		lr.Clients = []reconcile.Outcome{}
	}
	lr.Pending, lr.PendingOmitted = bounded(rep.Pending, l.Items, &budget)
	lr.PoolErrors, lr.PoolErrorsOmitted = bounded(rep.PoolErrors, l.Items, &budget)
	if len(rep.Cursor) > l.CursorBytes {
		lr.Cursor, lr.CursorBytes = "", len(rep.Cursor)
	}
	return lr
}

// bounded returns the first items of xs, at most max and within *budget
// bytes of JSON (which it lowers), and how many it left out.
func bounded[T any](xs []T, max int, budget *int) ([]T, int) {
	n := 0
	for n < len(xs) && n < max {
		b, err := json.Marshal(xs[n])
		if err != nil || len(b)+1 > *budget {
			break
		}
		*budget -= len(b) + 1
		n++
	}
	if n == 0 && len(xs) > 0 {
		return nil, len(xs)
	}
	return xs[:n], len(xs) - n
}
