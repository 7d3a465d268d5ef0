package templatetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The StackSet checks. Service-managed StackSets refuse templates that use macros, the
// AWS::Serverless transform included (CreateStackSet, Capabilities:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html), so a
// StackSet gets template.yaml as CloudFormation processes it (README "Every account of an
// organisation"). These tests build that processed template here with aws-sam-translator, the
// library behind the transform (cfn-lint's own dependency), from template.yaml packaged the way
// `sam package` leaves it, and check it.

// samTransform translates a packaged SAM template (stdin, JSON) and prints it with, for each resource
// type it uses, the properties that name the resource: create-only, settable, ending in "Name" (from
// cfn-lint's copy of the CloudFormation resource schemas).
const samTransform = `
import json, os, sys
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
from samtranslator.translator.translator import Translator
from samtranslator.parser.parser import Parser
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as m
out = Translator(managed_policy_map={}, sam_parser=Parser()).translate(
    sam_template=json.load(sys.stdin), parameter_values={}, passthrough_metadata=False)
names = {}
for r in out["Resources"].values():
    t = r["Type"]
    if t in names:
        continue
    s = m.get_resource_schema("us-east-1", t).schema
    ro = {p.split("/")[-1] for p in s.get("readOnlyProperties", [])}
    names[t] = sorted(p.split("/")[-1] for p in s.get("createOnlyProperties", [])
                      if p.count("/") == 2 and p.endswith("Name") and p.split("/")[-1] not in ro)
print(json.dumps({"template": out, "nameProperties": names}))
`

// packagedCodeURI stands in for the S3 location `sam package` writes into CodeUri.
const packagedCodeURI = "s3://cognito-guard-artifacts-111111111111-us-east-1/cognito-guard/0123456789abcdef"

