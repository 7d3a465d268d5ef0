package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Data is what a report is rendered from. Its JSON keys are those of the
// audit's result (internal/audit.Report), so an audit result decodes into
// it as is; the keys this package does not use are ignored.
type Data struct {
	Complete   bool                `json:"complete"`
	DryRun     bool                `json:"dryRun"`
	StartedAt  time.Time           `json:"startedAt"`
	Counts     map[string]int      `json:"counts,omitempty"`
	Clients    []reconcile.Outcome `json:"clients"`
	Pending    []Pending           `json:"pending,omitempty"`
	PoolErrors []PoolError         `json:"poolErrors,omitempty"`
}

// Pending is a client (or a pool's listing) left for a later run.
type Pending struct {
	UserPoolID string `json:"userPoolId"`
	ClientID   string `json:"clientId,omitempty"`
	Reason     string `json:"reason"`
}

// PoolError is a pool whose clients could not be listed.
type PoolError struct {
	UserPoolID string           `json:"userPoolId"`
	Outcome    reconcile.Status `json:"outcome"`
	Reason     string           `json:"reason"`
}

// ExpiringWithin is how far ahead the report lists exemptions that end.
const ExpiringWithin = 30 * 24 * time.Hour

// Statuses is the order in which outcomes are shown; "pending" counts the
// clients left for a later run.
var Statuses = []string{
	string(reconcile.Compliant), string(reconcile.Remediated), string(reconcile.Drift),
	string(reconcile.Unfixable), string(reconcile.Exempt), string(reconcile.Skipped),
	string(reconcile.Failed), "pending",
}

// NeedsAttention reports whether a person should look at an outcome: the
// statuses the notifications publish (drift, remediated, unfixable,
// failed), or a matching exemption that has expired.
func NeedsAttention(o reconcile.Outcome) bool {
	switch o.Status {
	case reconcile.Drift, reconcile.Remediated, reconcile.Unfixable, reconcile.Failed:
		return true
	}
	return len(o.ExpiredExemptions) > 0
}

// Summary is a report's content, computed once and rendered by each format.
type Summary struct {
	GeneratedAt time.Time `json:"generatedAt"`
	StartedAt   time.Time `json:"startedAt,omitzero"`
	Complete    bool      `json:"complete"`
	DryRun      bool      `json:"dryRun"`
	// Total is the number of clients counted (from Data.Counts when given,
	// which covers clients the result does not list); Listed is the number
	// of outcomes the result lists.
	Total  int `json:"total"`
	Listed int `json:"listed"`
	// Outcomes has one entry per status in Statuses order, zeros included.
	Outcomes []Count `json:"outcomes"`
	// Pools has one row per pool seen in the outcomes, pool errors or
	// pending clients, by pool ID.
	Pools []PoolRow `json:"pools"`
	// Rules has one row per finding rule, most clients first.
	Rules      []RuleRow           `json:"rules"`
	Attention  []reconcile.Outcome `json:"attention"`
	Expiring   []ExpiringExemption `json:"expiring"`
	Pending    []Pending           `json:"pending,omitempty"`
	PoolErrors []PoolError         `json:"poolErrors,omitempty"`
}

// Count is a number of clients with one status.
type Count struct {
	Status string `json:"status"`
	N      int    `json:"n"`
}

// PoolRow counts the clients of one pool per status.
type PoolRow struct {
	UserPoolID string         `json:"userPoolId"`
	Total      int            `json:"total"`
	Counts     map[string]int `json:"counts"`
	Error      string         `json:"error,omitempty"`
}

// N returns the pool's count for a status (for templates).
func (p PoolRow) N(status string) int { return p.Counts[status] }

// RuleRow counts the findings of one rule across clients.
type RuleRow struct {
	Rule  string `json:"rule"`
	Field string `json:"field"`
	// Clients is the number of clients with the finding (enforced or
	// reported); Fixable and Unfixable split the enforce findings, Report
	// counts report-only ones and Exempted those an exemption suppressed.
	Clients   int `json:"clients"`
	Fixable   int `json:"fixable"`
	Unfixable int `json:"unfixable"`
	Report    int `json:"report"`
	Exempted  int `json:"exempted"`
}

// ExpiringExemption is an active exemption of one client that ends within
// ExpiringWithin of the report's time.
type ExpiringExemption struct {
	UserPoolID string    `json:"userPoolId"`
	ClientID   string    `json:"clientId"`
	ClientName string    `json:"clientName,omitempty"`
	Fields     []string  `json:"fields,omitempty"`
	Expires    time.Time `json:"expires"`
	Days       int       `json:"days"` // whole days left, rounded down
	Reason     string    `json:"reason"`
}

