package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/report"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// PlanClient is what the candidate baseline does to one client compared
// with the current one.
type PlanClient struct {
	UserPoolID string `json:"userPoolId"`
	ClientID   string `json:"clientId"`
	ClientName string `json:"clientName,omitempty"`
	// Before is the outcome under the current baseline (absent without
	// one), After under the candidate, both as a dry run would report them.
	Before reconcile.Status `json:"before,omitempty"`
	After  reconcile.Status `json:"after"`
	// Changes are the fields whose value differs between what the current
	// baseline leaves the client at (the client as it is, without one) and
	// what the candidate would write.
	Changes []policy.Change `json:"changes,omitempty"`
	// Unfixable are the candidate's enforce findings it cannot fix, each
	// with its reason; Reported its report-only findings.
	Unfixable []policy.Finding `json:"unfixable,omitempty"`
	Reported  []policy.Finding `json:"reported,omitempty"`
	// Expiring are the candidate's exemptions of this client that end
	// within 30 days.
	Expiring []policy.Exemption `json:"expiring,omitempty"`
}

func (c PlanClient) interesting() bool {
	return len(c.Changes) > 0 || len(c.Unfixable) > 0 || len(c.Expiring) > 0 || (c.Before != "" && c.Before != c.After)
}

// PlanSummary counts the plan.
type PlanSummary struct {
	Clients        int            `json:"clients"`
	Changing       int            `json:"changing"`
	Fields         map[string]int `json:"fields"`
	Unfixable      int            `json:"unfixable"`
	NewlyUnfixable int            `json:"newlyUnfixable"`
	Expiring       int            `json:"expiring"`
	Transitions    []Transition   `json:"transitions,omitempty"`
	OutcomesAfter  map[string]int `json:"outcomesAfter"`
}

// Transition counts the clients whose outcome moves from one status to
// another.
type Transition struct {
	From reconcile.Status `json:"from"`
	To   reconcile.Status `json:"to"`
	N    int              `json:"n"`
}

// Plan is the output of plan (and of diff --fleet).
type Plan struct {
	Candidate string       `json:"candidate"`
	Current   string       `json:"current"`
	At        time.Time    `json:"at"`
	Fleet     Fleet        `json:"fleet"`
	Clients   []PlanClient `json:"clients"`
	Summary   PlanSummary  `json:"summary"`
}

// Changed reports whether the candidate changes anything on the fleet: a
// field it would write, or a client's outcome (a new report-only rule, a
// client that becomes unfixable or exempt), since either is what a
// reviewer must see.
func (p *Plan) Changed() bool { return p.Summary.Changing > 0 || len(p.Summary.Transitions) > 0 }

type fleetFlags struct {
	pools string
	rate  float64
	quiet bool
}

func (f *fleetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.pools, "pools", "", "comma-separated user pool IDs (default: every pool of the account and Region)")
	fs.Float64Var(&f.rate, "rate", defaultRate, "share of Cognito's 15 requests/s read quota to use (DescribeUserPoolClient + ListUserPoolClients)")
	fs.BoolVar(&f.quiet, "q", false, "no progress on standard error")
}

func (f *fleetFlags) poolList() []string {
	var out []string
	for _, p := range strings.Split(f.pools, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (a *app) plan(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	candidate := fs.String("baseline", "", "the candidate baseline file (required)")
	current := fs.String("current", "", "the current baseline file")
	currentParam := fs.String("current-parameter", "", "the SSM parameter holding the current baseline")
	detailed := fs.Bool("detailed-exitcode", false, "exit 0 when nothing changes, 2 when something does, 1 on an error")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	var ff fleetFlags
	ff.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: cognito-guard plan --baseline FILE [--current FILE | --current-parameter NAME] [--pools ID,...] [--rate N] [--detailed-exitcode] [--json] [-q]")
		fs.PrintDefaults()
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return exitError
	}
	switch {
	case len(rest) > 0:
		return a.fail("plan", fmt.Errorf("unexpected argument %q", rest[0]))
	case *candidate == "":
		return a.fail("plan", errors.New("--baseline FILE is required"))
	case *current != "" && *currentParam != "":
		return a.fail("plan", errors.New("give --current or --current-parameter, not both"))
	}
	cand, _, err := a.loadBaseline(*candidate)
	if err != nil {
		return a.fail("plan", err)
	}
	var cur *policy.Baseline
	curName := "none (the clients as they are)"
	if *current != "" {
		if cur, _, err = a.loadBaseline(*current); err != nil {
			return a.fail("plan", err)
		}
		curName = *current
	}
	p, err := newPacer(ff.rate)
	if err != nil {
		return a.fail("plan", err)
	}
	cfg, err := a.awsConfig(ctx)
	if err != nil {
		return a.fail("plan", err)
	}
	if *currentParam != "" {
		if cur, err = a.parameterBaseline(ctx, ssmClient(cfg), *currentParam); err != nil {
			return a.fail("plan", err)
		}
		curName = "SSM parameter " + *currentParam
	}
	plan, err := a.buildPlan(ctx, appclient.New(cognito(cfg, p)), cfg.Region, cand, cur, ff)
	if err != nil {
		return a.fail("plan", err)
	}
	plan.Candidate, plan.Current = *candidate, curName
	if *asJSON {
		writeJSON(a.stdout, plan)
	} else {
		writePlan(a.stdout, plan, "Plan: "+*candidate+" compared with "+curName)
	}
	if *detailed && plan.Changed() {
		return exitChanges
	}
	return exitOK
}

// parameterBaseline reads and parses the baseline stored in SSM.
func (a *app) parameterBaseline(ctx context.Context, api *ssm.Client, name string) (*policy.Baseline, error) {
	out, err := api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("read the current baseline: %w", explain(err))
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return nil, fmt.Errorf("SSM parameter %s has no value", name)
	}
	b, err := parseBaseline("ssm:"+name, []byte(aws.ToString(out.Parameter.Value)))
	if err != nil {
		return nil, fmt.Errorf("the current baseline in %s: %w", name, err)
	}
	return b, nil
}