// processed returns template.yaml as the AWS::Serverless transform leaves it, and the name
// properties of each resource type in it.
func processed(t *testing.T) (map[string]any, map[string][]string) {
	t.Helper()
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		unavailable(t, "cfn-lint", `pip install "cfn-lint==1.51.*" (it brings aws-sam-translator)`)
	}
	// One translation per test binary; each caller gets its own copy to edit.
	transformOnce.Do(func() {
		_, tmpl := loadTemplate(t)
		packageLocal(tmpl)
		in, err := json.Marshal(tmpl)
		if err != nil {
			transformErr = err.Error()
			return
		}
		var errs []string
		for _, py := range []string{"python3", "/usr/bin/python3"} {
			cmd := exec.Command(py, "-c", samTransform)
			cmd.Stdin = bytes.NewReader(in)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if transformOut, err = cmd.Output(); err == nil {
				return
			}
			errs = append(errs, fmt.Sprintf("%s: %v: %s", py, err, lastLine(stderr.String())))
		}
		transformErr = strings.Join(errs, "; ")
	})
	if transformErr != "" {
		t.Skipf("SKIPPED: cfn-lint is installed but no python3 here runs aws-sam-translator with it (%s)", transformErr)
	}
	out := transformOut
	var res struct {
		Template       map[string]any      `json:"template"`
		NameProperties map[string][]string `json:"nameProperties"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("aws-sam-translator printed %.200q: %v", out, err)
	}
	return res.Template, res.NameProperties
}

// packagedURIs are the properties `sam package` uploads and replaces with an S3 location, by SAM
// resource type (Globals.Function counts as a function).
var packagedURIs = map[string]string{
	"AWS::Serverless::Function":     "CodeUri",
	"AWS::Serverless::LayerVersion": "ContentUri",
	"AWS::Serverless::StateMachine": "DefinitionUri",
	"AWS::Serverless::Api":          "DefinitionUri",
	"AWS::Serverless::HttpApi":      "DefinitionUri",
}

// packageLocal does what `sam package` does to tmpl's local paths: each becomes an S3 URI.
func packageLocal(tmpl map[string]any) {
	local := func(props map[string]any, prop string) {
		if v, ok := props[prop].(string); ok && !strings.HasPrefix(v, "s3://") {
			props[prop] = packagedCodeURI
			if prop != "CodeUri" && prop != "ContentUri" {
				props[prop] = strings.TrimSuffix(packagedCodeURI, "/0123456789abcdef") + "/" + filepath.Base(v)
			}
		}
	}
	if g, ok := dig0(tmpl, "Globals", "Function").(map[string]any); ok {
		local(g, "CodeUri")
	}
	resources, _ := tmpl["Resources"].(map[string]any)
	for _, r := range resources {
		r, _ := r.(map[string]any)
		typ, _ := r["Type"].(string)
		if props, ok := r["Properties"].(map[string]any); ok && packagedURIs[typ] != "" {
			local(props, packagedURIs[typ])
		}
	}
}

var (
	transformOnce sync.Once
	transformOut  []byte
	transformErr  string
)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// nameProblems lists every resource of a processed template that sets one of its name properties to
// a value that two stacks could share: two stack instances (other accounts or Regions, or a second
// stack in one account and Region) would then fight over one name, or fail to create. A name is
// unique when it is derived from the stack name, from a resource of the same stack (its Ref or an
// attribute: the function's own log group), or from both the account ID and the Region; a literal,
// a parameter or only one of account and Region is not. Under Fn::If both branches must be unique.
func nameProblems(tmpl map[string]any, names map[string][]string) []string {
	resources, _ := tmpl["Resources"].(map[string]any)
	var problems []string
	for _, id := range sortedKeys(resources) {
		r, _ := resources[id].(map[string]any)
		typ, _ := r["Type"].(string)
		props, _ := r["Properties"].(map[string]any)
		known, ok := names[typ]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no name properties known for %s", id, typ))
			continue
		}
		for _, p := range known {
			if v, set := props[p]; set && !uniqueName(v, resources) {
				problems = append(problems, fmt.Sprintf("%s: %s %s is the same in every stack", id, p, compact(v)))
			}
		}
	}
	return problems
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func uniqueName(v any, resources map[string]any) bool {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if branches, ok := m["Fn::If"].([]any); ok && len(branches) == 3 {
			return uniqueBranch(branches[1], resources) && uniqueBranch(branches[2], resources)
		}
	}
	seen := map[string]bool{}
	nameTokens(v, resources, seen)
	return seen["stack"] || seen["resource"] || (seen["AWS::AccountId"] && seen["AWS::Region"])
}

func uniqueBranch(v any, resources map[string]any) bool {
	if m, ok := v.(map[string]any); ok && m["Ref"] == "AWS::NoValue" {
		return true // the property is left out: CloudFormation generates the name
	}
	return uniqueName(v, resources)
}

var subRef = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// nameTokens records what a name is built from: "stack" (AWS::StackName), "resource" (a resource of
// the template), AWS::AccountId, AWS::Region.
func nameTokens(v any, resources map[string]any, seen map[string]bool) {
	ref := func(name string) {
		name, _, _ = strings.Cut(name, ".")
		switch {
		case name == "AWS::StackName" || name == "AWS::StackId":
			seen["stack"] = true
		case name == "AWS::AccountId" || name == "AWS::Region":
			seen[name] = true
		case resources[name] != nil:
			seen["resource"] = true
		}
	}
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			nameTokens(x, resources, seen)
		}
	case map[string]any:
		for k, x := range v {
			switch k {
			case "Ref":
				if s, ok := x.(string); ok {
					ref(s)
				}
			case "Fn::GetAtt":
				switch a := x.(type) {
				case string:
					ref(a)
				case []any:
					if len(a) > 0 {
						if s, ok := a[0].(string); ok {
							ref(s)
						}
					}
				}
			case "Fn::Sub":
				var str string
				var vars map[string]any
				switch a := x.(type) {
				case string:
					str = a
				case []any:
					if len(a) == 2 {
						str, _ = a[0].(string)
						vars, _ = a[1].(map[string]any)
					}
				}
				for _, m := range subRef.FindAllStringSubmatch(str, -1) {
					if val, ok := vars[m[1]]; ok {
						nameTokens(val, resources, seen)
					} else {
						ref(m[1])
					}
				}
			default:
				nameTokens(x, resources, seen)
			}
		}
	}
}

// TestStackSetNames: nothing in the processed template is named the same in every stack instance.
func TestStackSetNames(t *testing.T) {
	t.Parallel() // python and aws-sam-translator take a second
	tmpl, names := processed(t)
	if diff := cmp.Diff([]string(nil), nameProblems(tmpl, names)); diff != "" {
		t.Errorf("processed template.yaml (-want +got):\n%s", diff)
	}
	// The check must catch each kind of fixed name, on the same processed template.
	set := func(id, prop string, v any) {
		tmpl["Resources"].(map[string]any)[id].(map[string]any)["Properties"].(map[string]any)[prop] = v
	}
	set("RemediateFailureQueue", "QueueName", "cognito-guard-failures")
	set("AuditFunctionRole", "RoleName", map[string]any{"Ref": "BaselineParameterName"})
	set("AuditErrorsAlarm", "AlarmName", map[string]any{"Fn::Sub": "cognito-guard-audit-${AWS::Region}"})
	set("RemediateErrorsAlarm", "AlarmName", map[string]any{"Fn::If": []any{"HasAlarmTopic", map[string]any{"Fn::Sub": "${AWS::StackName}-remediate"}, "remediate"}})
	// ... and accept the derived ones.
	set("RemediateFunctionRole", "RoleName", map[string]any{"Fn::Sub": "cognito-guard-${AWS::AccountId}-${AWS::Region}"})
	set("RemediateFunctionClientChange", "Name", map[string]any{"Fn::Join": []any{"-", []any{map[string]any{"Ref": "AWS::StackName"}, "client-change"}}})
	set("UnknownMembersAlarm", "AlarmName", map[string]any{"Fn::Sub": []any{"${Fn}-unknown", map[string]any{"Fn": map[string]any{"Ref": "AuditFunction"}}}})
	want := []string{
		`AuditErrorsAlarm: AlarmName {"Fn::Sub":"cognito-guard-audit-${AWS::Region}"} is the same in every stack`,
		`AuditFunctionRole: RoleName {"Ref":"BaselineParameterName"} is the same in every stack`,
		`RemediateErrorsAlarm: AlarmName {"Fn::If":["HasAlarmTopic",{"Fn::Sub":"${AWS::StackName}-remediate"},"remediate"]} is the same in every stack`,
		`RemediateFailureQueue: QueueName "cognito-guard-failures" is the same in every stack`,
	}
	if diff := cmp.Diff(want, nameProblems(tmpl, names)); diff != "" {
		t.Errorf("edited processed template (-want +got):\n%s", diff)
	}
}

// stacksetJQ finds the README's command that points each function's code at the artifact bucket of
// the Region the stack instance is in (Lambda reads code only from a bucket in its own Region).
var stacksetJQ = regexp.MustCompile(`jq --arg b "\$ARTIFACTS" '([^']+)' processed\.json > stackset\.json`)

