package trigger_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/trigger"
)

var update = flag.Bool("update", false, "rewrite testdata/fuzz/FuzzParse/events-* from events/")

const (
	pool    = "us-east-1_EXAMPLE01"
	drifted = "6example0client0id0drift01"
	clean   = "6example0client0id0clean01"
	account = "123456789012"
	region  = "us-east-1"

	ssoUser  = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_5f1c2a9e8d7b6c4a/jane.doe@example.com"
	deployer = "arn:aws:sts::123456789012:assumed-role/platform-deployer/platform-ci-4711"
)

// identities maps the callers of events/ to userIdentity.type and the
// session issuer's role ARN.
var identities = map[string][2]string{
	ssoUser:  {"AssumedRole", "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_5f1c2a9e8d7b6c4a"},
	deployer: {"AssumedRole", "arn:aws:iam::123456789012:role/platform-deployer"},
	"arn:aws:sts::123456789012:assumed-role/cfn-exec-role/AWSCloudFormation": {"AssumedRole", "arn:aws:iam::123456789012:role/cfn-exec-role"},
	"arn:aws:iam::123456789012:user/alice":                                   {"IAMUser", ""},
	"arn:aws:iam::123456789012:root":                                         {"Root", ""},
}

func cloudTrail(eventName, eventID, eventTime, actor string) trigger.Request {
	id := identities[actor]
	return trigger.Request{
		UserPoolID: pool, ClientID: drifted, Source: trigger.SourceCloudTrail, EventName: eventName,
		EventID: eventID, EventTime: eventTime, Account: account, Region: region, Actor: actor,
		IdentityType: id[0], IssuerARN: id[1],
	}
}

// eventFiles lists every file in events/ and what Parse must make of it.
// TestEventFilesListed fails when a file is added without a row here, so the
// samples that `sam local invoke -e` uses cannot drift from what is tested.
// Non-event files are listed too: passed to the function by mistake, they
// must fail loudly rather than be taken for a request.
var eventFiles = map[string]outcome{
	"create-user-pool-client.json": {Kind: isRequest, Request: cloudTrail("CreateUserPoolClient",
		"796d5e24-efec-4f09-a8b0-12cd69714600", "2026-11-26T06:58:03Z", deployer)},
	"update-user-pool-client.json": {Kind: isRequest, Request: cloudTrail("UpdateUserPoolClient",
		"7683f0a4-0fb9-4419-9d4d-75e7a80013e6", "2026-11-26T07:02:11Z", ssoUser)},
	"update-user-pool-client-iam-user.json": {Kind: isRequest, Request: cloudTrail("UpdateUserPoolClient",
		"f160b8d4-7c35-4124-a582-b3417951a14d", "2026-11-26T07:03:40Z", "arn:aws:iam::123456789012:user/alice")},
	"update-user-pool-client-root.json": {Kind: isRequest, Request: cloudTrail("UpdateUserPoolClient",
		"32345b96-6f3a-414b-a6e6-5d8e76b175cb", "2026-11-26T07:04:05Z", "arn:aws:iam::123456789012:root")},
	"update-user-pool-client-cloudformation.json": {Kind: isRequest, Request: func() trigger.Request {
		r := cloudTrail("UpdateUserPoolClient", "58b87f3e-a79d-4641-ac00-67a81ff3c63a", "2026-11-26T07:04:31Z",
			"arn:aws:sts::123456789012:assumed-role/cfn-exec-role/AWSCloudFormation")
		r.InvokedBy = "cloudformation.amazonaws.com"
		return r
	}()},
	"add-user-pool-client-secret.json": {Kind: isRequest, Request: cloudTrail("AddUserPoolClientSecret",
		"e55bfce9-ae3a-4d6a-a1d6-bbe29daea511", "2026-11-26T07:05:12Z", deployer)},
	"delete-user-pool-client-secret.json": {Kind: isRequest, Request: cloudTrail("DeleteUserPoolClientSecret",
		"1ba95def-0640-448c-a15d-be8ced66e714", "2026-11-26T07:06:48Z", deployer)},
	"update-user-pool-client-failed.json": {Kind: isSkip,
		Message: `UpdateUserPoolClient failed with errorCode "InvalidParameterException": nothing changed`},
	"delete-user-pool-client.json": {Kind: isSkip,
		Message: "DeleteUserPoolClient: the client is gone, nothing to reconcile"},
	"other-service.json": {Kind: isSkip, Message: `source "aws.s3" is not aws.cognito-idp`},
	"hosted-ui-token.json": {Kind: isSkip,
		Message: `detail-type "AWS Service Event via CloudTrail" is not "AWS API Call via CloudTrail"`},
	"manual.json": {Kind: isRequest,
		Request: trigger.Request{UserPoolID: pool, ClientID: drifted, Source: trigger.SourceManual}},
	"manual-compliant.json": {Kind: isRequest,
		Request: trigger.Request{UserPoolID: pool, ClientID: clean, Source: trigger.SourceManual}},
	"baseline.json": {Kind: isError,
		Message: `manual payload: unknown keys "$schema", "exemptions", "overrides", "rules", "version" (it takes only userPoolId and clientId)`},
	"env.json": {Kind: isError,
		Message: `manual payload: unknown keys "AuditFunction", "Parameters", "RemediateFunction" (it takes only userPoolId and clientId)`},
	"audit.json": {Kind: isError,
		Message: `manual payload: unknown key "userPoolIds" (it takes only userPoolId and clientId)`},
	"scheduled-event.json": {Kind: isSkip, Message: `source "aws.events" is not aws.cognito-idp`},
	// An SQS batch never reaches Parse: batch.Router hands it to the batch
	// handler, which parses each record's body (internal/batch TestSampleBatch).
	"sqs-batch.json": {Kind: isError, Message: `manual payload: unknown key "Records" (it takes only userPoolId and clientId)`},
	"README.md":      {Kind: isError, Message: "input is not valid JSON: invalid character '#' looking for beginning of value"},
}

