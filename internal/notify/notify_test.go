package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cognito-guard/cognito-guard/internal/notify/hub"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const (
	pool    = "us-east-1_EXAMPLE01"
	account = "123456789012"
	region  = "us-east-1"
	poolARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_EXAMPLE01"
)

var (
	accessMax = policy.Finding{Rule: "AccessTokenValidity.max", Field: "AccessTokenValidity", Current: "24h", Required: "<= 1h", Action: policy.Enforce, Fixable: true, Fix: "1h"}
	flowsRpt  = policy.Finding{Rule: "ExplicitAuthFlows.forbid", Field: "ExplicitAuthFlows", Current: []any{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"}, Required: "must not contain ALLOW_USER_PASSWORD_AUTH", Action: policy.Report, Fixable: true}
	implicit  = policy.Finding{Rule: "AllowedOAuthFlows.forbid", Field: "AllowedOAuthFlows", Current: []any{"implicit"}, Required: "must not contain implicit", Action: policy.Enforce, Fixable: false, Reason: "implicit is the only OAuth flow; removing it leaves none"}

	remediated = reconcile.Outcome{
		UserPoolID: pool, ClientID: "6example0client0id0drift01", ClientName: "web-portal",
		Status: reconcile.Remediated, Reason: "remediated AccessTokenValidity",
		Findings: []policy.Finding{accessMax, flowsRpt},
		Changes:  []policy.Change{{Field: "AccessTokenValidity", Before: "24h", After: "1h"}},
	}
	unfixable = reconcile.Outcome{
		UserPoolID: pool, ClientID: "6example0client0id0unfix01", ClientName: "legacy-spa",
		Status: reconcile.Unfixable, Reason: "1 finding(s) cannot be fixed automatically",
		Findings: []policy.Finding{implicit},
	}
	dryRun = reconcile.Outcome{
		UserPoolID: pool, ClientID: "6example0client0id0dryrn01", ClientName: "admin",
		Status: reconcile.Drift, DryRun: true, Reason: "dry run: would remediate AccessTokenValidity",
		Findings: []policy.Finding{accessMax},
		Changes:  []policy.Change{{Field: "AccessTokenValidity", Before: "24h", After: "1h"}},
	}
	failed    = reconcile.Outcome{UserPoolID: pool, ClientID: "6example0client0id0faild01", ClientName: "batch", Status: reconcile.Failed, Reason: "update: NotAuthorizedException: not allowed"}
	compliant = reconcile.Outcome{UserPoolID: pool, ClientID: "6example0client0id0clean01", ClientName: "mobile-app", Status: reconcile.Compliant}
	skipped   = reconcile.Outcome{UserPoolID: pool, ClientID: "6example0client0id0gone001", Status: reconcile.Skipped, Reason: "client not found"}
	exempt    = reconcile.Outcome{UserPoolID: pool, ClientID: "6example0client0id0exmpt01", ClientName: "partner", Status: reconcile.Exempt, Exempted: []policy.Finding{accessMax}}
)

// testHub is the audit's Security Hub sync (package hub) at the tests' time
// and without pauses between retries.
func testHub(opt hub.Options) *hub.Hub {
	opt.Now, opt.Backoff = fixedNow, func(int) time.Duration { return 0 }
	return hub.New(opt)
}

func newTestNotifier(opt Options) *Notifier {
	opt.Account, opt.Region, opt.Function, opt.Now = account, region, "remediate", fixedNow
	n := New(opt)
	n.backoff = func(int) time.Duration { return 0 }
	return n
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := diff.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// indent canonicalises JSON for a golden file: indented, object keys sorted
// (the SDK writes maps in random order).
func indent(t *testing.T, raw []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type eventEntryWire struct {
	Source, DetailType, Detail, EventBusName string
	Resources                                []string
	Time                                     float64
}

func decodeEntries(t *testing.T, c call) []eventEntryWire {
	t.Helper()
	var in struct{ Entries []eventEntryWire }
	if err := json.Unmarshal(c.Body, &in); err != nil {
		t.Fatalf("PutEvents body: %v", err)
	}
	return in.Entries
}

func TestPublishEventBridge(t *testing.T) {
	aws := newFakeAWS(t, map[string]reply{"PutEvents": putEventsOK})
	n := newTestNotifier(Options{Events: aws.eventbridge(), Bus: "guard-bus"})
	outcomes := []reconcile.Outcome{compliant, remediated, skipped, unfixable, dryRun, failed, exempt}
	if err := n.Publish(context.Background(), outcomes); err != nil {
		t.Fatal(err)
	}
	calls := aws.callsOf("PutEvents")
	if len(calls) != 1 {
		t.Fatalf("%d PutEvents calls, want 1", len(calls))
	}
	entries := decodeEntries(t, calls[0])
	var clients []string
	var details bytes.Buffer
	for _, e := range entries {
		env := eventEntryWire{Source: Source, DetailType: DetailType, EventBusName: "guard-bus", Resources: []string{poolARN}, Time: float64(testNow.Unix()), Detail: e.Detail}
		if diff := diff.Diff(env, e); diff != "" {
			t.Errorf("entry (-want +got):\n%s", diff)
		}
		var d Detail
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, d.ClientID)
		validateDetail(t, []byte(e.Detail))
		details.Write(indent(t, []byte(e.Detail)))
	}
	// Only the non-compliant outcomes, in order.
	if diff := diff.Diff([]string{remediated.ClientID, unfixable.ClientID, dryRun.ClientID, failed.ClientID}, clients); diff != "" {
		t.Errorf("clients published (-want +got):\n%s", diff)
	}
	golden(t, "event_details.golden.json", details.Bytes())
}

func TestPublishEventBridgeBatchesAndRetries(t *testing.T) {
	many := func(k int) []reconcile.Outcome {
		var out []reconcile.Outcome
		for i := range k {
			o := dryRun
			o.ClientID = fmt.Sprintf("client%02d", i)
			out = append(out, o)
		}
		return out
	}
	// rejectFirst rejects, in call n, the entries whose index is listed.
	reject := func(perCall map[int][]int) reply {
		return func(t *testing.T, n int, body []byte) (int, string) {
			var in struct{ Entries []json.RawMessage }
			_ = json.Unmarshal(body, &in)
			bad := map[int]bool{}
			for _, i := range perCall[n] {
				bad[i] = true
			}
			var res []string
			for i := range in.Entries {
				if bad[i] {
					res = append(res, `{"ErrorCode":"ThrottlingException","ErrorMessage":"Rate exceeded"}`)
				} else {
					res = append(res, fmt.Sprintf(`{"EventId":"e%d"}`, i))
				}
			}
			return 200, fmt.Sprintf(`{"FailedEntryCount":%d,"Entries":[%s]}`, len(bad), strings.Join(res, ","))
		}
	}
	tests := []struct {
		name      string
		outcomes  []reconcile.Outcome
		reply     reply
		wantCalls [][]string // client IDs per call
		wantErr   string
	}{
		{
			name:     "ten per call",
			outcomes: many(23),
			reply:    putEventsOK,
			wantCalls: [][]string{
				{"client00", "client01", "client02", "client03", "client04", "client05", "client06", "client07", "client08", "client09"},
				{"client10", "client11", "client12", "client13", "client14", "client15", "client16", "client17", "client18", "client19"},
				{"client20", "client21", "client22"},
			},
		},
		{
			name:      "rejected entries are sent again",
			outcomes:  many(4),
			reply:     reject(map[int][]int{1: {1, 3}, 2: {1}}),
			wantCalls: [][]string{{"client00", "client01", "client02", "client03"}, {"client01", "client03"}, {"client03"}},
		},
		{
			name:      "gives up after three attempts",
			outcomes:  many(2),
			reply:     reject(map[int][]int{1: {0}, 2: {0}, 3: {0}}),
			wantCalls: [][]string{{"client00", "client01"}, {"client00"}, {"client00"}},
			wantErr:   "eventbridge: 1 event(s) not accepted after 3 attempts: ThrottlingException x1",
		},
		{
			name:      "request error",
			outcomes:  many(1),
			reply:     serviceError("AccessDeniedException"),
			wantCalls: [][]string{{"client00"}},
			wantErr:   "eventbridge: put events: events PutEvents: HTTP 400: AccessDeniedException: no",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aws := newFakeAWS(t, map[string]reply{"PutEvents": tt.reply})
			n := newTestNotifier(Options{Events: aws.eventbridge()})
			err := n.Publish(context.Background(), tt.outcomes)
			checkErr(t, err, tt.wantErr)
			var got [][]string
			for _, c := range aws.callsOf("PutEvents") {
				var ids []string
				for _, e := range decodeEntries(t, c) {
					var d Detail
					if err := json.Unmarshal([]byte(e.Detail), &d); err != nil {
						t.Fatal(err)
					}
					ids = append(ids, d.ClientID)
					if e.EventBusName != "" {
						t.Errorf("EventBusName %q, want none (default bus)", e.EventBusName)
					}
				}
				got = append(got, ids)
			}
			if diff := diff.Diff(tt.wantCalls, got); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("error = %v, want none", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("error = %v, want one containing %q", err, want)
	}
}

func TestPublishSNS(t *testing.T) {
	aws := newFakeAWS(t, map[string]reply{"Publish": publishOK})
	n := newTestNotifier(Options{SNS: aws.sns(), TopicARN: "arn:aws:sns:us-east-1:123456789012:cognito-guard"})
	if err := n.Publish(context.Background(), []reconcile.Outcome{compliant, remediated, unfixable}); err != nil {
		t.Fatal(err)
	}
	calls := aws.callsOf("Publish")
	if len(calls) != 2 {
		t.Fatalf("%d Publish calls, want 2", len(calls))
	}
	var messages bytes.Buffer
	var got []map[string]string
	for _, c := range calls {
		v, err := url.ParseQuery(string(c.Body))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{"TopicArn": v.Get("TopicArn"), "Subject": v.Get("Subject")}
		// MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue
		for i := 1; v.Get(fmt.Sprintf("MessageAttributes.entry.%d.Name", i)) != ""; i++ {
			p := fmt.Sprintf("MessageAttributes.entry.%d.", i)
			m["attr:"+v.Get(p+"Name")] = v.Get(p+"Value.DataType") + ":" + v.Get(p+"Value.StringValue")
		}
		got = append(got, m)
		msg := v.Get("Message")
		messages.WriteString(msg + "-----\n")
		// The JSON part is the event detail.
		_, js, ok := strings.Cut(msg, "\nDetail:\n")
		if !ok {
			t.Fatalf("message has no detail JSON:\n%s", msg)
		}
		validateDetail(t, []byte(js))
	}
	topic := "arn:aws:sns:us-east-1:123456789012:cognito-guard"
	want := []map[string]string{
		{"TopicArn": topic, "Subject": "cognito-guard: remediated web-portal (6example0client0id0drift01)",
			"attr:outcome": "String:remediated", "attr:function": "String:remediate", "attr:userPoolId": "String:" + pool, "attr:source": "String:cognito-guard"},
		{"TopicArn": topic, "Subject": "cognito-guard: unfixable legacy-spa (6example0client0id0unfix01)",
			"attr:outcome": "String:unfixable", "attr:function": "String:remediate", "attr:userPoolId": "String:" + pool, "attr:source": "String:cognito-guard"},
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("Publish parameters (-want +got):\n%s", diff)
	}
	golden(t, "sns_messages.golden.txt", messages.Bytes())
}

func TestSubject(t *testing.T) {
	tests := []struct {
		name string
		o    reconcile.Outcome
		want string
	}{
		{"named", remediated, "cognito-guard: remediated web-portal (6example0client0id0drift01)"},
		{"dry run", dryRun, "cognito-guard: drift (dry run) admin (6example0client0id0dryrn01)"},
		{"unnamed", reconcile.Outcome{ClientID: "abc", Status: reconcile.Failed}, "cognito-guard: failed abc"},
		{"pool only", reconcile.Outcome{UserPoolID: pool, Status: reconcile.Failed}, "cognito-guard: failed in us-east-1_EXAMPLE01"},
		{"nothing known", reconcile.Outcome{Status: reconcile.Failed, Reason: "invalid input"}, "cognito-guard: failed (no client)"},
		{"control characters and non-ASCII", reconcile.Outcome{ClientID: "abc", ClientName: "ünï\ncode", Status: reconcile.Failed}, "cognito-guard: failed ?n??code (abc)"},
		{"long", reconcile.Outcome{ClientID: "6example0client0id0drift01", ClientName: strings.Repeat("n", 128), Status: reconcile.Unfixable},
			"cognito-guard: unfixable " + strings.Repeat("n", 71) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Subject(tt.o)
			if diff := diff.Diff(tt.want, got); diff != "" {
				t.Errorf("Subject (-want +got):\n%s", diff)
			}
			if len(got) >= 100 {
				t.Errorf("subject is %d characters, SNS wants fewer than 100", len(got))
			}
		})
	}
}

func validateDetail(t *testing.T, js []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("testdata", "detail.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatalf("detail is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("detail does not match testdata/detail.schema.json: %v\n%s", err, js)
	}
}

func TestDetailSchema(t *testing.T) {
	for i, o := range []reconcile.Outcome{remediated, unfixable, dryRun, failed, {UserPoolID: pool, Status: reconcile.Failed}, {Status: reconcile.Failed, Reason: "invalid input"}} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			js, err := json.Marshal(NewDetail("audit", o))
			if err != nil {
				t.Fatal(err)
			}
			validateDetail(t, js)
		})
	}
	// The schema is strict enough to catch a wrong detail.
	bad := map[string]string{
		"missing findings":    `{"function":"audit","outcome":"drift","userPoolId":"us-east-1_A","clientId":"c","clientName":"","dryRun":false,"reason":"","changes":[]}`,
		"compliant published": `{"function":"audit","outcome":"compliant","userPoolId":"us-east-1_A","clientId":"c","clientName":"","dryRun":false,"reason":"","findings":[],"changes":[]}`,
		"bad pool id":         `{"function":"audit","outcome":"drift","userPoolId":"nope","clientId":"c","clientName":"","dryRun":false,"reason":"","findings":[],"changes":[]}`,
		"extra property":      `{"function":"audit","outcome":"drift","userPoolId":"us-east-1_A","clientId":"c","clientName":"","dryRun":false,"reason":"","findings":[],"changes":[],"clientSecret":"x"}`,
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("testdata", "detail.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, js := range bad {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(js))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s: schema accepts %s", name, js)
		}
	}
}

