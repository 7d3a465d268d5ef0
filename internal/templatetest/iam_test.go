package templatetest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// grant is one Allow statement of a function's inline policies after CloudFormation has resolved
// parameters and conditions.
type grant struct {
	Sid       string
	Actions   []string
	Resources []string
	Condition any
}

// grants returns fn's effective statements under ev. Anything that is not an inline policy
// document (a managed policy ARN, a SAM policy template) fails the test: it cannot be reviewed here.
func grants(t *testing.T, ev *Evaluator, tmpl map[string]any, fn string) []grant {
	t.Helper()
	raw := dig(t, tmpl, "Resources", fn, "Properties", "Policies")
	resolved, err := ev.Resolve(raw)
	if err != nil {
		t.Fatalf("%s policies: %v", fn, err)
	}
	var out []grant
	for _, p := range resolved.([]any) {
		doc, ok := p.(map[string]any)
		if !ok || doc["Statement"] == nil {
			t.Errorf("%s: policy %v is not an inline policy document", fn, p)
			continue
		}
		for _, s := range doc["Statement"].([]any) {
			st := s.(map[string]any)
			for _, k := range []string{"NotAction", "NotResource", "NotPrincipal"} {
				if _, ok := st[k]; ok {
					t.Errorf("%s: statement %v uses %s", fn, st["Sid"], k)
				}
			}
			if st["Effect"] != "Allow" {
				continue
			}
			g := grant{Sid: fmt.Sprint(st["Sid"]), Actions: strs(st["Action"]), Resources: strs(st["Resource"]), Condition: st["Condition"]}
			out = append(out, g)
		}
	}
	return out
}

func strs(v any) []string {
	switch v := v.(type) {
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, strs(x)...)
		}
		return out
	case string:
		return []string{v}
	}
	return []string{fmt.Sprint(v)} // an unresolved intrinsic, e.g. map[Fn::GetAtt:...]
}

const (
	userPools  = "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/*"
	accountArn = ":${AWS::Region}:${AWS::AccountId}:"
	// The audit writes its reports under audit/ of its own bucket and reads back only the parts of
	// a sweep that earlier runs wrote.
	reportObjects = "${AuditReportBucket.Arn}/audit/*"
	reportParts   = "${AuditReportBucket.Arn}/audit/*/parts/*"
)

// reportGrants are the audit's S3 grants, the same whatever the parameters.
var reportGrants = map[string][]string{"s3:PutObject": {reportObjects}, "s3:GetObject": {reportParts}}

// queueGrants are what the remediate function's event source mapping polls with, on its own queue
// only (Lambda's SQS poller needs these three:
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html), whatever the parameters.
var queueGrants = map[string][]string{
	"sqs:ReceiveMessage":     {"map[Fn::GetAtt:[ClientChangeQueue Arn]]"},
	"sqs:DeleteMessage":      {"map[Fn::GetAtt:[ClientChangeQueue Arn]]"},
	"sqs:GetQueueAttributes": {"map[Fn::GetAtt:[ClientChangeQueue Arn]]"},
}

func paramArn(suffix string) string {
	return "arn:${AWS::Partition}:ssm" + accountArn + "parameter/" + suffix
}

