package templatetest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/notify"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// resolved returns a resource of the template with parameters and conditions resolved under params,
// and whether its Condition holds.
func resolved(t *testing.T, tmpl map[string]any, params map[string]string, id string) (map[string]any, bool) {
	t.Helper()
	ev, err := New(tmpl, params)
	if err != nil {
		t.Fatal(err)
	}
	r := dig(t, tmpl, "Resources", id).(map[string]any)
	on := true
	if c, ok := r["Condition"].(string); ok {
		if on, err = ev.Condition(c); err != nil {
			t.Fatal(err)
		}
	}
	v, err := ev.Resolve(r)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return v.(map[string]any), on
}

// TestBaselineDocument: with BaselineDocument set, the stack keeps the baseline in an SSM parameter
// whose name CloudFormation generates, and both functions read that parameter (their grant:
// TestIAM); without it, nothing is created and they read BaselineParameterName.
func TestBaselineDocument(t *testing.T) {
	root, tmpl := loadTemplate(t)
	doc, err := os.ReadFile(filepath.Join(root, "events", "baseline.json"))
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		t.Fatal(err)
	}
	// The README passes the sample as `jq -c`: it must fit CloudFormation's 4,096 bytes.
	if max := dig(t, tmpl, "Parameters", "BaselineDocument", "MaxLength"); max != 4096.0 || compact.Len() > 4096 {
		t.Errorf("BaselineDocument MaxLength %v, compact events/baseline.json %d bytes: want 4096 and at most that", max, compact.Len())
	}
	env := dig(t, tmpl, "Globals", "Function", "Environment", "Variables").(map[string]any)["BASELINE_PARAMETER"]
	for _, tt := range []struct {
		params    map[string]string
		wantParam any
		wantOn    bool
	}{
		{params: nil, wantParam: "/cognito-guard/baseline", wantOn: false},
		{params: map[string]string{"BaselineParameterName": "/other"}, wantParam: "/other", wantOn: false},
		{params: map[string]string{"BaselineDocument": compact.String()}, wantParam: map[string]any{"Ref": "BaselineDocumentParameter"}, wantOn: true},
	} {
		ev, err := New(tmpl, tt.params)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ev.Resolve(env)
		if err != nil {
			t.Fatal(err)
		}
		if diff := diff.Diff(tt.wantParam, got); diff != "" {
			t.Errorf("%v: BASELINE_PARAMETER (-want +got):\n%s", tt.params, diff)
		}
		r, on := resolved(t, tmpl, tt.params, "BaselineDocumentParameter")
		if on != tt.wantOn {
			t.Errorf("%v: BaselineDocumentParameter created = %v, want %v", tt.params, on, tt.wantOn)
		}
		if !on {
			continue
		}
		props := r["Properties"].(map[string]any)
		if _, named := props["Name"]; named {
			t.Errorf("BaselineDocumentParameter has a Name: two stacks in one account and Region would collide")
		}
		if props["Value"] != compact.String() || props["Type"] != "String" || props["Tier"] != "Standard" {
			t.Errorf("BaselineDocumentParameter Type %v Tier %v Value %.40v…, want a Standard String holding the document", props["Type"], props["Tier"], props["Value"])
		}
	}
}

