package templatetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/python"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"testing"
)

// motoPython is the interpreter that has moto: $MOTO_PYTHON (set by .ci/run when it finds moto
// under another interpreter) or python3 (behind a pyenv shim, the interpreter itself:
// internal/testkit/python).
func motoPython() string { return python.Interpreter() }

// motoWorker returns the moto worker (testdata/moto_worker.py), started on first use; without moto
// the test skips (or fails under CI=true, see unavailable).
func motoWorker(t *testing.T) *worker {
	t.Helper()
	startMoto()
	if motoMissing != "" {
		unavailable(t, "moto", motoMissing)
	}
	return motoW
}

// startMoto starts the moto worker once and waits until it is ready or known to be missing.
func startMoto() {
	motoOnce.Do(func() {
		py := motoPython()
		if _, err := exec.LookPath(py); err != nil {
			motoMissing = `python3 not found; install python3 and moto (pip install "moto[server]==5.2.*")`
			return
		}
		// The worker answers once it has imported moto.events.models.
		w, err := startWorker(py, "moto_worker.py")
		if err != nil {
			why := err.Error()
			var se *startError
			if errors.As(err, &se) {
				why = se.lastLine
			}
			motoMissing = fmt.Sprintf("%s cannot import moto.events.models (%s); pip install \"moto[server]==5.2.*\"", py, why)
			return
		}
		motoW = w
	})
}

var (
	motoOnce    sync.Once
	motoW       *worker
	motoMissing string
)

type matchJob struct {
	Pattern any   `json:"pattern"`
	Events  []any `json:"events"`
}

// match returns, per job, moto's verdict for each of its events.
func match(t *testing.T, jobs []matchJob) [][]bool {
	t.Helper()
	var res struct{ Verdicts [][]bool }
	if err := motoWorker(t).call(map[string]any{"op": "match", "jobs": jobs}, &res); err != nil {
		t.Fatalf("moto matcher: %v", err)
	}
	got := res.Verdicts
	if len(got) != len(jobs) {
		t.Fatalf("moto matcher answered %v", got)
	}
	for i := range jobs {
		if len(got[i]) != len(jobs[i].Events) {
			t.Fatalf("moto matcher answered %v", got)
		}
	}
	return got
}

// ourEvent is the rule's contract, independent of EventBridge syntax: an app-client write recorded
// by CloudTrail, whoever made it and whether or not it failed. The rule does not filter on errorCode:
// CloudTrail records sometimes carry "errorCode": "" on success, which "exists": false would drop, and
// the function itself skips failed calls (internal/trigger: a non-empty errorCode is skipped).
func ourEvent(e map[string]any) bool {
	d, _ := e["detail"].(map[string]any)
	return e["source"] == "aws.cognito-idp" &&
		e["detail-type"] == "AWS API Call via CloudTrail" &&
		d["eventSource"] == "cognito-idp.amazonaws.com" &&
		slices.Contains([]any{"CreateUserPoolClient", "UpdateUserPoolClient", "AddUserPoolClientSecret", "DeleteUserPoolClientSecret"}, d["eventName"])
}

type patternCase struct {
	name  string
	event map[string]any
	want  bool
}

// identities are the userIdentity shapes of the CloudTrail userIdentity element reference
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
var identities = map[string]string{
	"assumed role": `{"type":"AssumedRole","principalId":"AROA5EXAMPLEROLE0001:ci","arn":"arn:aws:sts::123456789012:assumed-role/deployer/ci",
		"accountId":"123456789012","accessKeyId":"ASIA5EXAMPLEROLE0001","sessionContext":{"sessionIssuer":{"type":"Role",
		"principalId":"AROA5EXAMPLEROLE0001","arn":"arn:aws:iam::123456789012:role/deployer","accountId":"123456789012","userName":"deployer"},
		"attributes":{"creationDate":"2026-11-26T06:00:00Z","mfaAuthenticated":"false"}}}`,
	"IAM user": `{"type":"IAMUser","principalId":"AIDA5EXAMPLEUSER0001","arn":"arn:aws:iam::123456789012:user/alice",
		"accountId":"123456789012","accessKeyId":"AKIA5EXAMPLEUSER0001","userName":"alice"}`,
	"root": `{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"}`,
	"CloudFormation": `{"type":"AssumedRole","principalId":"AROA5EXAMPLECFN00001:AWSCloudFormation","arn":"arn:aws:sts::123456789012:assumed-role/cfn-exec/AWSCloudFormation",
		"accountId":"123456789012","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::123456789012:role/cfn-exec"}},
		"invokedBy":"cloudformation.amazonaws.com"}`,
	"AWS service": `{"type":"AWSService","invokedBy":"cognito-idp.amazonaws.com"}`,
}

