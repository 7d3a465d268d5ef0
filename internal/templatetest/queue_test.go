package templatetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/remediate"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// queueProblems checks the remediate function's event path as template.yaml declares it: the rule
// delivers into ClientChangeQueue (and only that rule may), the event source mapping polls it with
// partial batch responses and a maximum concurrency that is the same parameter the function divides
// its pacing share by, and nothing is dropped on the way.
//
// Lambda's rules for SQS event sources, from
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html and
// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html:
//   - the queue's visibility timeout should be at least six times the function's timeout;
//   - maxReceiveCount at least 5 in the redrive policy, so a throttled batch is not dead-lettered;
//   - MaximumConcurrency is 2 to 1000;
//   - a BatchSize above 10 needs MaximumBatchingWindowInSeconds of at least 1
//     (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
func queueProblems(tmpl map[string]any) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	res, _ := tmpl["Resources"].(map[string]any)
	props := func(id string) map[string]any {
		r, _ := res[id].(map[string]any)
		p, _ := r["Properties"].(map[string]any)
		return p
	}
	params, _ := tmpl["Parameters"].(map[string]any)
	param := func(name, key string) float64 {
		p, _ := params[name].(map[string]any)
		return num(p[key])
	}
	same := func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }
	getAtt := func(id string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, "Arn"}} }

	var esm map[string]any
	for id, r := range res {
		if r.(map[string]any)["Type"] == "AWS::Lambda::EventSourceMapping" {
			if esm != nil {
				bad("%s: a second event source mapping", id)
			}
			esm = props(id)
		}
	}
	if esm == nil {
		return append(problems, "no AWS::Lambda::EventSourceMapping")
	}
	if !same(esm["FunctionName"], map[string]any{"Ref": "RemediateFunction"}) || !same(esm["EventSourceArn"], getAtt("ClientChangeQueue")) {
		bad("event source mapping: %v from %v, want RemediateFunction from ClientChangeQueue", esm["FunctionName"], esm["EventSourceArn"])
	}
	if !same(esm["FunctionResponseTypes"], []any{"ReportBatchItemFailures"}) {
		bad("event source mapping: FunctionResponseTypes %v, want [ReportBatchItemFailures] (a failed record would return its whole batch)", esm["FunctionResponseTypes"])
	}
	maxConc := map[string]any{"Ref": "RemediateMaxConcurrency"}
	sc, _ := esm["ScalingConfig"].(map[string]any)
	if !same(sc["MaximumConcurrency"], maxConc) {
		bad("event source mapping: MaximumConcurrency %v, want Ref RemediateMaxConcurrency", sc["MaximumConcurrency"])
	}
	env, _ := dig0(props("RemediateFunction"), "Environment", "Variables").(map[string]any)
	if !same(env["REMEDIATE_MAX_CONCURRENCY"], maxConc) {
		bad("RemediateFunction: REMEDIATE_MAX_CONCURRENCY %v is not the mapping's MaximumConcurrency (the account-wide rate would be the share times the difference)", env["REMEDIATE_MAX_CONCURRENCY"])
	}
	if lo, hi := param("RemediateMaxConcurrency", "MinValue"), param("RemediateMaxConcurrency", "MaxValue"); lo < 2 || hi > 1000 || hi < lo {
		bad("RemediateMaxConcurrency: %v to %v, Lambda accepts 2 to 1000", lo, hi)
	}
	if param("RemediateBatchSize", "MaxValue") > 10 && param("RemediateBatchWindow", "MinValue") < 1 {
		bad("RemediateBatchWindow may be 0 while RemediateBatchSize may exceed 10 (Lambda refuses the mapping)")
	}

	queue, dlq := props("ClientChangeQueue"), props("ClientChangeDeadLetterQueue")
	timeout := dig0(tmpl, "Globals", "Function", "Timeout")
	if t, ok := props("RemediateFunction")["Timeout"]; ok {
		timeout = t
	}
	if vis, t := num(queue["VisibilityTimeout"]), num(timeout); t == 0 || vis < 6*t {
		bad("ClientChangeQueue: VisibilityTimeout %v, want at least 6 x the function's Timeout %v", queue["VisibilityTimeout"], timeout)
	}
	redrive, _ := queue["RedrivePolicy"].(map[string]any)
	if !same(redrive["deadLetterTargetArn"], getAtt("ClientChangeDeadLetterQueue")) || num(redrive["maxReceiveCount"]) < 5 {
		bad("ClientChangeQueue: RedrivePolicy %v, want ClientChangeDeadLetterQueue after at least 5 receives", redrive)
	}
	if num(dlq["MessageRetentionPeriod"]) <= num(queue["MessageRetentionPeriod"]) {
		bad("ClientChangeDeadLetterQueue keeps messages %vs, not longer than ClientChangeQueue's %vs (a record's age is kept when it moves)", dlq["MessageRetentionPeriod"], queue["MessageRetentionPeriod"])
	}

	targets, _ := props("ClientChangeRule")["Targets"].([]any)
	if len(targets) != 1 {
		bad("ClientChangeRule: %d targets, want 1 (the queue)", len(targets))
	} else {
		tg := targets[0].(map[string]any)
		if !same(tg["Arn"], getAtt("ClientChangeQueue")) || !same(dig0(tg, "DeadLetterConfig", "Arn"), getAtt("ClientChangeDeadLetterQueue")) {
			bad("ClientChangeRule: target %v (dead letters %v), want ClientChangeQueue with ClientChangeDeadLetterQueue", tg["Arn"], dig0(tg, "DeadLetterConfig", "Arn"))
		}
	}
	stmts, _ := dig0(props("ClientChangeQueuePolicy"), "PolicyDocument", "Statement").([]any)
	for _, s := range stmts {
		s := s.(map[string]any)
		if !same(s["Principal"], map[string]any{"Service": "events.amazonaws.com"}) || !same(dig0(s, "Condition", "ArnEquals", "aws:SourceArn"), getAtt("ClientChangeRule")) {
			bad("ClientChangeQueuePolicy: statement %v lets more than ClientChangeRule send", s["Sid"])
		}
	}
	if len(stmts) == 0 {
		bad("ClientChangeQueuePolicy: no statement (EventBridge cannot deliver)")
	}

	alarms := map[string]bool{}
	for _, r := range res {
		r := r.(map[string]any)
		if r["Type"] != "AWS::CloudWatch::Alarm" {
			continue
		}
		p := r["Properties"].(map[string]any)
		dims, _ := p["Dimensions"].([]any)
		for _, d := range dims {
			v := d.(map[string]any)["Value"]
			alarms[fmt.Sprintf("%v %v", p["MetricName"], v)] = true
		}
	}
	for _, want := range []string{
		fmt.Sprintf("ApproximateAgeOfOldestMessage %v", map[string]any{"Fn::GetAtt": []any{"ClientChangeQueue", "QueueName"}}),
		fmt.Sprintf("ApproximateNumberOfMessagesVisible %v", map[string]any{"Fn::GetAtt": []any{"ClientChangeDeadLetterQueue", "QueueName"}}),
	} {
		if !alarms[want] {
			bad("no alarm on %s", want)
		}
	}
	return problems
}

