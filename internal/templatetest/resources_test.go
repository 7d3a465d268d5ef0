package templatetest

import (
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// The tag every resource carries, so that the stack's resources can be found and costed together.
const tagKey, tagValue = "Application", "cognito-guard"

// tagForms says how each resource type the template declares takes Tags, from the CloudFormation
// resource reference (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html)
// and the SAM specification: "map" (SAM), "list" (Key/Value pairs), "object" (a plain key-value
// object, as AWS::SSM::Parameter takes) or "" (no Tags property). A
// type missing here fails TestResourceRules, so a new resource is classified when it is added;
// TestTagFormsMatchCfnLint checks the table against cfn-lint's copy of the resource schemas.
var tagForms = map[string]string{
	"AWS::Serverless::Function":       "map",
	"AWS::Serverless::StateMachine":   "map",
	"AWS::IAM::RolePolicy":            "",
	"AWS::Logs::LogGroup":             "list",
	"AWS::SQS::Queue":                 "list",
	"AWS::SQS::QueuePolicy":           "",
	"AWS::CloudWatch::Alarm":          "list",
	"AWS::SSM::Parameter":             "object",
	"AWS::IAM::Role":                  "list",
	"AWS::Events::Rule":               "list",
	"AWS::Lambda::EventSourceMapping": "list",
	"AWS::S3::Bucket":                 "list",
	"AWS::S3::BucketPolicy":           "",
}

// retainedTypes hold data that must outlive the stack: events not yet redriven (the failure
// queues), the functions' logs and the audit's reports. Both DeletionPolicy and UpdateReplacePolicy must be Retain.
var retainedTypes = map[string]bool{"AWS::SQS::Queue": true, "AWS::Logs::LogGroup": true, "AWS::S3::Bucket": true}

// resourceProblems lists every breach of the template-wide rules: a taggable resource without the
// Application tag (SAM functions: their own Tags merged over Globals, and PropagateTags so that the
// generated role and rules carry it too), a resource type tagForms does not know, a Parameter
// without a Description, and a queue or log group that a stack deletion or replacement would delete.
func resourceProblems(tmpl map[string]any) []string {
	var problems []string
	globals, _ := dig0(tmpl, "Globals", "Function").(map[string]any)
	resources, _ := tmpl["Resources"].(map[string]any)
	for _, name := range sortedKeys(resources) {
		r, _ := resources[name].(map[string]any)
		typ, _ := r["Type"].(string)
		props, _ := r["Properties"].(map[string]any)
		form, known := tagForms[typ]
		switch {
		case !known:
			problems = append(problems, fmt.Sprintf("%s: resource type %s is not in tagForms (does it take Tags?)", name, typ))
		case form == "map":
			tags := map[string]any{}
			for _, src := range []map[string]any{globals, props} {
				if m, ok := src["Tags"].(map[string]any); ok {
					for k, v := range m {
						tags[k] = v
					}
				}
			}
			if tags[tagKey] != tagValue {
				problems = append(problems, fmt.Sprintf("%s: no tag %s=%s", name, tagKey, tagValue))
			}
			propagate, ok := props["PropagateTags"]
			if !ok {
				propagate = globals["PropagateTags"]
			}
			if propagate != true {
				problems = append(problems, fmt.Sprintf("%s: PropagateTags is not true (the generated role and rules go untagged)", name))
			}
		case form == "object":
			if tags, _ := props["Tags"].(map[string]any); tags[tagKey] != tagValue {
				problems = append(problems, fmt.Sprintf("%s: no tag %s=%s", name, tagKey, tagValue))
			}
		case form == "list":
			tagged := false
			list, _ := props["Tags"].([]any)
			for _, t := range list {
				if m, _ := t.(map[string]any); m["Key"] == tagKey && m["Value"] == tagValue {
					tagged = true
				}
			}
			if !tagged {
				problems = append(problems, fmt.Sprintf("%s: no tag %s=%s", name, tagKey, tagValue))
			}
		}
		if retainedTypes[typ] {
			for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
				if r[policy] != "Retain" {
					problems = append(problems, fmt.Sprintf("%s: %s is %v, want Retain", name, policy, r[policy]))
				}
			}
		}
	}
	params, _ := tmpl["Parameters"].(map[string]any)
	for _, name := range sortedKeys(params) {
		p, _ := params[name].(map[string]any)
		if d, _ := p["Description"].(string); strings.TrimSpace(d) == "" {
			problems = append(problems, fmt.Sprintf("parameter %s: no Description", name))
		}
	}
	return problems
}

