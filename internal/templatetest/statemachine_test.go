package templatetest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// The audit sweep's state machine (AuditSweep, statemachine/audit.asl.json). Its loop runs in a
// real ASL interpreter in functions/audit (TestStateMachineLoop); here: the definition under
// cfn-lint, the substitutions, the IAM of the state machine, its alarms and the baseline-change rule.

func sweepDefinition(t *testing.T, root string, tmpl map[string]any) (string, map[string]any) {
	t.Helper()
	uri, _ := dig(t, tmpl, "Resources", "AuditSweep", "Properties", "DefinitionUri").(string)
	data, err := os.ReadFile(filepath.Join(root, uri))
	if err != nil {
		t.Fatalf("DefinitionUri %q: %v", uri, err)
	}
	var def map[string]any
	if err := json.Unmarshal(data, &def); err != nil {
		t.Fatalf("%s is not JSON: %v", uri, err)
	}
	return string(data), def
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\}`)

// TestSweepSubstitutions: every ${Name} in the definition has a DefinitionSubstitutions entry and
// every entry is used, so nothing reaches Step Functions unsubstituted.
func TestSweepSubstitutions(t *testing.T) {
	root, tmpl := loadTemplate(t)
	text, def := sweepDefinition(t, root, tmpl)
	used := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		used[m[1]] = true
	}
	given := map[string]bool{}
	for k := range dig(t, tmpl, "Resources", "AuditSweep", "Properties", "DefinitionSubstitutions").(map[string]any) {
		given[k] = true
	}
	if diff := diff.Diff(used, given); diff != "" {
		t.Errorf("placeholders in the definition (-) versus DefinitionSubstitutions (+):\n%s", diff)
	}
	if got := dig(t, tmpl, "Resources", "AuditSweep", "Properties", "Type"); got != "STANDARD" {
		t.Errorf("Type = %v, want STANDARD (an Express execution lasts at most 5 minutes)", got)
	}
	// The audit's result is the state between runs (256 KB at most); an outcome is ~1.2 KB
	// (internal/audit/BENCH.md), so the looped function lists none.
	if got := dig(t, tmpl, "Parameters", "AuditReportClients", "Default"); got != "none" {
		t.Errorf("AuditReportClients defaults to %v, want none: the state machine carries the result", got)
	}
	if _, ok := def["TimeoutSeconds"].(float64); !ok {
		t.Errorf("the definition has no TimeoutSeconds: a stuck sweep would run for a year")
	}
}

// TestSweepDefinitionLint runs cfn-lint over the definition as an inline AWS::StepFunctions::StateMachine
// Definition (cfn-lint checks an inline definition against its Amazon States Language schema; SAM's
// DefinitionUri file is not read by cfn-lint). A broken copy must fail the same check.
func TestSweepDefinitionLint(t *testing.T) {
	t.Parallel() // waits on the cfn-lint worker
	root, tmpl := loadTemplate(t)
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		unavailable(t, "cfn-lint", `pip install "cfn-lint==1.51.*"`)
	}
	_, def := sweepDefinition(t, root, tmpl)
	wrap := func(def map[string]any) string {
		doc := map[string]any{
			"AWSTemplateFormatVersion": "2010-09-09",
			"Resources": map[string]any{
				"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
					"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
						"Effect": "Allow", "Principal": map[string]any{"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}}},
				}},
				"Sweep": map[string]any{"Type": "AWS::StepFunctions::StateMachine", "Properties": map[string]any{
					"StateMachineType": "STANDARD",
					"RoleArn":          map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}},
					"Definition":       def,
					"DefinitionSubstitutions": map[string]any{
						"AuditFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:audit", "MaxRuns": "24", "SettleSeconds": "10",
					},
				}},
			},
		}
		b, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "sweep.yaml")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	var broken map[string]any
	b, _ := json.Marshal(def)
	_ = json.Unmarshal(b, &broken)
	broken["States"].(map[string]any)["Complete?"].(map[string]any)["Type"] = "Branch"

	// Both in one cfn-lint run.
	sweep, brokenSweep := wrap(def), wrap(broken)
	found := lintFiles(t, root, sweep, brokenSweep)
	if m := found[sweep]; len(m) > 0 {
		t.Errorf("cfn-lint on the definition:\n%s", lintReport(m))
	}
	if len(found[brokenSweep]) == 0 {
		t.Errorf("cfn-lint accepted a state of Type Branch")
	}
}

// TestSweepIAM pins the state machine's grants: invoke exactly the audit function, list the
// executions of exactly this state machine (a separate RolePolicy: in the state machine's own
// Policies its ARN would be circular), and the log-delivery actions, which take no resource ARN.
func TestSweepIAM(t *testing.T) {
	_, tmpl := loadTemplate(t)
	ev, err := New(tmpl, nil)
	if err != nil {
		t.Fatal(err)
	}
	gs := grants(t, ev, tmpl, "AuditSweep")
	pol := dig(t, tmpl, "Resources", "AuditSweepListExecutions", "Properties").(map[string]any)
	if got := fmt.Sprint(pol["RoleName"]); got != "map[Ref:AuditSweepRole]" {
		t.Errorf("AuditSweepListExecutions is attached to %s, want the state machine's role (Ref AuditSweepRole)", got)
	}
	for _, s := range pol["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := s.(map[string]any)
		gs = append(gs, grant{Sid: fmt.Sprint(st["Sid"]), Actions: strs(st["Action"]), Resources: strs(st["Resource"])})
	}
	logDelivery := []string{
		"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
		"logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
	}
	want := map[string][]string{
		"lambda:InvokeFunction": {"map[Fn::GetAtt:[AuditFunction Arn]]"},
		"states:ListExecutions": {"map[Ref:AuditSweep]"},
	}
	for _, a := range logDelivery {
		want[a] = []string{"*"}
	}
	if diff := diff.Diff(want, byAction(gs)); diff != "" {
		t.Errorf("AuditSweep grants (-want +got):\n%s", diff)
	}
	for _, g := range gs {
		if slices.Contains(g.Resources, "*") {
			for _, a := range g.Actions {
				if !slices.Contains(logDelivery, a) {
					t.Errorf("%s: %s on Resource \"*\"", g.Sid, a)
				}
			}
		}
	}
	// The rules SAM generates for the Events start executions of this state machine only; SAM writes
	// their roles itself, so what is checked is that no event names another target or role.
	for name, e := range dig(t, tmpl, "Resources", "AuditSweep", "Properties", "Events").(map[string]any) {
		props, _ := e.(map[string]any)["Properties"].(map[string]any)
		for _, k := range []string{"Target", "Role", "RoleArn"} {
			if _, ok := props[k]; ok {
				t.Errorf("event %s sets %s", name, k)
			}
		}
	}
}

// TestSweepAlarms: a failed, timed-out or aborted sweep each raise an alarm on the state machine.
func TestSweepAlarms(t *testing.T) {
	_, tmpl := loadTemplate(t)
	got := map[string]string{}
	for name, r := range tmpl["Resources"].(map[string]any) {
		r := r.(map[string]any)
		props, _ := r["Properties"].(map[string]any)
		if r["Type"] != "AWS::CloudWatch::Alarm" || props["Namespace"] != "AWS/States" {
			continue
		}
		dims := fmt.Sprint(props["Dimensions"])
		actions := fmt.Sprint(props["AlarmActions"])
		if dims != "[map[Name:StateMachineArn Value:map[Ref:AuditSweep]]]" {
			t.Errorf("%s dimensions %s, want StateMachineArn = Ref AuditSweep", name, dims)
		}
		if actions != "[map[Fn::If:[HasAlarmTopic map[Ref:AlarmTopicArn] map[Ref:AWS::NoValue]]]]" {
			t.Errorf("%s actions %s", name, actions)
		}
		if props["Statistic"] != "Sum" || props["Threshold"] != 1.0 || props["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || props["TreatMissingData"] != "notBreaching" {
			t.Errorf("%s: %v %v %v %v, want Sum >= 1, missing data not breaching", name, props["Statistic"], props["ComparisonOperator"], props["Threshold"], props["TreatMissingData"])
		}
		got[fmt.Sprint(props["MetricName"])] = name
	}
	var metrics []string
	for m := range got {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	if diff := diff.Diff([]string{"ExecutionsAborted", "ExecutionsFailed", "ExecutionsTimedOut"}, metrics); diff != "" {
		t.Errorf("Step Functions alarms by metric (-want +got):\n%s", diff)
	}
}

// ssmChange is a Parameter Store Change event as EventBridge delivers it (the example of
// https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html:
// "resources" holds the parameter's ARN, "detail" its name, type and the operation).
func ssmChange(name, arnName, operation string) map[string]any {
	return map[string]any{
		"version": "0", "id": "6a7e4feb-b491-4cf7-a9f1-bf3703497718", "detail-type": "Parameter Store Change",
		"source": "aws.ssm", "account": "123456789012", "time": "2026-11-26T16:43:48Z", "region": "us-east-1",
		"resources": []any{"arn:aws:ssm:us-east-1:123456789012:parameter/" + arnName},
		"detail":    map[string]any{"operation": operation, "name": name, "type": "String", "description": "baseline"},
	}
}

// TestBaselineChangePattern runs the BaselineChange rule's pattern, resolved for a parameter name with
// and without a leading slash, through moto's EventBridge matcher.
func TestBaselineChangePattern(t *testing.T) {
	t.Parallel() // each starts a Python process that imports moto
	_, tmpl := loadTemplate(t)
	motoWorker(t)
	raw := dig(t, tmpl, "Resources", "AuditSweep", "Properties", "Events", "BaselineChange", "Properties", "Pattern")
	pseudo := strings.NewReplacer("${AWS::Partition}", "aws", "${AWS::Region}", "us-east-1", "${AWS::AccountId}", "123456789012")
	type tc struct {
		name  string
		event map[string]any
		want  bool
	}
	tests := []struct {
		param string
		cases []tc
	}{
		{"/cognito-guard/baseline", []tc{
			{"update", ssmChange("/cognito-guard/baseline", "cognito-guard/baseline", "Update"), true},
			{"create", ssmChange("/cognito-guard/baseline", "cognito-guard/baseline", "Create"), true},
			{"delete", ssmChange("/cognito-guard/baseline", "cognito-guard/baseline", "Delete"), true},
			{"label (the value is unchanged)", ssmChange("/cognito-guard/baseline", "cognito-guard/baseline", "LabelParameterVersion"), false},
			{"another parameter with the same prefix", ssmChange("/cognito-guard/baseline-old", "cognito-guard/baseline-old", "Update"), false},
			{"same name in another account", func() map[string]any {
				e := ssmChange("/cognito-guard/baseline", "cognito-guard/baseline", "Update")
				e["resources"] = []any{"arn:aws:ssm:us-east-1:210987654321:parameter/cognito-guard/baseline"}
				return e
			}(), false},
			{"remediate's event", map[string]any{"source": "aws.cognito-idp", "detail-type": "AWS API Call via CloudTrail", "resources": []any{}, "detail": map[string]any{}}, false},
		}},
		{"cognito-guard-baseline", []tc{
			{"update", ssmChange("cognito-guard-baseline", "cognito-guard-baseline", "Update"), true},
			{"other", ssmChange("other", "other", "Update"), false},
		}},
	}
	var jobs []matchJob
	for _, tt := range tests {
		ev, err := New(tmpl, map[string]string{"BaselineParameterName": tt.param})
		if err != nil {
			t.Fatal(err)
		}
		resolved, err := ev.Resolve(raw)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(resolved)
		var pattern any
		if err := json.Unmarshal([]byte(pseudo.Replace(string(b))), &pattern); err != nil {
			t.Fatal(err)
		}
		var events []any
		for _, c := range tt.cases {
			events = append(events, c.event)
		}
		jobs = append(jobs, matchJob{pattern, events})
	}
	got := match(t, jobs)
	for i, tt := range tests {
		for j, c := range tt.cases {
			if got[i][j] != c.want {
				t.Errorf("BaselineParameterName=%s, %s: match = %v, want %v", tt.param, c.name, got[i][j], c.want)
			}
		}
	}
}