func num(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	return 0
}

// TestRemediateQueue checks the event path of template.yaml, and that the check catches each
// breach on an edited copy.
func TestRemediateQueue(t *testing.T) {
	_, tmpl := loadTemplate(t)
	raw, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	edited := func(edit func(m map[string]any)) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		return m
	}
	props := func(m map[string]any, id string) map[string]any {
		return m["Resources"].(map[string]any)[id].(map[string]any)["Properties"].(map[string]any)
	}
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want []string
	}{
		{name: "template.yaml as written", edit: func(map[string]any) {}},
		{
			name: "concurrency fixed in the mapping, whole batches returned",
			edit: func(m map[string]any) {
				esm := props(m, "ClientChangeEventSourceMapping")
				esm["ScalingConfig"] = map[string]any{"MaximumConcurrency": 5.0}
				delete(esm, "FunctionResponseTypes")
			},
			want: []string{
				"event source mapping: FunctionResponseTypes <nil>, want [ReportBatchItemFailures] (a failed record would return its whole batch)",
				"event source mapping: MaximumConcurrency 5, want Ref RemediateMaxConcurrency",
			},
		},
		{
			name: "short visibility, eager dead letters, short-lived dead-letter queue",
			edit: func(m map[string]any) {
				q := props(m, "ClientChangeQueue")
				q["VisibilityTimeout"] = 60.0
				q["RedrivePolicy"].(map[string]any)["maxReceiveCount"] = 1.0
				props(m, "ClientChangeDeadLetterQueue")["MessageRetentionPeriod"] = 345600.0
			},
			want: []string{
				"ClientChangeQueue: VisibilityTimeout 60, want at least 6 x the function's Timeout 30",
				"ClientChangeQueue: RedrivePolicy map[deadLetterTargetArn:map[Fn::GetAtt:[ClientChangeDeadLetterQueue Arn]] maxReceiveCount:1], want ClientChangeDeadLetterQueue after at least 5 receives",
				"ClientChangeDeadLetterQueue keeps messages 345600s, not longer than ClientChangeQueue's 345600s (a record's age is kept when it moves)",
			},
		},
		{
			name: "pacing divided by another number, window may be 0",
			edit: func(m map[string]any) {
				props(m, "RemediateFunction")["Environment"].(map[string]any)["Variables"].(map[string]any)["REMEDIATE_MAX_CONCURRENCY"] = "1"
				m["Parameters"].(map[string]any)["RemediateBatchWindow"].(map[string]any)["MinValue"] = 0.0
				m["Parameters"].(map[string]any)["RemediateMaxConcurrency"].(map[string]any)["MinValue"] = 1.0
			},
			want: []string{
				"RemediateFunction: REMEDIATE_MAX_CONCURRENCY 1 is not the mapping's MaximumConcurrency (the account-wide rate would be the share times the difference)",
				"RemediateMaxConcurrency: 1 to 15, Lambda accepts 2 to 1000",
				"RemediateBatchWindow may be 0 while RemediateBatchSize may exceed 10 (Lambda refuses the mapping)",
			},
		},
		{
			name: "any rule may send, no age alarm",
			edit: func(m map[string]any) {
				st := props(m, "ClientChangeQueuePolicy")["PolicyDocument"].(map[string]any)["Statement"].([]any)[0].(map[string]any)
				delete(st, "Condition")
				delete(m["Resources"].(map[string]any), "ClientChangeQueueAgeAlarm")
			},
			want: []string{
				"ClientChangeQueuePolicy: statement ClientChangeEvents lets more than ClientChangeRule send",
				"no alarm on ApproximateAgeOfOldestMessage map[Fn::GetAtt:[ClientChangeQueue QueueName]]",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := diff.Diff(tc.want, queueProblems(edited(tc.edit))); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRemediateDefaults: the template's pacing defaults are the function's
// own (a stack deployed with defaults and a function run without the
// variables, as `sam local invoke` and the demo do, pace alike).
func TestRemediateDefaults(t *testing.T) {
	_, tmpl := loadTemplate(t)
	for param, want := range map[string]float64{
		"RemediateRate":           remediate.DefaultRate,
		"RemediatePoolRate":       remediate.DefaultPoolRate,
		"RemediateMaxConcurrency": remediate.DefaultMaxConcurrency,
	} {
		if got := num(dig(t, tmpl, "Parameters", param, "Default")); got != want {
			t.Errorf("%s default %v, the function's is %v", param, got, want)
		}
	}
}