// TestCentralBusForward pins the forwarding to the central bus: only when both the notification bus
// and CentralEventBusArn are set; a rule on the notification bus that matches exactly the events the
// functions publish (notify.Source) and targets that ARN with a role that may do nothing but
// events:PutEvents on it, assumable only by EventBridge for this account; undeliverable events go to a
// dead-letter queue whose policy admits this rule.
func TestCentralBusForward(t *testing.T) {
	_, tmpl := loadTemplate(t)
	const central = "arn:aws:events:eu-west-1:222222222222:event-bus/cognito-guard-central"
	pattern := regexp.MustCompile(dig(t, tmpl, "Parameters", "CentralEventBusArn", "AllowedPattern").(string))
	for arn, want := range map[string]bool{
		central: true, "": true, "arn:aws-us-gov:events:us-gov-west-1:222222222222:event-bus/default": true,
		"arn:aws:events:eu-west-1:222222222222:rule/central": false, "arn:aws:sns:eu-west-1:222222222222:central": false,
		"cognito-guard-central": false,
	} {
		if pattern.MatchString(arn) != want {
			t.Errorf("CentralEventBusArn AllowedPattern on %q: %v, want %v", arn, !want, want)
		}
	}

	for _, tt := range []struct {
		params map[string]string
		want   bool
	}{
		{nil, false},
		{map[string]string{"CentralEventBusArn": central}, true},
		{map[string]string{"CentralEventBusArn": central, "NotifyEventBusName": "guard-bus"}, true},
		{map[string]string{"CentralEventBusArn": central, "NotifyEventBusName": ""}, false},
	} {
		role, roleOn := resolved(t, tmpl, tt.params, "CentralBusForwardRole")
		rule, ruleOn := resolved(t, tmpl, tt.params, "CentralBusForwardRule")
		queuePolicy, _ := resolved(t, tmpl, tt.params, "ClientChangeDeadLetterQueuePolicy")
		sources := dig(t, queuePolicy, "Properties", "PolicyDocument", "Statement").([]any)[0].(map[string]any)["Condition"].(map[string]any)["ArnEquals"].(map[string]any)["aws:SourceArn"]
		wantSources := []any{map[string]any{"Fn::GetAtt": []any{"ClientChangeRule", "Arn"}}}
		if tt.want {
			wantSources = append(wantSources, map[string]any{"Fn::GetAtt": []any{"CentralBusForwardRule", "Arn"}})
		}
		if diff := diff.Diff(wantSources, sources); diff != "" {
			t.Errorf("%v: dead-letter queue policy sources (-want +got):\n%s", tt.params, diff)
		}
		if roleOn != tt.want || ruleOn != tt.want {
			t.Errorf("%v: role created %v, rule created %v, want %v", tt.params, roleOn, ruleOn, tt.want)
		}
		if !tt.want {
			continue
		}
		bus := "default"
		if b, ok := tt.params["NotifyEventBusName"]; ok {
			bus = b
		}
		wantRole := map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}},
			}}},
			"Policies": []any{map[string]any{"PolicyName": "PutEventsOnCentralBus", "PolicyDocument": map[string]any{
				"Version": "2012-10-17", "Statement": []any{map[string]any{"Sid": "CentralBus", "Effect": "Allow", "Action": "events:PutEvents", "Resource": central}},
			}}},
		}
		gotRole := role["Properties"].(map[string]any)
		for _, k := range []string{"Description", "Tags"} {
			delete(gotRole, k)
		}
		if diff := diff.Diff(wantRole, gotRole); diff != "" {
			t.Errorf("%v: CentralBusForwardRole (-want +got):\n%s", tt.params, diff)
		}
		props := rule["Properties"].(map[string]any)
		if props["EventBusName"] != bus || props["State"] != "ENABLED" {
			t.Errorf("%v: rule on bus %v, state %v; want %s, ENABLED", tt.params, props["EventBusName"], props["State"], bus)
		}
		if diff := diff.Diff(map[string]any{"source": []any{notify.Source}}, props["EventPattern"]); diff != "" {
			t.Errorf("rule pattern (-want +got):\n%s", diff)
		}
		wantTargets := []any{map[string]any{
			"Id": "CentralBus", "Arn": central,
			"RoleArn":          map[string]any{"Fn::GetAtt": []any{"CentralBusForwardRole", "Arn"}},
			"DeadLetterConfig": map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{"ClientChangeDeadLetterQueue", "Arn"}}},
		}}
		if diff := diff.Diff(wantTargets, props["Targets"]); diff != "" {
			t.Errorf("rule targets (-want +got):\n%s", diff)
		}
	}
}