// variants builds envelopes from testdata/envelope.json: every event name by every identity, and
// the near misses that must not match.
func variants(t *testing.T) []patternCase {
	t.Helper()
	base, err := os.ReadFile(filepath.Join("testdata", "envelope.json"))
	if err != nil {
		t.Fatal(err)
	}
	envelope := func(edit func(e, d map[string]any)) map[string]any {
		var e map[string]any
		if err := json.Unmarshal(base, &e); err != nil {
			t.Fatal(err)
		}
		edit(e, e["detail"].(map[string]any))
		return e
	}
	identity := func(name string) any {
		var v any
		if err := json.Unmarshal([]byte(identities[name]), &v); err != nil {
			t.Fatalf("identity %s: %v", name, err)
		}
		return v
	}
	var cases []patternCase
	names := []string{"CreateUserPoolClient", "UpdateUserPoolClient", "AddUserPoolClientSecret", "DeleteUserPoolClientSecret"}
	var who []string
	for k := range identities {
		who = append(who, k)
	}
	sort.Strings(who)
	for _, n := range names {
		for _, w := range who {
			cases = append(cases, patternCase{
				name:  n + " by " + w,
				event: envelope(func(e, d map[string]any) { d["eventName"] = n; d["userIdentity"] = identity(w) }),
				want:  true,
			})
		}
		// A successful call whose record carries an empty errorCode must still reach the function.
		cases = append(cases, patternCase{
			name:  n + ` with "errorCode": ""`,
			event: envelope(func(e, d map[string]any) { d["eventName"], d["errorCode"] = n, "" }),
			want:  true,
		})
	}
	// Failed calls are delivered too; the function skips them (nothing changed).
	failed := []struct {
		name string
		edit func(e, d map[string]any)
	}{
		{"failed update by IAM user", func(e, d map[string]any) {
			d["userIdentity"] = identity("IAM user")
			d["errorCode"], d["errorMessage"] = "AccessDenied", "User is not authorized"
			d["responseElements"] = nil
		}},
		{"failed create by root", func(e, d map[string]any) {
			d["eventName"], d["errorCode"] = "CreateUserPoolClient", "InvalidParameterException"
		}},
		{"failed secret add by assumed role", func(e, d map[string]any) {
			d["eventName"], d["errorCode"] = "AddUserPoolClientSecret", "LimitExceededException"
			d["userIdentity"] = identity("assumed role")
		}},
	}
	for _, f := range failed {
		cases = append(cases, patternCase{name: f.name, event: envelope(f.edit), want: true})
	}
	nearMisses := []struct {
		name string
		edit func(e, d map[string]any)
	}{
		{"DeleteUserPoolClient", func(e, d map[string]any) { d["eventName"] = "DeleteUserPoolClient" }},
		{"CreateUserPool", func(e, d map[string]any) { d["eventName"] = "CreateUserPool" }},
		{"DescribeUserPoolClient (read-only)", func(e, d map[string]any) { d["eventName"], d["readOnly"] = "DescribeUserPoolClient", true }},
		{"service event detail-type", func(e, d map[string]any) {
			e["detail-type"], d["eventType"] = "AWS Service Event via CloudTrail", "AwsServiceEvent"
		}},
		{"identity pools service", func(e, d map[string]any) {
			e["source"], d["eventSource"] = "aws.cognito-identity", "cognito-identity.amazonaws.com"
		}},
		{"other service same event name", func(e, d map[string]any) { e["source"], d["eventSource"] = "aws.s3", "s3.amazonaws.com" }},
	}
	for _, nm := range nearMisses {
		cases = append(cases, patternCase{name: nm.name, event: envelope(nm.edit), want: false})
	}
	return cases
}

