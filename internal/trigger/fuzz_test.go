package trigger_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/trigger"
)

// FuzzParse checks Parse's contract on any input: no panic; an error or a
// valid Request, never both; a skip always says why; the same input gives
// the same answer; and a Request replays as a manual payload to the same
// client (what an operator does to redrive an event by hand).
//
// Seeds: testdata/fuzz/FuzzParse (every events/ file, kept current by
// TestFuzzCorpus) and the inputs of TestParse; plain `go test` runs them all.
// Explore with: go test ./internal/trigger -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases(f) {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := trigger.Parse(raw)
		if err != nil {
			if r != (trigger.Request{}) {
				t.Fatalf("Parse returned both %+v and %v", r, err)
			}
			var s *trigger.SkipError
			if errors.As(err, &s) && s.Reason == "" {
				t.Fatal("skip without a reason")
			}
			if err.Error() == "" {
				t.Fatal("error without a message")
			}
		} else if verr := r.Validate(); verr != nil {
			t.Fatalf("Parse returned an invalid request %+v: %v", r, verr)
		}

		r2, err2 := trigger.Parse(raw)
		if diff := diff.Diff(classify(r, err), classify(r2, err2)); diff != "" {
			t.Fatalf("Parse is not deterministic (-first +second):\n%s", diff)
		}
		if err != nil {
			return
		}

		manual, merr := json.Marshal(map[string]string{"userPoolId": r.UserPoolID, "clientId": r.ClientID})
		if merr != nil {
			t.Fatal(merr)
		}
		m, err := trigger.Parse(manual)
		want := trigger.Request{UserPoolID: r.UserPoolID, ClientID: r.ClientID, Source: trigger.SourceManual}
		if err != nil || m != want {
			t.Fatalf("replaying %+v as %s gave %+v, %v", r, manual, m, err)
		}
	})
}
