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
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// The StackSet checks. Service-managed StackSets refuse templates that use macros, the
// AWS::Serverless transform included (CreateStackSet, Capabilities:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html), so a
// StackSet gets template.yaml as CloudFormation processes it (README "Every account of an
// organisation"). These tests build that processed template here with aws-sam-translator, the
// library behind the transform (cfn-lint's own dependency), from template.yaml packaged the way
// `sam package` leaves it, and check it.

// packagedCodeURI stands in for the S3 location `sam package` writes into CodeUri.
const packagedCodeURI = "s3://cognito-guard-artifacts-111111111111-us-east-1/cognito-guard/0123456789abcdef"

// processed returns template.yaml as the AWS::Serverless transform leaves it, and the name
// properties of each resource type in it (from cfn-lint's copy of the CloudFormation resource
// schemas). The cfn-lint worker translates it once, first thing (cfnlintWorker); each caller gets
// its own copy to edit.
func processed(t *testing.T) (map[string]any, map[string][]string) {
	t.Helper()
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		unavailable(t, "cfn-lint", `pip install "cfn-lint==1.51.*" (it brings aws-sam-translator)`)
	}
	if _, why := cfnlintWorker(); why != "" {
		t.Skipf("SKIPPED: cfn-lint is installed but no python3 here runs aws-sam-translator with it (%s)", why)
	}
	<-transformDone
	if transformMissing != "" {
		t.Skipf("SKIPPED: cfn-lint is installed but no python3 here runs aws-sam-translator with it (%s)", transformMissing)
	}
	if transformErr != nil {
		t.Fatalf("aws-sam-translator on template.yaml: %v", transformErr)
	}
	var res struct {
		Template       map[string]any      `json:"template"`
		NameProperties map[string][]string `json:"nameProperties"`
	}
	if err := json.Unmarshal(transformOut, &res); err != nil {
		t.Fatalf("aws-sam-translator printed %.200q: %v", transformOut, err)
	}
	return res.Template, res.NameProperties
}

var (
	transformDone    = make(chan struct{}) // closed when the translation below is done
	transformOut     []byte
	transformMissing string // why aws-sam-translator cannot be imported
	transformErr     error
)

// transform has w, whose lock the caller holds, translate template.yaml packaged the way `sam
// package` leaves it.
func transform(w *worker) {
	defer close(transformDone)
	root, err := Root()
	if err != nil {
		transformErr = err
		return
	}
	tmpl, err := Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		transformErr = err
		return
	}
	packageLocal(tmpl)
	var res struct {
		Missing string
		Result  json.RawMessage
	}
	if transformErr = w.callLocked(map[string]any{"op": "transform", "template": tmpl}, &res); transformErr == nil {
		transformMissing, transformOut = res.Missing, res.Result
	}
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

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// scopedNames are name properties that need only be unique within a parent resource, named by the
// property that refers to it: an inline policy's name is unique per role ("the inline policy name
// must be unique within the role", https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html).
var scopedNames = map[string]string{
	"AWS::IAM::RolePolicy.PolicyName": "RoleName",
}

