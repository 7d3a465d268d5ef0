package policy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden evaluates every fixture against the example
// baseline and compares the findings and changes with testdata/golden.
func TestGolden(t *testing.T) {
	b := mustParse(t, string(readFile(t, "testdata/baseline.json")))
	names, err := filepath.Glob("testdata/clients/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, name := range names {
		base := filepath.Base(name)
		t.Run(strings.TrimSuffix(base, ".json"), func(t *testing.T) {
			r := policy.Evaluate(b, describeFixture(t, base), now)
			got, err := json.MarshalIndent(struct {
				Findings   []policy.Finding         `json:"findings"`
				Exempted   []policy.Finding         `json:"exempted"`
				Overrides  []policy.AppliedOverride `json:"overrides"`
				Exemptions []policy.Exemption       `json:"exemptions"`
				Changes    []policy.Change          `json:"changes"`
			}{r.Findings, r.Exempted, r.Overrides, r.Exemptions, r.Changes}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", base)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if diff := diff.Diff(string(readFile(t, golden)), string(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// TestSecretNeverInResult: the secret is in the described client and in
// Fixed (a copy), but never in a finding, a change or the JSON of a Result.
func TestSecretNeverInResult(t *testing.T) {
	b := mustParse(t, string(readFile(t, "testdata/baseline.json")))
	for _, name := range []string{"web-portal-drift.json", "machine-client.json"} {
		c := describeFixture(t, name)
		secret := *c.ClientSecret
		r := policy.Evaluate(b, c, now)
		if r.Fixed == nil || r.Fixed.ClientSecret == nil || *r.Fixed.ClientSecret != secret {
			t.Fatalf("%s: Fixed should be a copy of the described client, secret included", name)
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("%s: the secret is in the Result JSON", name)
		}
		if !bytes.Contains(out, []byte(`"Fixed":{`)) || r.Fixed.ClientSecret == nil {
			t.Errorf("%s: MarshalJSON must keep Fixed and leave the caller's Fixed alone: %s", name, out)
		}
	}
}

// TestDeepCopyCoversEveryField fills every field of a described client
// through reflection and checks that Fixed shares no pointer or slice with
// it, so a new SDK field cannot be aliased silently.
func TestDeepCopyCoversEveryField(t *testing.T) {
	c := &types.UserPoolClientType{}
	fill(reflect.ValueOf(c).Elem())
	c.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	b := mustParse(t, rulesDoc(`"ExplicitAuthFlows": {"forbid": ["ALLOW_USER_PASSWORD_AUTH"]}`))
	r := policy.Evaluate(b, c, now)
	if r.Fixed == nil {
		t.Fatal("no Fixed")
	}
	orig, cp := reflect.ValueOf(c).Elem(), reflect.ValueOf(r.Fixed).Elem()
	for i := 0; i < orig.NumField(); i++ {
		name := orig.Type().Field(i).Name
		if !orig.Type().Field(i).IsExported() {
			continue
		}
		assertNotShared(t, name, orig.Field(i), cp.Field(i))
	}
}

func assertNotShared(t *testing.T, name string, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer:
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: Fixed shares the pointer with the described client", name)
		}
		if a.Elem().Kind() == reflect.Struct {
			for i := 0; i < a.Elem().NumField(); i++ {
				if a.Elem().Type().Field(i).IsExported() {
					assertNotShared(t, name+"."+a.Elem().Type().Field(i).Name, a.Elem().Field(i), b.Elem().Field(i))
				}
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && b.Len() > 0 && a.Index(0).Addr().Pointer() == b.Index(0).Addr().Pointer() {
			t.Errorf("%s: Fixed shares the slice with the described client", name)
		}
	}
}

// fill sets every exported field to a non-zero value.
func fill(v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		if !v.Type().Field(i).IsExported() {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
			if f.Elem().Kind() == reflect.Struct && f.Type().Elem().String() != "time.Time" {
				fill(f.Elem())
			} else {
				setScalar(f.Elem())
			}
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			setScalar(f.Index(0))
		default:
			setScalar(f)
		}
	}
}

func setScalar(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int32, reflect.Int64, reflect.Int:
		v.SetInt(1)
	}
}