// TestIAM pins every grant of both functions for several parameter combinations, and checks the
// rules that must hold whatever the combination: no wildcard actions; Resource "*" only for
// cognito-idp:ListUserPools (IAM accepts nothing else for it); other wildcards only over this
// account's user pools; SSM read of exactly the baseline parameter; kms:Decrypt only through SSM.
func TestIAM(t *testing.T) {
	_, tmpl := loadTemplate(t)
	const kmsKey = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	const topic = "arn:aws:sns:us-east-1:123456789012:cognito-drift"
	hub := "arn:${AWS::Partition}:securityhub" + accountArn + "product/${AWS::AccountId}/default"
	hubARN := "arn:${AWS::Partition}:securityhub" + accountArn + "hub/default"
	bus := func(name string) string { return "arn:${AWS::Partition}:events" + accountArn + "event-bus/" + name }

	tests := []struct {
		name          string
		params        map[string]string
		wantRemediate map[string][]string // action -> resources
		wantAudit     map[string][]string
	}{
		{
			name:   "defaults",
			params: nil,
			wantRemediate: map[string][]string{
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"cognito-idp:UpdateUserPoolClient": {userPools},
				"ssm:GetParameter":                 {paramArn("cognito-guard/baseline")},
				"events:PutEvents":                 {bus("default")},
			},
			wantAudit: map[string][]string{
				"cognito-idp:ListUserPools":          {"*"},
				"cognito-idp:ListUserPoolClients":    {userPools},
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"ssm:GetParameter": {paramArn("cognito-guard/baseline")},
				"events:PutEvents": {bus("default")},
			},
		},
		{
			name:   "writing remediate, report-only audit",
			params: map[string]string{"DryRun": "false", "AuditEnforce": "false"},
			wantRemediate: map[string][]string{
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"cognito-idp:UpdateUserPoolClient": {userPools},
				"ssm:GetParameter":                 {paramArn("cognito-guard/baseline")},
				"events:PutEvents":                 {bus("default")},
			},
			wantAudit: map[string][]string{
				"cognito-idp:ListUserPools":          {"*"},
				"cognito-idp:ListUserPoolClients":    {userPools},
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"ssm:GetParameter": {paramArn("cognito-guard/baseline")},
				"events:PutEvents": {bus("default")},
			},
		},
		{
			name: "enforcing audit, KMS key, SNS, Security Hub, own bus",
			params: map[string]string{
				"AuditEnforce": "true", "BaselineKmsKeyArn": kmsKey, "NotifyTopicArn": topic,
				"EnableSecurityHub": "true", "NotifyEventBusName": "guard-bus",
			},
			wantRemediate: map[string][]string{
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"cognito-idp:UpdateUserPoolClient": {userPools},
				"ssm:GetParameter":                 {paramArn("cognito-guard/baseline")},
				"kms:Decrypt":                      {kmsKey},
				"events:PutEvents":                 {bus("guard-bus")},
				"sns:Publish":                      {topic},
			},
			wantAudit: map[string][]string{
				"cognito-idp:ListUserPools":          {"*"},
				"cognito-idp:ListUserPoolClients":    {userPools},
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"cognito-idp:UpdateUserPoolClient": {userPools},
				"ssm:GetParameter":                 {paramArn("cognito-guard/baseline")},
				"kms:Decrypt":                      {kmsKey},
				"events:PutEvents":                 {bus("guard-bus")},
				"sns:Publish":                      {topic},
				"securityhub:BatchImportFindings":  {hub},
				"securityhub:GetFindings":          {hubARN},
				"securityhub:BatchUpdateFindings":  {hubARN},
			},
		},
		{
			name:   "parameter name without a leading slash, notifications off",
			params: map[string]string{"BaselineParameterName": "cognito-guard-baseline", "NotifyEventBusName": ""},
			wantRemediate: map[string][]string{
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"cognito-idp:UpdateUserPoolClient": {userPools},
				"ssm:GetParameter":                 {paramArn("cognito-guard-baseline")},
			},
			wantAudit: map[string][]string{
				"cognito-idp:ListUserPools":          {"*"},
				"cognito-idp:ListUserPoolClients":    {userPools},
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"ssm:GetParameter": {paramArn("cognito-guard-baseline")},
			},
		},
		{
			// The stack's own baseline parameter replaces BaselineParameterName; a central bus
			// changes nothing here (EventBridge forwards with its own role: TestCentralBusForward).
			name: "baseline document, central bus",
			params: map[string]string{"BaselineDocument": `{"version":1}`, "BaselineParameterName": "/ignored",
				"CentralEventBusArn": "arn:aws:events:us-east-1:222222222222:event-bus/central"},
			wantRemediate: map[string][]string{
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"cognito-idp:UpdateUserPoolClient": {userPools},
				"ssm:GetParameter":                 {paramArn("${BaselineDocumentParameter}")},
				"events:PutEvents":                 {bus("default")},
			},
			wantAudit: map[string][]string{
				"cognito-idp:ListUserPools":          {"*"},
				"cognito-idp:ListUserPoolClients":    {userPools},
				"cognito-idp:DescribeUserPoolClient": {userPools},
				"cognito-idp:DescribeUserPool":       {userPools}, "cognito-idp:ListResourceServers": {userPools}, "cognito-idp:ListIdentityProviders": {userPools},
				"ssm:GetParameter": {paramArn("${BaselineDocumentParameter}")},
				"events:PutEvents": {bus("default")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := New(tmpl, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			name := "/cognito-guard/baseline"
			if n, ok := tt.params["BaselineParameterName"]; ok {
				name = n
			}
			for a, r := range reportGrants {
				tt.wantAudit[a] = r
			}
			for a, r := range queueGrants {
				tt.wantRemediate[a] = r
			}
			baselineArn := paramArn(strings.TrimPrefix(name, "/"))
			if tt.params["BaselineDocument"] != "" {
				baselineArn = paramArn("${BaselineDocumentParameter}")
			}
			for fn, want := range map[string]map[string][]string{"RemediateFunction": tt.wantRemediate, "AuditFunction": tt.wantAudit} {
				gs := grants(t, ev, tmpl, fn)
				checkRules(t, fn, gs, baselineArn)
				if diff := diff.Diff(want, byAction(gs)); diff != "" {
					t.Errorf("%s grants (-want +got):\n%s", fn, diff)
				}
			}
		})
	}
}

func byAction(gs []grant) map[string][]string {
	out := map[string][]string{}
	for _, g := range gs {
		for _, a := range g.Actions {
			out[a] = append(out[a], g.Resources...)
		}
	}
	for a := range out {
		sort.Strings(out[a])
		out[a] = slices.Compact(out[a])
	}
	return out
}

func checkRules(t *testing.T, fn string, gs []grant, baselineArn string) {
	t.Helper()
	for _, g := range gs {
		for _, a := range g.Actions {
			if strings.Contains(a, "*") || strings.Contains(a, "?") {
				t.Errorf("%s %s: wildcard action %q", fn, g.Sid, a)
			}
			if strings.HasPrefix(a, "ssm:") && a != "ssm:GetParameter" {
				t.Errorf("%s %s: SSM action %q; only ssm:GetParameter of the baseline is allowed", fn, g.Sid, a)
			}
			if strings.HasPrefix(a, "ssm:") && !slices.Equal(g.Resources, []string{baselineArn}) {
				t.Errorf("%s %s: ssm grant on %v, want exactly [%s]", fn, g.Sid, g.Resources, baselineArn)
			}
			if a == "kms:Decrypt" && fmt.Sprint(g.Condition) != "map[StringEquals:map[kms:ViaService:ssm.${AWS::Region}.amazonaws.com]]" {
				t.Errorf("%s %s: kms:Decrypt condition %v, want kms:ViaService ssm only", fn, g.Sid, g.Condition)
			}
		}
		for _, r := range g.Resources {
			switch {
			case r == "*":
				if !slices.Equal(g.Actions, []string{"cognito-idp:ListUserPools"}) {
					t.Errorf("%s %s: Resource \"*\" for %v; only cognito-idp:ListUserPools may have it", fn, g.Sid, g.Actions)
				}
			case r == reportObjects || r == reportParts:
				want := map[string]string{reportObjects: "s3:PutObject", reportParts: "s3:GetObject"}[r]
				if !slices.Equal(g.Actions, []string{want}) {
					t.Errorf("%s %s: %v on %s; only %s may have it", fn, g.Sid, g.Actions, r, want)
				}
			case strings.ContainsAny(r, "*?"):
				if r != userPools {
					t.Errorf("%s %s: wildcard resource %q", fn, g.Sid, r)
				}
				for _, a := range g.Actions {
					if !strings.HasPrefix(a, "cognito-idp:") {
						t.Errorf("%s %s: %s on all user pools", fn, g.Sid, a)
					}
				}
			}
		}
	}
}

func TestAuditWriteIsConditional(t *testing.T) {
	// Beyond the resolved grants: the statement itself must sit behind the AuditEnforce condition,
	// so a reader of the template (and cfn-lint) sees it too.
	_, tmpl := loadTemplate(t)
	conds := dig(t, tmpl, "Conditions", "AuditEnforceEnabled")
	if got := fmt.Sprint(conds); got != "map[Fn::Equals:[map[Ref:AuditEnforce] true]]" {
		t.Errorf("AuditEnforceEnabled = %s", got)
	}
	for _, p := range dig(t, tmpl, "Resources", "AuditFunction", "Properties", "Policies").([]any) {
		for _, s := range p.(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if ifs, ok := st["Fn::If"].([]any); ok {
				if ifs[0] == "AuditEnforceEnabled" {
					continue
				}
				st, _ = ifs[1].(map[string]any)
			}
			if slices.Contains(strs(st["Action"]), "cognito-idp:UpdateUserPoolClient") {
				t.Errorf("audit statement %v grants UpdateUserPoolClient outside Fn::If AuditEnforceEnabled", st["Sid"])
			}
		}
	}
}

func TestEvaluator(t *testing.T) {
	tmpl := map[string]any{
		"Parameters": map[string]any{
			"Name": map[string]any{"Default": "/a/b"},
			"N":    map[string]any{"Default": 5.0},
		},
		"Conditions": map[string]any{
			"Slash": map[string]any{"Fn::Equals": []any{map[string]any{"Fn::Select": []any{0.0, map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "Name"}}}}}, ""}},
			"Both":  map[string]any{"Fn::And": []any{map[string]any{"Condition": "Slash"}, map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "N"}, "6"}}}}}},
		},
	}
	doc := []any{
		map[string]any{"Fn::If": []any{"Slash", map[string]any{"Fn::Sub": "p${Name}:${AWS::Region}"}, "no"}},
		map[string]any{"Fn::If": []any{"Both", map[string]any{"Ref": "AWS::NoValue"}, "kept"}},
		map[string]any{"Fn::GetAtt": []any{"R", "Arn"}},
		map[string]any{"k": map[string]any{"Ref": "AWS::NoValue"}, "n": map[string]any{"Ref": "N"}},
	}
	tests := []struct {
		params map[string]string
		want   []any
	}{
		{nil, []any{"p/a/b:${AWS::Region}", map[string]any{"Fn::GetAtt": []any{"R", "Arn"}}, map[string]any{"n": "5"}}},
		{map[string]string{"Name": "x", "N": "6"}, []any{"no", "kept", map[string]any{"Fn::GetAtt": []any{"R", "Arn"}}, map[string]any{"n": "6"}}},
	}
	for _, tt := range tests {
		ev, err := New(tmpl, tt.params)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ev.Resolve(doc)
		if err != nil {
			t.Fatal(err)
		}
		if diff := diff.Diff(tt.want, got); diff != "" {
			t.Errorf("Resolve with %v (-want +got):\n%s", tt.params, diff)
		}
	}
	if _, err := New(tmpl, map[string]string{"Nope": "1"}); err == nil {
		t.Errorf("New accepted an undeclared parameter")
	}
}