// Summarize computes the report's content at now (the instant against
// which exemptions are "expiring").
func Summarize(d Data, now time.Time) Summary {
	s := Summary{
		GeneratedAt: now.UTC(),
		StartedAt:   d.StartedAt,
		Complete:    d.Complete,
		DryRun:      d.DryRun,
		Listed:      len(d.Clients),
		Pending:     d.Pending,
		PoolErrors:  d.PoolErrors,
		Attention:   []reconcile.Outcome{},
		Expiring:    []ExpiringExemption{},
	}
	counts := map[string]int{}
	pools := map[string]*PoolRow{}
	pool := func(id string) *PoolRow {
		p := pools[id]
		if p == nil {
			p = &PoolRow{UserPoolID: id, Counts: map[string]int{}}
			pools[id] = p
		}
		return p
	}
	rules := map[string]*RuleRow{}
	rule := func(f policy.Finding) *RuleRow {
		r := rules[f.Rule]
		if r == nil {
			r = &RuleRow{Rule: f.Rule, Field: f.Field}
			rules[f.Rule] = r
		}
		return r
	}
	for _, o := range d.Clients {
		counts[string(o.Status)]++
		p := pool(o.UserPoolID)
		p.Total++
		p.Counts[string(o.Status)]++
		seen := map[string]bool{}
		for _, f := range o.Findings {
			r := rule(f)
			if !seen[f.Rule] {
				seen[f.Rule] = true
				r.Clients++
			}
			switch {
			case f.Action == policy.Report:
				r.Report++
			case f.Fixable:
				r.Fixable++
			default:
				r.Unfixable++
			}
		}
		for _, f := range o.Exempted {
			rule(f).Exempted++
		}
		if NeedsAttention(o) {
			s.Attention = append(s.Attention, o)
		}
		for _, e := range o.Exemptions {
			left := e.Expires.Sub(now)
			if left < 0 || left > ExpiringWithin {
				continue
			}
			s.Expiring = append(s.Expiring, ExpiringExemption{
				UserPoolID: o.UserPoolID, ClientID: o.ClientID, ClientName: o.ClientName,
				Fields: e.Fields, Expires: e.Expires.UTC(), Days: int(left / (24 * time.Hour)), Reason: e.Reason,
			})
		}
	}
	for _, p := range d.Pending {
		if p.ClientID != "" {
			counts["pending"]++
			pr := pool(p.UserPoolID)
			pr.Total++
			pr.Counts["pending"]++
		} else {
			pool(p.UserPoolID)
		}
	}
	for _, e := range d.PoolErrors {
		pool(e.UserPoolID).Error = string(e.Outcome) + ": " + e.Reason
	}
	// The result's own counts cover clients it does not list (an audit
	// configured to list only those needing attention, or none).
	if len(d.Counts) > 0 {
		counts = d.Counts
	}
	for _, st := range Statuses {
		s.Outcomes = append(s.Outcomes, Count{Status: st, N: counts[st]})
		s.Total += counts[st]
	}
	for k, n := range counts {
		if !slices.Contains(Statuses, k) { // a status this build does not know: still counted
			s.Outcomes = append(s.Outcomes, Count{Status: k, N: n})
			s.Total += n
		}
	}
	for _, p := range pools {
		s.Pools = append(s.Pools, *p)
	}
	sort.Slice(s.Pools, func(i, j int) bool { return s.Pools[i].UserPoolID < s.Pools[j].UserPoolID })
	for _, r := range rules {
		s.Rules = append(s.Rules, *r)
	}
	sort.Slice(s.Rules, func(i, j int) bool {
		a, b := s.Rules[i], s.Rules[j]
		if a.Clients+a.Exempted != b.Clients+b.Exempted {
			return a.Clients+a.Exempted > b.Clients+b.Exempted
		}
		return a.Rule < b.Rule
	})
	sort.SliceStable(s.Attention, func(i, j int) bool {
		return attentionRank(s.Attention[i].Status) < attentionRank(s.Attention[j].Status)
	})
	sort.Slice(s.Expiring, func(i, j int) bool {
		a, b := s.Expiring[i], s.Expiring[j]
		if !a.Expires.Equal(b.Expires) {
			return a.Expires.Before(b.Expires)
		}
		return a.UserPoolID+"/"+a.ClientID < b.UserPoolID+"/"+b.ClientID
	})
	return s
}

// attentionRank puts what a person must act on first: failures, then
// what cannot be fixed automatically, then drift, then what was fixed.
func attentionRank(s reconcile.Status) int {
	switch s {
	case reconcile.Failed:
		return 0
	case reconcile.Unfixable:
		return 1
	case reconcile.Drift:
		return 2
	case reconcile.Remediated:
		return 3
	}
	return 4
}

// Value renders a finding's or change's normalised value for a cell: a
// list as its items joined by ", ", a string as is, anything else as JSON.
func Value(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []string:
		return strings.Join(x, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Value(e)
		}
		return strings.Join(parts, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