func TestChannelsAreIndependent(t *testing.T) {
	aws := newFakeAWS(t, map[string]reply{
		"PutEvents":           serviceError("InternalException"),
		"Publish":             publishOK,
		"BatchImportFindings": importOK,
	})
	n := newTestNotifier(Options{Events: aws.eventbridge(), SNS: aws.sns(), TopicARN: "arn:aws:sns:us-east-1:123456789012:t", SecurityHub: testHub(hub.Options{SecurityHub: aws.securityhub()})})
	err := n.Publish(context.Background(), []reconcile.Outcome{unfixable})
	checkErr(t, err, "eventbridge: put events")
	if strings.Contains(fmt.Sprint(err), "sns:") || strings.Contains(fmt.Sprint(err), "securityhub:") {
		t.Errorf("error %v blames a channel that worked", err)
	}
	if len(aws.callsOf("Publish")) != 1 || len(aws.callsOf("BatchImportFindings")) != 1 {
		t.Errorf("calls %d Publish, %d BatchImportFindings; want 1 each despite EventBridge failing", len(aws.callsOf("Publish")), len(aws.callsOf("BatchImportFindings")))
	}
}

func TestNothingToPublish(t *testing.T) {
	// A fake that fails on any call: only compliant and skipped outcomes
	// must reach no channel but Security Hub, which is off here.
	aws := newFakeAWS(t, nil)
	n := newTestNotifier(Options{Events: aws.eventbridge(), SNS: aws.sns(), TopicARN: "t"})
	if err := n.Publish(context.Background(), []reconcile.Outcome{compliant, skipped, exempt}); err != nil {
		t.Fatal(err)
	}
	if len(aws.All()) != 0 {
		t.Errorf("%d calls, want none", len(aws.All()))
	}
}