// isParentRef reports whether prop of typ refers to the parent of a scoped name (RolePolicy's
// RoleName names an existing role, it creates none).
func isParentRef(typ, prop string) bool {
	for k, parent := range scopedNames {
		if parent == prop && strings.HasPrefix(k, typ+".") {
			return true
		}
	}
	return false
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
			if isParentRef(typ, p) {
				continue // names the parent, checked with the scoped name below
			}
			if parent := scopedNames[typ+"."+p]; parent != "" {
				// Unique within its parent, which must itself be of this stack.
				if v, set := props[parent]; set && !uniqueName(v, resources) {
					problems = append(problems, fmt.Sprintf("%s: %s is scoped to %s %s, which is the same in every stack", id, p, parent, compact(v)))
				}
				continue
			}
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
	if diff := diff.Diff([]string(nil), nameProblems(tmpl, names)); diff != "" {
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
	set("AuditSweepListExecutions", "RoleName", "cognito-guard-sweep") // its fixed PolicyName is then shared
	// ... and accept the derived ones.
	set("RemediateFunctionRole", "RoleName", map[string]any{"Fn::Sub": "cognito-guard-${AWS::AccountId}-${AWS::Region}"})
	set("ClientChangeRule", "Name", map[string]any{"Fn::Join": []any{"-", []any{map[string]any{"Ref": "AWS::StackName"}, "client-change"}}})
	set("UnknownMembersAlarm", "AlarmName", map[string]any{"Fn::Sub": []any{"${Fn}-unknown", map[string]any{"Fn": map[string]any{"Ref": "AuditFunction"}}}})
	want := []string{
		`AuditErrorsAlarm: AlarmName {"Fn::Sub":"cognito-guard-audit-${AWS::Region}"} is the same in every stack`,
		`AuditFunctionRole: RoleName {"Ref":"BaselineParameterName"} is the same in every stack`,
		`AuditSweepListExecutions: PolicyName is scoped to RoleName "cognito-guard-sweep", which is the same in every stack`,
		`RemediateErrorsAlarm: AlarmName {"Fn::If":["HasAlarmTopic",{"Fn::Sub":"${AWS::StackName}-remediate"},"remediate"]} is the same in every stack`,
		`RemediateFailureQueue: QueueName "cognito-guard-failures" is the same in every stack`,
	}
	if diff := diff.Diff(want, nameProblems(tmpl, names)); diff != "" {
		t.Errorf("edited processed template (-want +got):\n%s", diff)
	}
}

// stacksetJQ finds the README's command that points each function's code at the artifact bucket of
// the Region the stack instance is in (Lambda reads code only from a bucket in its own Region).
var stacksetJQ = regexp.MustCompile(`jq --arg b "\$ARTIFACTS" '([^']+)' processed\.json > stackset\.json`)

// artifactPrefix is $ARTIFACTS in the README's commands.
const artifactPrefix = "cognito-guard-artifacts-111111111111"

// readmeCommand finds a jq command of the README and returns its filter.
func readmeCommand(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	root, _ := loadTemplate(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := re.FindSubmatch(readme)
	if m == nil {
		t.Fatalf("README.md has no %s", re)
	}
	return string(m[1])
}

func jqPath(t *testing.T) string {
	t.Helper()
	jq, err := exec.LookPath("jq")
	if err != nil {
		unavailable(t, "jq", "apt-get install jq")
	}
	return jq
}

// stacksetTemplate writes processed.json (template.yaml processed) into a new directory, runs the
// README's jq rewrite on it as the README does, and returns the directory and stackset.json.
func stacksetTemplate(t *testing.T) (dir string, stackset []byte) {
	t.Helper()
	filter := readmeCommand(t, stacksetJQ)
	jq := jqPath(t)
	tmpl, _ := processed(t)
	dir = t.TempDir()
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
	cmd := exec.Command(jq, "--arg", "b", artifactPrefix, filter, "processed.json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("jq %s: %v", filter, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stackset.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, out
}

// TestStackSetTemplate runs the README's rewrite of the processed template and cfn-lint on the result,
// the template a StackSet is given: no transform left, and every function's code in the artifact
// bucket of the stack instance's Region.
func TestStackSetTemplate(t *testing.T) {
	t.Parallel()
	dir, out := stacksetTemplate(t)
	const prefix = artifactPrefix
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
	if diff := diff.Diff(want, code); diff != "" {
		t.Errorf("function code after the README's jq (-want +got):\n%s", diff)
	}
	if res := cfnLint(t, dir, "--regions", "us-east-1", "eu-west-1", "--", "stackset.json"); res.Code != 0 {
		t.Errorf("cfn-lint stackset.json: exit status %d\n%s", res.Code, res.Output)
	}
}

// stacksetParamsJQ finds the README's command that writes the StackSet's parameter file.
var stacksetParamsJQ = regexp.MustCompile(`jq -n --rawfile doc events/baseline\.json '([^']+)' > stackset-params\.json`)

// TestStackSetRollout rolls the StackSet out in moto with the README's templates and parameters: in
// two accounts of an organisational unit and two Regions, every stack instance succeeds, each has
// its two functions reading the baseline passed as BaselineDocument from a parameter of its own and
// a rule forwarding to the central bus; IAM role names (global in an account) never repeat. The same
// rollout with a fixed role name fails on the second Region, so the check can fail. moto does not
// model IAM evaluation, the StackSets execution roles, or the transform; it skips resource types it
// does not know (alarms, queue policy, Lambda event invoke config).
func TestStackSetRollout(t *testing.T) {
	t.Parallel()
	moto := motoWorker(t)
	// Its imports run while the template is translated.
	if err := moto.call(map[string]any{"op": "prepare"}, &struct{}{}); err != nil {
		t.Fatalf("moto worker: %v", err)
	}
	root, _ := loadTemplate(t)
	_, stackset := stacksetTemplate(t)
	cmd := exec.Command(jqPath(t), "-n", "--rawfile", "doc", "events/baseline.json", readmeCommand(t, stacksetParamsJQ))
	cmd.Dir = root
	paramsJSON, err := cmd.Output()
	if err != nil {
		t.Fatalf("the README's jq for stackset-params.json: %v", err)
	}
	var params []map[string]string
	if err := json.Unmarshal(paramsJSON, &params); err != nil {
		t.Fatal(err)
	}
	byKey := map[string]string{}
	for _, p := range params {
		byKey[p["ParameterKey"]] = p["ParameterValue"]
	}
	var fixed map[string]any
	if err := json.Unmarshal(stackset, &fixed); err != nil {
		t.Fatal(err)
	}
	resource(fixed, "AuditFunctionRole")["Properties"].(map[string]any)["RoleName"] = "cognito-guard-audit"
	fixedJSON, err := json.Marshal(fixed)
	if err != nil {
		t.Fatal(err)
	}
	job := map[string]any{
		"template": string(stackset), "fixedNameTemplate": string(fixedJSON), "parameters": params,
		"prefix": artifactPrefix, "key": strings.SplitN(strings.TrimPrefix(packagedCodeURI, "s3://"), "/", 2)[1],
	}
	// The rollout and what it checks: testdata/moto_worker.py.
	var res struct{ Result json.RawMessage }
	if err := moto.call(map[string]any{"op": "rollout", "job": job}, &res); err != nil {
		t.Fatalf("moto rollout: %v", err)
	}
	out := []byte(res.Result)
	var got struct {
		Instances []string
		Stacks    map[string]struct {
			FunctionBaselines []string
			ForwardTargets    []string
			Queues            int
		}
		Roles     map[string][2]int
		FixedName string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("moto rollout printed %.300q: %v", out, err)
	}
	var wantInstances []string
	for _, a := range []string{"member0", "member1"} {
		for _, r := range []string{"eu-west-1", "us-east-1"} {
			wantInstances = append(wantInstances, a+" "+r+" SUCCEEDED")
		}
	}
	if diff := diff.Diff(wantInstances, got.Instances); diff != "" {
		t.Errorf("stack instances (-want +got):\n%s", diff)
	}
	var baseline bytes.Buffer
	doc, err := os.ReadFile(filepath.Join(root, "events", "baseline.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Compact(&baseline, doc); err != nil {
		t.Fatal(err)
	}
	if byKey["BaselineDocument"] != baseline.String() || !strings.HasPrefix(byKey["CentralEventBusArn"], "arn:aws:events:") {
		t.Errorf("the README's parameter file: BaselineDocument %.60q…, CentralEventBusArn %q", byKey["BaselineDocument"], byKey["CentralEventBusArn"])
	}
	for _, inst := range wantInstances {
		key := strings.TrimSuffix(inst, " SUCCEEDED")
		st, ok := got.Stacks[key]
		if !ok {
			t.Errorf("%s: no resources", key)
			continue
		}
		if diff := diff.Diff([]string{baseline.String(), baseline.String()}, st.FunctionBaselines); diff != "" {
			t.Errorf("%s: the baseline each function reads (-want +got):\n%s", key, diff)
		}
	}
	tmpl, _ := processed(t)
	perRegion, queues := 0, 0
	for _, r := range tmpl["Resources"].(map[string]any) {
		switch r.(map[string]any)["Type"] {
		case "AWS::IAM::Role":
			perRegion++
		case "AWS::SQS::Queue":
			queues++
		}
	}
	for _, inst := range wantInstances {
		key := strings.TrimSuffix(inst, " SUCCEEDED")
		st := got.Stacks[key]
		if diff := diff.Diff([]string{byKey["CentralEventBusArn"]}, st.ForwardTargets); diff != "" || st.Queues != queues {
			t.Errorf("%s: %d queues, want %d (the processed template's); forwarding (-want +got):\n%s", key, st.Queues, queues, diff)
		}
	}
	for a, n := range got.Roles {
		if n[0] != 2*perRegion || n[1] != n[0] {
			t.Errorf("%s: %d IAM roles, %d distinct names; want %d (%d per Region, as the processed template has), all distinct", a, n[0], n[1], 2*perRegion, perRegion)
		}
	}
	if !strings.Contains(got.FixedName, "EntityAlreadyExists") {
		t.Errorf("a fixed RoleName rolled out without a collision: %q", got.FixedName)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
