package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// RuleChange is one field whose rule differs between two baselines.
type RuleChange struct {
	Field  string `json:"field"`
	Change string `json:"change"` // added, removed, changed
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// OverrideChange is an override added, removed, or with changed rules. An
// override is identified by its match.
type OverrideChange struct {
	Match  string       `json:"match"`
	Change string       `json:"change"` // added, removed, changed, moved
	Index  int          `json:"index"`  // in NEW (in OLD when removed)
	Rules  []RuleChange `json:"rules,omitempty"`
}

// ExemptionChange is an exemption added, removed or changed; one is
// identified by its match and fields.
type ExemptionChange struct {
	Match  string   `json:"match"`
	Fields []string `json:"fields,omitempty"`
	Change string   `json:"change"`
	Before string   `json:"before,omitempty"`
	After  string   `json:"after,omitempty"`
}

// Diff is the output of diff.
type Diff struct {
	Old        string            `json:"old"`
	New        string            `json:"new"`
	Rules      []RuleChange      `json:"rules"`
	Overrides  []OverrideChange  `json:"overrides"`
	Exemptions []ExemptionChange `json:"exemptions"`
	Fleet      *Plan             `json:"fleet,omitempty"`
}

func (a *app) diff(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fleet := fs.Bool("fleet", false, "also read the fleet and list the clients whose outcome or settings change")
	asJSON := fs.Bool("json", false, "print the differences as JSON")
	var ff fleetFlags
	ff.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: cognito-guard diff [--fleet [--pools ID,...] [--rate N] [-q]] [--json] OLD NEW")
		fs.PrintDefaults()
	}
	files, err := parseFlags(fs, args)
	if err != nil {
		return exitError
	}
	if len(files) != 2 {
		fs.Usage()
		return exitError
	}
	oldB, oldData, err := a.loadBaseline(files[0])
	if err != nil {
		return a.fail("diff", err)
	}
	newB, newData, err := a.loadBaseline(files[1])
	if err != nil {
		return a.fail("diff", err)
	}
	oldDoc, err1 := readDoc(oldData)
	newDoc, err2 := readDoc(newData)
	if err1 != nil || err2 != nil { // both parsed already
		return a.fail("diff", fmt.Errorf("read baselines: %v %v", err1, err2))
	}
	d := diffDocs(oldDoc, newDoc)
	d.Old, d.New = files[0], files[1]
	if *fleet {
		p, err := newPacer(ff.rate)
		if err != nil {
			return a.fail("diff", err)
		}
		cfg, err := a.awsConfig(ctx)
		if err != nil {
			return a.fail("diff", err)
		}
		plan, err := a.buildPlan(ctx, appclient.New(cognito(cfg, p)), cfg.Region, newB, oldB, ff)
		if err != nil {
			return a.fail("diff", err)
		}
		plan.Candidate, plan.Current = files[1], files[0]
		// Only the clients whose outcome or settings change.
		plan.Clients = slices.DeleteFunc(plan.Clients, func(c PlanClient) bool {
			return c.Before == c.After && len(c.Changes) == 0
		})
		d.Fleet = plan
	}
	if *asJSON {
		writeJSON(a.stdout, d)
		return exitOK
	}
	writeDiff(a.stdout, d)
	return exitOK
}

func diffRules(old, new map[string]json.RawMessage) []RuleChange {
	out := []RuleChange{}
	keys := sortedKeys(old)
	for _, k := range sortedKeys(new) {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		o, n := ruleText(k, old[k]), ruleText(k, new[k])
		switch {
		case old[k] == nil:
			out = append(out, RuleChange{Field: k, Change: "added", After: n})
		case new[k] == nil:
			out = append(out, RuleChange{Field: k, Change: "removed", Before: o})
		case o != n:
			out = append(out, RuleChange{Field: k, Change: "changed", Before: o, After: n})
		}
	}
	return out
}

