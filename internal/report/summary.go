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
	Rules []RuleRow `json:"rules"`
	// Attention lists the clients that need attention, most urgent first
	// (failed, unfixable, drift, remediated, then expired exemptions).
	// AttentionTotal counts them all; AttentionShown is how many the page
	// lists (a streamed report lists at most MaxAttention, and its
	// Attention is empty: the page reads them from the spool).
	Attention      []reconcile.Outcome `json:"attention"`
	AttentionTotal int                 `json:"attentionTotal"`
	AttentionShown int                 `json:"attentionShown"`
	// Expiring lists the exemptions that end within ExpiringWithin, soonest
	// first (at most MaxExpiring in a streamed report); ExpiringTotal
	// counts them all.
	Expiring      []ExpiringExemption `json:"expiring"`
	ExpiringTotal int                 `json:"expiringTotal"`
	Pending       []Pending           `json:"pending,omitempty"`
	PoolErrors    []PoolError         `json:"poolErrors,omitempty"`
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
// which exemptions are "expiring"). It keeps every outcome that needs
// attention; a report too large to hold goes through a [Spool] instead.
func Summarize(d Data, now time.Time) Summary {
	a := NewAggregator(now)
	a.keepAttention = true
	a.maxExpiring = -1
	for _, o := range d.Clients {
		a.Add(o)
	}
	a.AddPending(d.Pending...)
	a.AddPoolErrors(d.PoolErrors...)
	s := a.Summary(d.StartedAt, d.Complete, d.DryRun, d.Counts)
	return s
}

// Aggregator computes a Summary one outcome at a time. Without
// keepAttention (the Spool's use) it holds counts per status, pool and
// rule and at most MaxExpiring exemptions, whatever the number of
// outcomes: the clients that need attention are counted, not kept.
type Aggregator struct {
	now           time.Time
	keepAttention bool
	maxExpiring   int // < 0: no limit

	listed     int
	counts     map[string]int
	pools      map[string]*PoolRow
	rules      map[string]*RuleRow
	attention  []reconcile.Outcome
	attentionN int
	expiring   []ExpiringExemption
	expiringN  int
	pending    []Pending
	poolErrors []PoolError
}

// MaxExpiring is how many expiring exemptions a streamed report lists (the
// soonest); ExpiringTotal counts them all.
const MaxExpiring = 1000

// NewAggregator returns an empty Aggregator reporting at now.
func NewAggregator(now time.Time) *Aggregator {
	return &Aggregator{now: now, maxExpiring: MaxExpiring, counts: map[string]int{}, pools: map[string]*PoolRow{}, rules: map[string]*RuleRow{}}
}

func (a *Aggregator) pool(id string) *PoolRow {
	p := a.pools[id]
	if p == nil {
		p = &PoolRow{UserPoolID: id, Counts: map[string]int{}}
		a.pools[id] = p
	}
	return p
}

func (a *Aggregator) rule(f policy.Finding) *RuleRow {
	r := a.rules[f.Rule]
	if r == nil {
		r = &RuleRow{Rule: f.Rule, Field: f.Field}
		a.rules[f.Rule] = r
	}
	return r
}

// Add counts one outcome.
func (a *Aggregator) Add(o reconcile.Outcome) {
	a.listed++
	a.counts[string(o.Status)]++
	p := a.pool(o.UserPoolID)
	p.Total++
	p.Counts[string(o.Status)]++
	seen := map[string]bool{}
	for _, f := range o.Findings {
		r := a.rule(f)
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
		a.rule(f).Exempted++
	}
	if NeedsAttention(o) {
		a.attentionN++
		if a.keepAttention {
			a.attention = append(a.attention, o)
		}
	}
	for _, e := range o.Exemptions {
		left := e.Expires.Sub(a.now)
		if left < 0 || left > ExpiringWithin {
			continue
		}
		a.expiringN++
		a.expiring = append(a.expiring, ExpiringExemption{
			UserPoolID: o.UserPoolID, ClientID: o.ClientID, ClientName: o.ClientName,
			Fields: e.Fields, Expires: e.Expires.UTC(), Days: int(left / (24 * time.Hour)), Reason: e.Reason,
		})
		if a.maxExpiring >= 0 && len(a.expiring) >= 2*a.maxExpiring+1 {
			sortExpiring(a.expiring)
			a.expiring = slices.Clip(a.expiring[:a.maxExpiring])
		}
	}
}

// AddPending counts clients left for a later run (and lists them: the
// cursor bounds them).
func (a *Aggregator) AddPending(ps ...Pending) {
	for _, p := range ps {
		a.pending = append(a.pending, p)
		if p.ClientID != "" {
			a.counts["pending"]++
			pr := a.pool(p.UserPoolID)
			pr.Total++
			pr.Counts["pending"]++
		} else {
			a.pool(p.UserPoolID)
		}
	}
}

// AddPoolErrors records pools that could not be listed.
func (a *Aggregator) AddPoolErrors(es ...PoolError) {
	for _, e := range es {
		a.poolErrors = append(a.poolErrors, e)
		a.pool(e.UserPoolID).Error = string(e.Outcome) + ": " + e.Reason
	}
}

// Summary returns what has been added. counts, when not empty, replaces
// the counts taken from the outcomes: an audit result's own counts cover
// clients it does not list.
func (a *Aggregator) Summary(startedAt time.Time, complete, dryRun bool, counts map[string]int) Summary {
	s := Summary{
		GeneratedAt:    a.now.UTC(),
		StartedAt:      startedAt,
		Complete:       complete,
		DryRun:         dryRun,
		Listed:         a.listed,
		Pending:        a.pending,
		PoolErrors:     a.poolErrors,
		Attention:      append([]reconcile.Outcome{}, a.attention...),
		AttentionTotal: a.attentionN,
		AttentionShown: len(a.attention),
		Expiring:       append([]ExpiringExemption{}, a.expiring...),
		ExpiringTotal:  a.expiringN,
	}
	if len(counts) == 0 {
		counts = a.counts
	}
	for _, st := range Statuses {
		s.Outcomes = append(s.Outcomes, Count{Status: st, N: counts[st]})
		s.Total += counts[st]
	}
	var other []string
	for k := range counts {
		if !slices.Contains(Statuses, k) { // a status this build does not know: still counted
			other = append(other, k)
		}
	}
	sort.Strings(other)
	for _, k := range other {
		s.Outcomes = append(s.Outcomes, Count{Status: k, N: counts[k]})
		s.Total += counts[k]
	}
	for _, p := range a.pools {
		s.Pools = append(s.Pools, *p)
	}
	sort.Slice(s.Pools, func(i, j int) bool { return s.Pools[i].UserPoolID < s.Pools[j].UserPoolID })
	for _, r := range a.rules {
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
	sortExpiring(s.Expiring)
	if a.maxExpiring >= 0 && len(s.Expiring) > a.maxExpiring {
		s.Expiring = s.Expiring[:a.maxExpiring]
	}
	return s
}

func sortExpiring(es []ExpiringExemption) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if !a.Expires.Equal(b.Expires) {
			return a.Expires.Before(b.Expires)
		}
		return a.UserPoolID+"/"+a.ClientID < b.UserPoolID+"/"+b.ClientID
	})
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