// TestEventPattern runs the rule's pattern (ClientChangeRule, which feeds the remediate function's queue), exactly as template.yaml has it, through moto's
// EventBridge matcher, against every EventBridge envelope in events/ (want: the product contract)
// and against generated variants.
func TestEventPattern(t *testing.T) {
	t.Parallel() // each starts a Python process that imports moto
	root, tmpl := loadTemplate(t)
	pattern := dig(t, tmpl, "Resources", "ClientChangeRule", "Properties", "EventPattern")
	motoWorker(t)

	cases := variants(t)
	files, err := filepath.Glob(filepath.Join(root, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	envelopes := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e map[string]any
		if json.Unmarshal(data, &e) != nil || e["detail-type"] == nil {
			continue // the manual payload, the baseline, env.json: not EventBridge events
		}
		envelopes++
		cases = append(cases, patternCase{name: "events/" + filepath.Base(f), event: e, want: ourEvent(e)})
	}
	if envelopes == 0 {
		t.Errorf("no EventBridge envelopes in %s", filepath.Join(root, "events"))
	}

	var events []any
	for _, c := range cases {
		if c.want != ourEvent(c.event) {
			t.Fatalf("case %q: want %v disagrees with the product contract", c.name, c.want)
		}
		events = append(events, c.event)
	}
	got := match(t, []matchJob{{pattern, events}})[0]
	want := map[string]bool{}
	gotBy := map[string]bool{}
	for i, c := range cases {
		want[c.name], gotBy[c.name] = c.want, got[i]
	}
	if diff := diff.Diff(want, gotBy); diff != "" {
		t.Errorf("pattern verdicts by event (-want +got):\n%s", diff)
	}
	t.Logf("moto matched %d of %d events (%d from events/)", count(got), len(got), envelopes)
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// TestAnythingButDropsMissingFields documents, with the same matcher, why the pattern has no
// errorCode filter and filters on no identity field: "exists": false drops a successful call whose
// record carries "errorCode": "", and EventBridge never matches a field an event lacks, so an
// anything-but on such a field drops those events silently.
func TestAnythingButDropsMissingFields(t *testing.T) {
	t.Parallel() // each starts a Python process that imports moto
	motoWorker(t)
	root := map[string]any{"source": "aws.cognito-idp", "detail": map[string]any{
		"eventName": "UpdateUserPoolClient", "userIdentity": map[string]any{"type": "Root"},
	}}
	emptyErrorCode := map[string]any{"source": "aws.cognito-idp", "detail": map[string]any{
		"eventName": "UpdateUserPoolClient", "userIdentity": map[string]any{"type": "Root"}, "errorCode": "",
	}}
	tests := []struct {
		name    string
		pattern string
		event   map[string]any
		want    bool
	}{
		{"exists false on errorCode, event without it", `{"detail":{"errorCode":[{"exists":false}]}}`, root, true},
		{`exists false on errorCode, event with errorCode ""`, `{"detail":{"errorCode":[{"exists":false}]}}`, emptyErrorCode, false},
		{"anything-but on sessionIssuer, which root lacks", `{"detail":{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":[{"anything-but":"arn:aws:iam::123456789012:role/cognito-guard"}]}}}}}`, root, false},
		{"anything-but on a present field", `{"detail":{"userIdentity":{"type":[{"anything-but":"AWSService"}]}}}`, root, true},
	}
	var jobs []matchJob
	for _, tt := range tests {
		var p any
		if err := json.Unmarshal([]byte(tt.pattern), &p); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, matchJob{p, []any{tt.event}})
	}
	got := match(t, jobs)
	for i, tt := range tests {
		if got[i][0] != tt.want {
			t.Errorf("%s: match = %v, want %v", tt.name, got[i][0], tt.want)
		}
	}
}