// TestStackSetTemplate runs the README's rewrite of the processed template and cfn-lint on the result,
// the template a StackSet is given: no transform left, and every function's code in the artifact
// bucket of the stack instance's Region.
func TestStackSetTemplate(t *testing.T) {
	t.Parallel()
	root, _ := loadTemplate(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := stacksetJQ.FindSubmatch(readme)
	if m == nil {
		t.Fatalf("README.md has no %s", stacksetJQ)
	}
	jq, err := exec.LookPath("jq")
	if err != nil {
		unavailable(t, "jq", "apt-get install jq")
	}
	tmpl, _ := processed(t)
	dir := t.TempDir()
	data, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("Fn::Transform")) || tmpl["Transform"] != nil {
		t.Fatalf("the processed template still uses a transform: %v", tmpl["Transform"])
	}
	if err := os.WriteFile(filepath.Join(dir, "processed.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	const prefix = "cognito-guard-artifacts-111111111111"
	cmd := exec.Command(jq, "--arg", "b", prefix, string(m[1]), "processed.json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq %s: %v", m[1], err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stackset.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	var stackset map[string]any
	if err := json.Unmarshal(out, &stackset); err != nil {
		t.Fatal(err)
	}
	var code []string
	for _, id := range sortedKeys(stackset["Resources"].(map[string]any)) {
		r := stackset["Resources"].(map[string]any)[id].(map[string]any)
		if r["Type"] == "AWS::Lambda::Function" {
			code = append(code, id+" "+compact(r["Properties"].(map[string]any)["Code"]))
		}
	}
	key := strings.SplitN(strings.TrimPrefix(packagedCodeURI, "s3://"), "/", 2)[1]
	var want []string
	for _, fn := range []string{"AuditFunction", "RemediateFunction"} {
		want = append(want, fn+` {"S3Bucket":{"Fn::Sub":"`+prefix+`-${AWS::Region}"},"S3Key":"`+key+`"}`)
	}
	sort.Strings(code)
	if diff := cmp.Diff(want, code); diff != "" {
		t.Errorf("function code after the README's jq (-want +got):\n%s", diff)
	}
	lint := exec.Command("cfn-lint", "--regions", "us-east-1", "eu-west-1", "--", "stackset.json")
	lint.Dir = dir
	if out, err := lint.CombinedOutput(); err != nil {
		t.Errorf("cfn-lint stackset.json: %v\n%s", err, out)
	}
}
