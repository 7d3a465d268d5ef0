package templatetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

func loadTemplate(t *testing.T) (root string, tmpl map[string]any) {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err = Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return root, tmpl
}

// unavailable handles an external checker that is not installed: skip locally; under CI=true
// fail, unless .ci/run tried to install it, could not, and said so in CHECKERS_UNAVAILABLE.
func unavailable(t *testing.T, checker, install string) {
	t.Helper()
	if os.Getenv("CI") == "true" && !strings.Contains(" "+os.Getenv("CHECKERS_UNAVAILABLE")+" ", " "+checker+" ") {
		t.Fatalf("%s is not available (CI=true, and .ci/run did not declare it in CHECKERS_UNAVAILABLE): %s", checker, install)
	}
	t.Skipf("SKIPPED external checker %s: not available (%s)", checker, install)
}

// dig walks nested maps.
func dig(t *testing.T, v any, path ...string) any {
	t.Helper()
	for i, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s is not a map", strings.Join(path[:i], "."))
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("template has no %s", strings.Join(path[:i+1], "."))
		}
	}
	return v
}

func TestLoadRejectsShortForms(t *testing.T) {
	tests := []struct {
		yaml    string
		wantErr bool
	}{
		{"Value: !Ref Bucket\n", true},
		{"Value: [!GetAtt Role.Arn]\n", true},
		{"Value:\n  - !If [Cond, a, b]\n", true},
		{"Value: {\"Ref\": Bucket} # not !Ref\n", false},
		{"Value: \"a!Ref\"\n", false},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "t.yaml")
		if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if (err != nil) != tt.wantErr {
			t.Errorf("Load(%q) error = %v, wantErr %v", tt.yaml, err, tt.wantErr)
		}
	}
}

func TestCfnLint(t *testing.T) {
	t.Parallel() // waits on the cfn-lint worker
	root, _ := loadTemplate(t)
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		unavailable(t, "cfn-lint", `pip install "cfn-lint==1.51.*"; Debian 12 has no package`)
	}

	// The same run (same configuration, .cfnlintrc included) must notice a broken template, or a
	// clean run proves nothing. The broken one is a single SAM function, not a copy of the whole
	// template: a second transform and lint of template.yaml cost ~0.7 s of CPU and prove no more.
	broken := filepath.Join(t.TempDir(), "template.yaml")
	if err := os.WriteFile(broken, []byte(brokenTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	found := lintFiles(t, root, "template.yaml", broken)
	if m := found["template.yaml"]; len(m) > 0 {
		t.Errorf("cfn-lint template.yaml:\n%s", lintReport(m))
	}
	if len(found[broken]) == 0 {
		t.Errorf("cfn-lint accepted MaximumRetryAttempts: 7 (Lambda allows 0-2)")
	}
}

// brokenTemplate breaks one rule: Lambda allows 0-2 retries of an asynchronous invoke
// (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html).
const brokenTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Function:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      CodeUri: s3://bucket/key
      EventInvokeConfig:
        MaximumRetryAttempts: 7
`

func lintReport(ms []lintMatch) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintln(&b, m)
	}
	return b.String()
}

// notServerless stands in for the SAM schema's one pattern Go's RE2 engine cannot compile,
// "^(?!AWS::Serverless::).+$" (a negative lookahead: resource types that are not SAM's own). It is
// not accepted blindly: this is an exact translation.
type notServerless struct{}

const notServerlessPattern = "^(?!AWS::Serverless::).+$"

func (notServerless) String() string { return notServerlessPattern }
func (notServerless) MatchString(s string) bool {
	return s != "" && !strings.ContainsRune(s, '\n') && !strings.HasPrefix(s, "AWS::Serverless::")
}

func TestNotServerlessPattern(t *testing.T) {
	for s, want := range map[string]bool{
		"AWS::SQS::Queue": true, "AWS::Serverless::Function": false, "": false, "AWS::Serverless": true, "a\nb": false,
	} {
		if got := (notServerless{}).MatchString(s); got != want {
			t.Errorf("MatchString(%q) = %v, want %v", s, got, want)
		}
	}
}

// samSchemaPath is the repository's copy of the official SAM JSON schema (source, commit and
// licence in testdata/sam.schema.NOTICE).
const samSchemaPath = "testdata/sam.schema.json"

func compileSAMSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path, err := filepath.Abs(samSchemaPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the SAM schema ships with the repository: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		re, err := regexp.Compile(s)
		if err == nil {
			return re, nil
		}
		if s == notServerlessPattern {
			return notServerless{}, nil
		}
		return nil, err // any other unsupported pattern fails the test rather than passing silently
	})
	if err := c.AddResource(path, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	return sch
}

func TestSAMSchema(t *testing.T) {
	root, _ := loadTemplate(t)
	sch := compileSAMSchema(t)
	data, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		edit    func(map[string]any)
		wantErr bool
	}{
		{name: "template.yaml as written", edit: func(map[string]any) {}},
		{
			name:    "unknown function property",
			edit:    func(m map[string]any) { fnProps(m, "RemediateFunction")["CodeUrl"] = "." },
			wantErr: true,
		},
		{
			name: "event without a type",
			edit: func(m map[string]any) {
				delete(fnProps(m, "AuditSweep")["Events"].(map[string]any)["Schedule"].(map[string]any), "Type")
			},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := yaml.YAMLToJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(inst.(map[string]any))
			err = sch.Validate(inst)
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate: %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func fnProps(tmpl map[string]any, fn string) map[string]any {
	return tmpl["Resources"].(map[string]any)[fn].(map[string]any)["Properties"].(map[string]any)
}

func TestFunctionsFollowSAMContract(t *testing.T) {
	root, tmpl := loadTemplate(t)
	globals := dig(t, tmpl, "Globals", "Function").(map[string]any)
	want := map[string]any{"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"}, "CodeUri": "."}
	for k, v := range want {
		if got, _ := json.Marshal(globals[k]); string(got) != mustJSON(t, v) {
			t.Errorf("Globals.Function.%s = %s, want %s", k, got, mustJSON(t, v))
		}
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"RemediateFunction", "AuditFunction"} {
		if got := dig(t, tmpl, "Resources", fn, "Metadata", "BuildMethod"); got != "makefile" {
			t.Errorf("%s BuildMethod = %v, want makefile", fn, got)
		}
		if !regexp.MustCompile(`(?m)^build-` + fn + `:`).Match(makefile) {
			t.Errorf("Makefile has no build-%s target (sam build calls it)", fn)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
