package policy_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// TestResultsOutliveTheirEvaluation: an evaluation reuses working memory
// (findings, changes, the fixed copy, the lists it reads) and clears it
// when it returns, so a Result must hold none of it. Every fixture is
// evaluated against both example baselines; each Result must be whole when
// returned (no finding or change without its field, no list with an empty
// element, which the fixtures never have) and still marshal the same after
// everything was evaluated again several times, in another order, by both
// entry points.
func TestResultsOutliveTheirEvaluation(t *testing.T) {
	names, err := filepath.Glob("testdata/clients/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var bases []*policy.Baseline
	for _, doc := range []string{"testdata/baseline.json", "testdata/bench-baseline.json"} {
		bases = append(bases, mustParse(t, string(readFile(t, doc))))
	}
	type kept struct {
		name string
		r    policy.Result
		json string
	}
	var first []kept
	for _, b := range bases {
		for _, name := range names {
			r := policy.Evaluate(b, describeFixture(t, filepath.Base(name)), now)
			checkWhole(t, name, r)
			first = append(first, kept{name, r, marshalResult(t, r)})
		}
	}
	for round := range 4 {
		for _, b := range bases {
			for i := range names {
				c := describeFixture(t, filepath.Base(names[len(names)-1-i]))
				r := policy.Evaluate(b, c, now)
				if round%2 == 1 {
					r = b.Resolve(policy.TargetOf(c), now).Evaluate(c)
				}
				if r.Fixed != nil {
					policy.Evaluate(b, r.Fixed, now)
				}
			}
		}
	}
	for _, k := range first {
		if got := marshalResult(t, k.r); got != k.json {
			t.Errorf("%s: the Result changed after later evaluations:\nbefore %s\nafter  %s", k.name, k.json, got)
		}
	}
}

// checkWhole fails when r has a finding or change that a cleared working
// memory would leave behind.
func checkWhole(t *testing.T, name string, r policy.Result) {
	t.Helper()
	var vals []any
	for _, fs := range [][]policy.Finding{r.Findings, r.Exempted} {
		for _, f := range fs {
			if f.Rule == "" || f.Field == "" || f.Required == "" || f.Action == "" {
				t.Errorf("%s: a finding lost its content: %+v", name, f)
			}
			vals = append(vals, f.Current, f.Fix)
		}
	}
	for _, ch := range r.Changes {
		if ch.Field == "" {
			t.Errorf("%s: a change lost its field: %+v", name, ch)
		}
		vals = append(vals, ch.Before, ch.After)
	}
	for _, v := range vals {
		if l, ok := v.([]string); ok && slices.Contains(l, "") {
			t.Errorf("%s: a list holds an empty element: %q", name, l)
		}
	}
	if len(r.Changes) > 0 && (r.Fixed == nil || r.Fixed.ClientId == nil || *r.Fixed.ClientId == "") {
		t.Errorf("%s: changes without a whole Fixed", name)
	}
}

func marshalResult(t *testing.T, r policy.Result) string {
	t.Helper()
	out, err := json.Marshal(struct {
		R      policy.Result
		Secret *string // MarshalJSON leaves the secret out; the copy must still hold it
	}{r, secretOf(r)})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func secretOf(r policy.Result) *string {
	if r.Fixed == nil {
		return nil
	}
	return r.Fixed.ClientSecret
}

// TestEvaluateConcurrently: the reused working memory is per evaluation,
// so evaluations on several goroutines at once (the remediate function
// reconciles several clients of a batch in parallel) give exactly what one
// at a time gives. Run with -race to also check for shared writes.
func TestEvaluateConcurrently(t *testing.T) {
	names, err := filepath.Glob("testdata/clients/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	b := mustParse(t, string(readFile(t, "testdata/baseline.json")))
	want := map[string]string{}
	clients := map[string]*types.UserPoolClientType{}
	for _, name := range names {
		clients[name] = describeFixture(t, filepath.Base(name))
		want[name] = marshalResult(t, policy.Evaluate(b, clients[name], now))
	}
	// The goroutines share each client (Evaluate must not write to it) and
	// call no t.Fatal off the test's goroutine.
	marshal := func(r policy.Result) string {
		out, err := json.Marshal(struct {
			R      policy.Result
			Secret *string
		}{r, secretOf(r)})
		if err != nil {
			return err.Error()
		}
		return string(out)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(names))
	for g := range 8 {
		wg.Go(func() {
			for round := range 20 {
				for i := range names {
					name := names[(i+g+round)%len(names)]
					got := marshal(policy.Evaluate(b, clients[name], now))
					if got != want[name] {
						errs <- fmt.Sprintf("%s on goroutine %d:\n got  %s\n want %s", name, g, got, want[name])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
