package policy_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// TestSchemaUpToDate: the checked-in baseline.schema.json is what Schema
// generates from the field and form tables; regenerate with -update.
func TestSchemaUpToDate(t *testing.T) {
	got := policy.Schema()
	if *update {
		if err := os.WriteFile("baseline.schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if diff := diff.Diff(string(readFile(t, "baseline.schema.json")), string(got)); diff != "" {
		t.Errorf("baseline.schema.json is stale; run go test ./pkg/policy -run TestSchemaUpToDate -update (-want +got):\n%s", diff)
	}
}

// TestSchemaAgreesWithParse: for every field the schema lists and every form
// key, the schema offers the form exactly when Parse lets the field take it.
func TestSchemaAgreesWithParse(t *testing.T) {
	var doc struct {
		Properties struct {
			Rules struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"rules"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(policy.Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	rules := doc.Properties.Rules.Properties
	if len(rules) < 20 {
		t.Fatalf("schema lists %d fields", len(rules))
	}
	forms := []string{"equals", "min", "max", "require", "forbid", "allow", "requireHttps", "pattern"}
	for field, raw := range rules {
		var rule struct {
			AnyOf      []json.RawMessage          `json:"anyOf"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(raw, &rule); err != nil {
			t.Fatal(err)
		}
		if len(rule.AnyOf) > 0 { // a bare value or a rule object
			if err := json.Unmarshal(rule.AnyOf[len(rule.AnyOf)-1], &rule); err != nil {
				t.Fatal(err)
			}
		}
		for _, form := range forms {
			_, inSchema := rule.Properties[form]
			_, err := policy.Parse([]byte(`{"version": 1, "rules": {"` + field + `": {"` + form + `": {}}}}`))
			fits := err == nil || !strings.Contains(err.Error(), "does not fit")
			if inSchema != fits {
				t.Errorf("%s.%s: in schema %v, Parse accepts the form %v", field, form, inSchema, fits)
			}
		}
	}
}

// TestExamplesNameTheSchema: the example baselines carry "$schema", and
// Parse accepts it.
func TestExamplesNameTheSchema(t *testing.T) {
	for _, name := range []string{"testdata/baseline.json", "../../events/baseline.json"} {
		data := readFile(t, name)
		var top map[string]any
		if err := json.Unmarshal(data, &top); err != nil {
			t.Fatal(err)
		}
		if top["$schema"] != policy.SchemaID {
			t.Errorf("%s: $schema = %v, want %s", name, top["$schema"], policy.SchemaID)
		}
		if _, err := policy.Parse(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := policy.Parse([]byte(`{"$schema": 1, "version": 1}`)); err == nil ||
		!slices.ContainsFunc(err.(*policy.ValidationError).Problems, func(p policy.Problem) bool { return p.Path == "$schema" }) {
		t.Errorf("a non-string $schema is accepted: %v", err)
	}
}