func TestResourceRules(t *testing.T) {
	tests := []struct {
		name string
		edit func(tmpl map[string]any)
		want []string
	}{
		{name: "template.yaml as written", edit: func(map[string]any) {}},
		{
			name: "alarm without tags",
			edit: func(m map[string]any) { delete(resource(m, "AuditErrorsAlarm")["Properties"].(map[string]any), "Tags") },
			want: []string{"AuditErrorsAlarm: no tag Application=cognito-guard"},
		},
		{
			name: "functions without global tags",
			edit: func(m map[string]any) {
				delete(m["Globals"].(map[string]any)["Function"].(map[string]any), "Tags")
				delete(m["Globals"].(map[string]any)["Function"].(map[string]any), "PropagateTags")
			},
			want: []string{
				"AuditFunction: no tag Application=cognito-guard",
				"AuditFunction: PropagateTags is not true (the generated role and rules go untagged)",
				"RemediateFunction: no tag Application=cognito-guard",
				"RemediateFunction: PropagateTags is not true (the generated role and rules go untagged)",
			},
		},
		{
			name: "queue with another tag",
			edit: func(m map[string]any) {
				resource(m, "RemediateFailureQueue")["Properties"].(map[string]any)["Tags"] = []any{map[string]any{"Key": "Team", "Value": "security"}}
			},
			want: []string{"RemediateFailureQueue: no tag Application=cognito-guard"},
		},
		{
			name: "unclassified resource type",
			edit: func(m map[string]any) {
				m["Resources"].(map[string]any)["Topic"] = map[string]any{"Type": "AWS::SNS::Topic", "Properties": map[string]any{}}
			},
			want: []string{"Topic: resource type AWS::SNS::Topic is not in tagForms (does it take Tags?)"},
		},
		{
			name: "failure queue deleted with the stack",
			edit: func(m map[string]any) {
				delete(resource(m, "ClientChangeDeadLetterQueue"), "DeletionPolicy")
				resource(m, "RemediateFailureQueue")["UpdateReplacePolicy"] = "Delete"
			},
			want: []string{
				"ClientChangeDeadLetterQueue: DeletionPolicy is <nil>, want Retain",
				"RemediateFailureQueue: UpdateReplacePolicy is Delete, want Retain",
			},
		},
		{
			name: "parameter without a description",
			edit: func(m map[string]any) {
				delete(m["Parameters"].(map[string]any)["LogLevel"].(map[string]any), "Description")
			},
			want: []string{"parameter LogLevel: no Description"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, tmpl := loadTemplate(t) // a fresh copy: the edits change it
			tt.edit(tmpl)
			if diff := diff.Diff(tt.want, resourceProblems(tmpl)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTagFormsMatchCfnLint checks the CloudFormation rows of tagForms against cfn-lint's resource
// schemas, so that the table cannot claim "no Tags" for a type that takes them.
func TestTagFormsMatchCfnLint(t *testing.T) {
	t.Parallel() // waits on the cfn-lint worker
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		unavailable(t, "cfn-lint", `pip install "cfn-lint==1.51.*"`)
	}
	var types []string
	want := map[string]bool{}
	for typ, form := range tagForms {
		if !strings.HasPrefix(typ, "AWS::Serverless::") { // SAM types are not in the CloudFormation schemas
			types = append(types, typ)
			want[typ] = form != ""
		}
	}
	sort.Strings(types)
	w, why := cfnlintWorker()
	if w == nil {
		t.Skipf("SKIPPED: cfn-lint is installed but no python3 here imports its cfnlint package (%s)", why)
	}
	// Whether each type has a Tags property, from cfn-lint's bundled CloudFormation resource schemas
	// (the ones it validates the template with).
	var res struct{ Taggable map[string]bool }
	if err := w.call(map[string]any{"op": "taggable", "types": types}, &res); err != nil {
		t.Fatalf("cfn-lint's resource schemas: %v", err)
	}
	got := res.Taggable
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("takes Tags, by resource type: tagForms (-) versus cfn-lint's schemas (+):\n%s", diff)
	}
}

func resource(tmpl map[string]any, name string) map[string]any {
	return tmpl["Resources"].(map[string]any)[name].(map[string]any)
}

// dig0 walks nested maps like dig, returning nil where a key is missing.
func dig0(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