func diffDocs(o, n *doc) Diff {
	d := Diff{Rules: diffRules(o.Rules, n.Rules), Overrides: []OverrideChange{}, Exemptions: []ExemptionChange{}}

	// Overrides pair up by match, the n-th with a match in OLD with the
	// n-th with the same match in NEW. Order matters (a later override
	// replaces an earlier one), so a pair whose relative order changed is
	// reported as moved.
	key := func(ov []docOverride) []string {
		ks := make([]string, len(ov))
		seen := map[string]int{}
		for i, x := range ov {
			m := x.Match.String()
			ks[i] = fmt.Sprintf("%s#%d", m, seen[m])
			seen[m]++
		}
		return ks
	}
	ok, nk := key(o.Overrides), key(n.Overrides)
	var commonOld, commonNew []string
	for i, k := range nk {
		j := slices.Index(ok, k)
		if j < 0 {
			d.Overrides = append(d.Overrides, OverrideChange{Match: n.Overrides[i].Match.String(), Change: "added", Index: i,
				Rules: diffRules(nil, n.Overrides[i].Rules)})
			continue
		}
		commonNew = append(commonNew, k)
		if rs := diffRules(o.Overrides[j].Rules, n.Overrides[i].Rules); len(rs) > 0 {
			d.Overrides = append(d.Overrides, OverrideChange{Match: n.Overrides[i].Match.String(), Change: "changed", Index: i, Rules: rs})
		}
	}
	for j, k := range ok {
		if slices.Contains(nk, k) {
			commonOld = append(commonOld, k)
			continue
		}
		d.Overrides = append(d.Overrides, OverrideChange{Match: o.Overrides[j].Match.String(), Change: "removed", Index: j,
			Rules: diffRules(o.Overrides[j].Rules, nil)})
	}
	if !slices.Equal(commonOld, commonNew) {
		for i, k := range commonNew {
			if commonOld[i] != k {
				m, _, _ := strings.Cut(k, "#")
				d.Overrides = append(d.Overrides, OverrideChange{Match: m, Change: "moved", Index: slices.Index(nk, k)})
			}
		}
	}

	ekey := func(e docExemption) string {
		f := slices.Clone(e.Fields)
		slices.Sort(f)
		return e.Match.String() + " " + strings.Join(f, ",")
	}
	desc := func(e docExemption) string { return "until " + e.Expires + ": " + e.Reason }
	oldEx := map[string]docExemption{}
	for _, e := range o.Exemptions {
		oldEx[ekey(e)] = e
	}
	newKeys := map[string]bool{}
	for _, e := range n.Exemptions {
		k := ekey(e)
		newKeys[k] = true
		prev, had := oldEx[k]
		switch {
		case !had:
			d.Exemptions = append(d.Exemptions, ExemptionChange{Match: e.Match.String(), Fields: e.Fields, Change: "added", After: desc(e)})
		case desc(prev) != desc(e):
			d.Exemptions = append(d.Exemptions, ExemptionChange{Match: e.Match.String(), Fields: e.Fields, Change: "changed", Before: desc(prev), After: desc(e)})
		}
	}
	for _, e := range o.Exemptions {
		if !newKeys[ekey(e)] {
			d.Exemptions = append(d.Exemptions, ExemptionChange{Match: e.Match.String(), Fields: e.Fields, Change: "removed", Before: desc(e)})
		}
	}
	return d
}

var sign = map[string]string{"added": "+", "removed": "-", "changed": "~", "moved": "^"}

func writeDiff(w io.Writer, d Diff) {
	fmt.Fprintf(w, "Baseline changes from %s to %s\n", d.Old, d.New)
	if len(d.Rules)+len(d.Overrides)+len(d.Exemptions) == 0 {
		fmt.Fprintln(w, "\nNo rule, override or exemption changes.")
	}
	if len(d.Rules) > 0 {
		fmt.Fprintln(w, "\nrules:")
		writeRuleChanges(w, "  ", d.Rules)
	}
	if len(d.Overrides) > 0 {
		fmt.Fprintln(w, "\noverrides:")
		for _, o := range d.Overrides {
			switch o.Change {
			case "moved":
				fmt.Fprintf(w, "  ^ %s moved to position %d (a later override replaces an earlier one)\n", o.Match, o.Index)
			default:
				fmt.Fprintf(w, "  %s %s (overrides[%d]):\n", sign[o.Change], o.Match, o.Index)
				writeRuleChanges(w, "      ", o.Rules)
			}
		}
	}
	if len(d.Exemptions) > 0 {
		fmt.Fprintln(w, "\nexemptions:")
		for _, e := range d.Exemptions {
			fmt.Fprintf(w, "  %s %s fields %s: ", sign[e.Change], e.Match, fieldsOrAll(e.Fields))
			switch e.Change {
			case "added":
				fmt.Fprintln(w, e.After)
			case "removed":
				fmt.Fprintln(w, e.Before)
			default:
				fmt.Fprintf(w, "%s -> %s\n", e.Before, e.After)
			}
		}
	}
	if d.Fleet != nil {
		fmt.Fprintln(w)
		writePlan(w, d.Fleet, "Clients whose outcome or settings change")
	}
}

func writeRuleChanges(w io.Writer, indent string, rs []RuleChange) {
	for _, r := range rs {
		switch r.Change {
		case "added":
			fmt.Fprintf(w, "%s+ %s: %s\n", indent, r.Field, r.After)
		case "removed":
			fmt.Fprintf(w, "%s- %s: %s\n", indent, r.Field, r.Before)
		default:
			fmt.Fprintf(w, "%s~ %s: %s -> %s\n", indent, r.Field, r.Before, r.After)
		}
	}
}