func TestParseEventFiles(t *testing.T) {
	for name, want := range eventFiles {
		t.Run(name, func(t *testing.T) {
			got := classify(trigger.Parse(readEvent(t, name)))
			if diff := diff.Diff(want, got); diff != "" {
				t.Errorf("Parse(events/%s) mismatch (-want +got):\n%s", name, diff)
			}
		})
	}
}

func TestEventFilesListed(t *testing.T) {
	entries, err := os.ReadDir(eventsDir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	var want []string
	for name := range eventFiles {
		want = append(want, name)
	}
	slices.Sort(want)
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("files in events/ and the eventFiles table differ (-table +dir):\n%s", diff)
	}
}

// TestEventsReadme keeps events/README.md's table in step with the files.
func TestEventsReadme(t *testing.T) {
	var got []string
	for _, m := range readmeRow.FindAllStringSubmatch(string(readEvent(t, "README.md")), -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	var want []string
	for name := range eventFiles {
		if name != "README.md" {
			want = append(want, name)
		}
	}
	slices.Sort(want)
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("events/README.md table rows and the files differ (-files +readme):\n%s", diff)
	}
}

var readmeRow = regexp.MustCompile("(?m)^\\| `([^`]+)` \\|")

// TestEventFilesShape checks the hand-built CloudTrail samples against the
// documented record shape, so that tests elsewhere (the EventBridge pattern,
// the handler) exercise realistic events, and that no sample carries a
// client secret in clear.
func TestEventFilesShape(t *testing.T) {
	envelopeKeys := []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}
	recordKeys := []string{"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
		"sourceIPAddress", "userAgent", "requestParameters", "responseElements", "requestID", "eventID",
		"readOnly", "eventType", "managementEvent", "recipientAccountId", "eventCategory"}
	for name := range eventFiles {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(readEvent(t, name), &doc); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if secret := clearSecret(doc, ""); secret != "" {
			t.Errorf("%s: %s holds a value in clear; CloudTrail masks secrets as HIDDEN_DUE_TO_SECURITY_REASONS", name, secret)
		}
		if dt, _ := doc["detail-type"].(string); !strings.HasSuffix(dt, "via CloudTrail") || name == "other-service.json" {
			continue // not a CloudTrail event, or AWS's own verbatim sample from 2016
		}
		for _, k := range envelopeKeys {
			if _, ok := doc[k]; !ok {
				t.Errorf("%s: envelope has no %q", name, k)
			}
		}
		detail, _ := doc["detail"].(map[string]any)
		for _, k := range recordKeys {
			if _, ok := detail[k]; !ok {
				t.Errorf("%s: detail has no %q", name, k)
			}
		}
		same := [][2]any{
			{doc["time"], detail["eventTime"]},
			{doc["account"], detail["recipientAccountId"]},
			{doc["region"], detail["awsRegion"]},
			{doc["account"], account},
			{doc["region"], region},
		}
		for _, p := range same {
			if p[0] != p[1] {
				t.Errorf("%s: %v and %v differ", name, p[0], p[1])
			}
		}
		for _, k := range []string{"id"} {
			if _, err := uuid.Parse(fmt.Sprint(doc[k])); err != nil {
				t.Errorf("%s: %s %v is not a UUID", name, k, doc[k])
			}
		}
		for _, k := range []string{"eventID", "requestID"} {
			if _, err := uuid.Parse(fmt.Sprint(detail[k])); err != nil {
				t.Errorf("%s: detail.%s %v is not a UUID", name, k, detail[k])
			}
		}
	}
}

// clearSecret returns the path of a secret-looking key whose value is not
// masked (a leaf, not an object such as clientSecretDescriptor), or "". Secret IDs and the generateSecret flag are not secrets.
func clearSecret(v any, path string) string {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := path + "." + k
			lower := strings.ToLower(k)
			_, isMap := e.(map[string]any)
			_, isList := e.([]any)
			if !isMap && !isList && strings.Contains(lower, "secret") && lower != "clientsecretid" && lower != "generatesecret" &&
				lower != "clientsecretcreatedate" && e != "HIDDEN_DUE_TO_SECURITY_REASONS" {
				return p
			}
			if s := clearSecret(e, p); s != "" {
				return s
			}
		}
	case []any:
		for i, e := range v {
			if s := clearSecret(e, fmt.Sprintf("%s[%d]", path, i)); s != "" {
				return s
			}
		}
	}
	return ""
}

// corpusFile renders data in the `go test fuzz v1` corpus format.
func corpusFile(data []byte) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data)
}

// TestFuzzCorpus checks that the seed corpus holds every JSON file of
// events/ as it is now; `go test -run TestFuzzCorpus -update` rewrites it.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	want := map[string][]byte{}
	for name := range eventFiles {
		if strings.HasSuffix(name, ".json") {
			want["events-"+strings.TrimSuffix(name, ".json")] = corpusFile(readEvent(t, name))
		}
	}
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(dir, "events-*"))
		for _, f := range old {
			if _, ok := want[filepath.Base(f)]; !ok {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, b := range want {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	have, err := filepath.Glob(filepath.Join(dir, "events-*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range have {
		if _, ok := want[filepath.Base(f)]; !ok {
			t.Errorf("%s has no source in events/; run go test -run TestFuzzCorpus -update", f)
		}
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s is missing or stale; run go test -run TestFuzzCorpus -update", filepath.Join(dir, name))
		}
	}
}