// buildPlan reads the fleet and compares the two baselines on each client.
// cur may be nil: then the clients as they are are the reference.
func (a *app) buildPlan(ctx context.Context, cl *appclient.Client, region string, cand, cur *policy.Baseline, ff fleetFlags) (*Plan, error) {
	now := a.now()
	plan := &Plan{At: now.UTC(), Clients: []PlanClient{}}
	var mu sync.Mutex
	var all []PlanClient
	var progress io.Writer
	if !ff.quiet {
		progress = a.stderr
	}
	fl, err := a.readFleet(ctx, cl, region, ff.poolList(), progress, func(c *types.UserPoolClientType) {
		pc := compare(cand, cur, c, now)
		mu.Lock()
		all = append(all, pc)
		mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	plan.Fleet = fl
	sort.Slice(all, func(i, j int) bool {
		return all[i].UserPoolID < all[j].UserPoolID || all[i].UserPoolID == all[j].UserPoolID && all[i].ClientID < all[j].ClientID
	})
	s := PlanSummary{Clients: len(all), Fields: map[string]int{}, OutcomesAfter: map[string]int{}}
	trans := map[[2]reconcile.Status]int{}
	for _, c := range all {
		s.OutcomesAfter[string(c.After)]++
		if c.Before != "" && c.Before != c.After {
			trans[[2]reconcile.Status{c.Before, c.After}]++
		}
		if len(c.Changes) > 0 {
			s.Changing++
		}
		for _, ch := range c.Changes {
			s.Fields[ch.Field]++
		}
		if len(c.Unfixable) > 0 {
			s.Unfixable++
			if c.Before != reconcile.Unfixable {
				s.NewlyUnfixable++
			}
		}
		s.Expiring += len(c.Expiring)
		if c.interesting() {
			plan.Clients = append(plan.Clients, c)
		}
	}
	for k, n := range trans {
		s.Transitions = append(s.Transitions, Transition{From: k[0], To: k[1], N: n})
	}
	sort.Slice(s.Transitions, func(i, j int) bool {
		a, b := s.Transitions[i], s.Transitions[j]
		return a.From < b.From || a.From == b.From && a.To < b.To
	})
	plan.Summary = s
	return plan, nil
}

// compare evaluates one client under both baselines. What a baseline
// leaves a client at is its fixed copy, or the client itself when there is
// nothing to fix; the plan's changes are the fields where the two differ.
// In the steady state (the current baseline enforced) the current leaves
// the client as it is, and the changes are exactly what the candidate
// would write.
func compare(cand, cur *policy.Baseline, c *types.UserPoolClientType, now time.Time) PlanClient {
	t := policy.TargetOf(c)
	after := policy.Evaluate(cand, c, now)
	pc := PlanClient{
		UserPoolID: t.UserPoolID, ClientID: t.ClientID, ClientName: t.ClientName,
		After:     status(after),
		Unfixable: after.Unfixable(),
		Reported:  after.Reported(),
	}
	var before policy.Result
	if cur != nil {
		before = policy.Evaluate(cur, c, now)
		pc.Before = status(before)
	}
	type pair struct {
		before, after any
		hasB, hasA    bool
	}
	var order []string
	fields := map[string]*pair{}
	get := func(f string) *pair {
		if fields[f] == nil {
			fields[f] = &pair{}
			order = append(order, f)
		}
		return fields[f]
	}
	for _, ch := range after.Changes {
		p := get(ch.Field)
		p.after, p.hasA = ch.After, true
		if !p.hasB {
			p.before = ch.Before // the client's value, unless the current moves it
		}
	}
	for _, ch := range before.Changes {
		p := get(ch.Field)
		p.before, p.hasB = ch.After, true
		if !p.hasA {
			p.after = ch.Before // the candidate leaves the client's value
		}
	}
	for _, f := range order {
		if p := fields[f]; !reflect.DeepEqual(p.before, p.after) {
			pc.Changes = append(pc.Changes, policy.Change{Field: f, Before: p.before, After: p.after})
		}
	}
	for _, e := range after.Exemptions {
		if left := e.Expires.Sub(now); left >= 0 && left <= report.ExpiringWithin {
			pc.Expiring = append(pc.Expiring, e)
		}
	}
	return pc
}

// status classifies a result as a dry run would report it.
func status(r policy.Result) reconcile.Status {
	switch {
	case len(r.Unfixable()) > 0:
		return reconcile.Unfixable
	case len(r.Findings) > 0:
		return reconcile.Drift
	case len(r.Exempted) > 0:
		return reconcile.Exempt
	}
	return reconcile.Compliant
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writePlan(w io.Writer, p *Plan, title string) {
	fmt.Fprintf(w, "%s\n", title)
	fmt.Fprintf(w, "Fleet: %s in %s read at %s", plural(p.Fleet.Clients, "client"), plural(p.Fleet.Pools, "pool"), p.At.Format(time.RFC3339))
	if p.Fleet.Region != "" {
		fmt.Fprintf(w, " (%s)", p.Fleet.Region)
	}
	fmt.Fprintln(w)
	if len(p.Fleet.Gone) > 0 {
		fmt.Fprintf(w, "Not found (deleted while reading, or no such pool): %s\n", strings.Join(p.Fleet.Gone, ", "))
	}
	for _, c := range p.Clients {
		fmt.Fprintf(w, "\n%s %s / %s (%s): ", mark(c), c.UserPoolID, c.ClientID, nameOr(c.ClientName))
		if c.Before != "" && c.Before != c.After {
			fmt.Fprintf(w, "%s -> %s\n", c.Before, c.After)
		} else {
			fmt.Fprintf(w, "%s\n", c.After)
		}
		for _, ch := range c.Changes {
			fmt.Fprintf(w, "    %s: %s -> %s\n", ch.Field, show(ch.Before), show(ch.After))
		}
		for _, f := range c.Unfixable {
			fmt.Fprintf(w, "    unfixable %s: %s (required %s): %s\n", f.Rule, show(f.Current), f.Required, f.Reason)
		}
		for _, f := range c.Reported {
			fmt.Fprintf(w, "    report-only %s: %s (required %s)\n", f.Rule, show(f.Current), f.Required)
		}
		for _, e := range c.Expiring {
			fmt.Fprintf(w, "    exemption (%s) ends %s, in %d days: %s\n", fieldsOrAll(e.Fields), e.Expires.UTC().Format(time.RFC3339),
				int(e.Expires.Sub(p.At)/(24*time.Hour)), e.Reason)
		}
	}
	s := p.Summary
	fmt.Fprintf(w, "\nSummary: %s", plural(s.Clients, "client"))
	if s.Changing == 0 {
		fmt.Fprintf(w, "; no field would change")
	} else {
		var fs []string
		for _, f := range sortedKeys(s.Fields) {
			fs = append(fs, fmt.Sprintf("%s %d", f, s.Fields[f]))
		}
		fmt.Fprintf(w, "; %d would change (%s)", s.Changing, strings.Join(fs, ", "))
	}
	fmt.Fprintf(w, "; %d unfixable (%d newly); %s expiring within 30 days.\n", s.Unfixable, s.NewlyUnfixable, plural(s.Expiring, "exemption"))
	if len(s.Transitions) > 0 {
		var ts []string
		for _, t := range s.Transitions {
			ts = append(ts, fmt.Sprintf("%s -> %s: %d", t.From, t.To, t.N))
		}
		fmt.Fprintf(w, "Outcomes that change: %s.\n", strings.Join(ts, "; "))
	}
}

func mark(c PlanClient) string {
	switch {
	case len(c.Changes) > 0:
		return "~"
	case len(c.Unfixable) > 0:
		return "!"
	}
	return " "
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	if s := report.Value(v); s != "" {
		return s
	}
	return "(empty)"
}

func nameOr(s string) string {
	if s == "" {
		return "unnamed"
	}
	return s
}

func fieldsOrAll(fs []string) string {
	if len(fs) == 0 {
		return "all fields"
	}
	return strings.Join(fs, ", ")
}
