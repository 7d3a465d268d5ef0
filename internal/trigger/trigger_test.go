package trigger_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/trigger"
)

type parseCase struct {
	name string
	in   []byte
	want outcome
}

func manualReq(poolID, clientID string) outcome {
	return outcome{Kind: isRequest, Request: trigger.Request{UserPoolID: poolID, ClientID: clientID, Source: trigger.SourceManual}}
}

func errOut(msg string) outcome  { return outcome{Kind: isError, Message: msg} }
func skipOut(msg string) outcome { return outcome{Kind: isSkip, Message: msg} }

// parseCases is shared with FuzzParse as seeds.
func parseCases(tb testing.TB) []parseCase {
	const upd = "update-user-pool-client.json"
	const create = "create-user-pool-client.json"
	base := cloudTrail("UpdateUserPoolClient", "7683f0a4-0fb9-4419-9d4d-75e7a80013e6", "2026-11-26T07:02:11Z", ssoUser)
	with := func(f func(*trigger.Request)) outcome {
		r := base
		f(&r)
		return outcome{Kind: isRequest, Request: r}
	}
	created := cloudTrail("CreateUserPoolClient", "796d5e24-efec-4f09-a8b0-12cd69714600", "2026-11-26T06:58:03Z", deployer)
	const hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"
	const noClientID = "UpdateUserPoolClient: no clientId in detail.requestParameters or detail.responseElements.userPoolClient"

	return []parseCase{
		// Not an object at all.
		{"empty", []byte(""), errOut("input is empty, want a JSON object")},
		{"blank", []byte(" \n\t"), errOut("input is empty, want a JSON object")},
		{"not JSON", []byte("userPoolId=x"), errOut("input is not valid JSON: invalid character 'u' looking for beginning of value")},
		{"truncated", []byte(`{"userPoolId": "us-east-1_EXAMPLE01"`), errOut("input is not valid JSON: unexpected end of JSON input")},
		{"trailing data", []byte(`{} {}`), errOut("input is not valid JSON: invalid character '{' after top-level value")},
		{"null", []byte("null"), errOut("input is null, want a JSON object")},
		{"array", []byte(`[{"userPoolId": "us-east-1_EXAMPLE01"}]`), errOut("input is a JSON array, want an object")},
		{"string", []byte(`"us-east-1_EXAMPLE01"`), errOut("input is a JSON string, want an object")},
		{"number", []byte(`42`), errOut("input is a JSON number, want an object")},
		{"boolean", []byte(`true`), errOut("input is a JSON boolean, want an object")},

		// Manual payload.
		{"manual", []byte(`{"userPoolId": "us-east-1_EXAMPLE01", "clientId": "6example0client0id0drift01"}`), manualReq(pool, drifted)},
		{"manual plus in client ID", []byte(`{"userPoolId": "eu-west-1_AbC123", "clientId": "a+b_C9"}`), manualReq("eu-west-1_AbC123", "a+b_C9")},
		{"manual empty object (sam local invoke without -e)", []byte(`{}`), errOut("manual payload: missing userPoolId and clientId")},
		{"manual missing clientId", []byte(`{"userPoolId": "us-east-1_EXAMPLE01"}`), errOut("manual payload: missing clientId")},
		{"manual null clientId", []byte(`{"userPoolId": "us-east-1_EXAMPLE01", "clientId": null}`), errOut("manual payload: missing clientId")},
		{"manual unknown key", []byte(`{"userPoolId": "us-east-1_EXAMPLE01", "clientId": "6example0client0id0drift01", "dryRun": true}`),
			errOut(`manual payload: unknown key "dryRun" (it takes only userPoolId and clientId)`)},
		{"manual wrong case", []byte(`{"userPoolId": "us-east-1_EXAMPLE01", "clientID": "6example0client0id0drift01"}`),
			errOut(`manual payload: unknown key "clientID" (it takes only userPoolId and clientId)`)},
		{"console test event", []byte(`{"key1": "value1", "key2": "value2", "key3": "value3", "a": 1, "b": 2, "c": 3, "d": 4}`),
			errOut(`manual payload: unknown keys "a", "b", "c", "d", "key1", and 2 more (it takes only userPoolId and clientId)`)},
		{"lambda destination record with an empty payload", []byte(`{"version": "1.0", "timestamp": "2026-11-26T07:02:11Z", "requestContext": {}, "requestPayload": {}}`),
			errOut(`on-failure record: manual payload: missing userPoolId and clientId`)},
		{"manual clientId number", []byte(`{"userPoolId": "us-east-1_EXAMPLE01", "clientId": 6}`),
			errOut("manual payload: clientId is a JSON number, want a string")},
		{"manual empty pool", []byte(`{"userPoolId": "", "clientId": "6example0client0id0drift01"}`),
			errOut(`manual payload: userPoolId: "" is not a user pool ID (want <region>_<id>, at most 55 characters)`)},
		{"manual pool without underscore", []byte(`{"userPoolId": "us-east-1", "clientId": "6example0client0id0drift01"}`),
			errOut(`manual payload: userPoolId: "us-east-1" is not a user pool ID (want <region>_<id>, at most 55 characters)`)},
		{"manual pool trailing newline", []byte(`{"userPoolId": "us-east-1_EXAMPLE01\n", "clientId": "6example0client0id0drift01"}`),
			errOut(`manual payload: userPoolId: "us-east-1_EXAMPLE01\n" is not a user pool ID (want <region>_<id>, at most 55 characters)`)},
		{"manual pool non-ASCII", []byte(`{"userPoolId": "us-east-1_ÄBC", "clientId": "6example0client0id0drift01"}`),
			errOut(`manual payload: userPoolId: "us-east-1_ÄBC" is not a user pool ID (want <region>_<id>, at most 55 characters)`)},
		{"manual pool 55 characters", manualJSON("us-east-1_"+strings.Repeat("a", 45), drifted), manualReq("us-east-1_"+strings.Repeat("a", 45), drifted)},
		{"manual pool 56 characters", manualJSON("us-east-1_"+strings.Repeat("a", 46), drifted),
			errOut(`manual payload: userPoolId: "us-east-1_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" is not a user pool ID (want <region>_<id>, at most 55 characters)`)},
		{"manual client 128 characters", manualJSON(pool, strings.Repeat("c", 128)), manualReq(pool, strings.Repeat("c", 128))},
		{"manual client 129 characters", manualJSON(pool, strings.Repeat("c", 129)),
			errOut(`manual payload: clientId: "` + strings.Repeat("c", 64) + `"... is not an app client ID (want letters, digits, _ or +, at most 128 characters)`)},
		{"manual client with hyphen", manualJSON(pool, "6example-client"),
			errOut(`manual payload: clientId: "6example-client" is not an app client ID (want letters, digits, _ or +, at most 128 characters)`)},
		{"manual client masked", manualJSON(pool, hidden),
			errOut("manual payload: clientId: client ID is masked by CloudTrail as HIDDEN_DUE_TO_SECURITY_REASONS")},

		// The envelope.
		{"envelope unknown keys tolerated", mutate(tb, upd, set("debug", true), set("detail.newField", map[string]any{"x": 1})), with(func(*trigger.Request) {})},
		{"envelope without source", mutate(tb, upd, del("source")), errOut("EventBridge event: source is missing")},
		{"envelope without detail-type", mutate(tb, upd, del("detail-type")), errOut("EventBridge event: detail-type is missing")},
		{"envelope source number", mutate(tb, upd, set("source", 1)),
			errOut("EventBridge event: json: cannot unmarshal number into Go struct field CloudWatchEvent.source of type string")},
		{"envelope bad time", mutate(tb, upd, set("time", "yesterday")),
			errOut(`EventBridge event: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`)},
		{"scheduled event", []byte(`{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}`),
			skipOut(`source "aws.events" is not aws.cognito-idp`)},
		{"detail missing", mutate(tb, upd, del("detail")), errOut("EventBridge event: detail is missing")},
		{"detail null", mutate(tb, upd, set("detail", nil)), errOut("EventBridge event: detail is missing")},
		{"detail array", mutate(tb, upd, set("detail", []any{})), errOut("EventBridge event: detail is a JSON array, want an object")},
		{"detail masked", mutate(tb, upd, set("detail", hidden)), errOut("EventBridge event: detail is a JSON string, want an object")},

		// The fields that decide.
		{"eventSource missing", mutate(tb, upd, del("detail.eventSource")), errOut("detail.eventSource is missing")},
		{"eventSource other", mutate(tb, upd, set("detail.eventSource", "cognito-identity.amazonaws.com")),
			skipOut(`eventSource "cognito-identity.amazonaws.com" is not cognito-idp.amazonaws.com`)},
		{"eventSource number", mutate(tb, upd, set("detail.eventSource", 7)), errOut("detail.eventSource is a JSON number, want a string")},
		{"eventType service event", mutate(tb, upd, set("detail.eventType", "AwsServiceEvent")), skipOut(`eventType "AwsServiceEvent" is not AwsApiCall`)},
		{"eventType missing tolerated", mutate(tb, upd, del("detail.eventType")), with(func(*trigger.Request) {})},
		{"eventType object", mutate(tb, upd, set("detail.eventType", map[string]any{})), errOut("detail.eventType is a JSON object, want a string")},
		{"eventName missing", mutate(tb, upd, del("detail.eventName")), errOut("detail.eventName is missing")},
		{"eventName read-only call", mutate(tb, upd, set("detail.eventName", "DescribeUserPoolClient")),
			skipOut(`eventName "DescribeUserPoolClient" is not an app-client change (want one of CreateUserPoolClient, UpdateUserPoolClient, AddUserPoolClientSecret, DeleteUserPoolClientSecret)`)},
		{"eventName other case", mutate(tb, upd, set("detail.eventName", "updateUserPoolClient")),
			skipOut(`eventName "updateUserPoolClient" is not an app-client change (want one of CreateUserPoolClient, UpdateUserPoolClient, AddUserPoolClientSecret, DeleteUserPoolClientSecret)`)},
		{"errorCode empty is success", mutate(tb, upd, set("detail.errorCode", "")), with(func(*trigger.Request) {})},
		{"errorCode null is success", mutate(tb, upd, set("detail.errorCode", nil)), with(func(*trigger.Request) {})},
		{"errorCode set", mutate(tb, upd, set("detail.errorCode", "AccessDenied")),
			skipOut(`UpdateUserPoolClient failed with errorCode "AccessDenied": nothing changed`)},
		{"errorCode not a string still a failure", mutate(tb, upd, set("detail.errorCode", 400)),
			skipOut(`UpdateUserPoolClient failed with errorCode "": nothing changed`)},
		{"failed delete skipped as delete", mutate(tb, "delete-user-pool-client.json", set("detail.errorCode", "ResourceNotFoundException")),
			skipOut("DeleteUserPoolClient: the client is gone, nothing to reconcile")},

		// Where the IDs come from.
		{"IDs from response when request null", mutate(tb, upd, set("detail.requestParameters", nil)), with(func(*trigger.Request) {})},
		{"clientId from response", mutate(tb, upd, del("detail.requestParameters.clientId")), with(func(*trigger.Request) {})},
		{"clientId masked in request, clear in response", mutate(tb, upd, set("detail.requestParameters.clientId", hidden)), with(func(*trigger.Request) {})},
		{"request masked whole, response clear", mutate(tb, upd, set("detail.requestParameters", hidden)), with(func(*trigger.Request) {})},
		{"response masked whole, request clear", mutate(tb, upd, set("detail.responseElements", hidden)), with(func(*trigger.Request) {})},
		{"create response only clientId", mutate(tb, create, del("detail.requestParameters.userPoolId")), outcome{Kind: isRequest, Request: created}},
		{"create without response", mutate(tb, create, set("detail.responseElements", nil)),
			errOut("CreateUserPoolClient: no clientId in detail.requestParameters or detail.responseElements.userPoolClient")},
		{"no clientId anywhere", mutate(tb, upd, del("detail.requestParameters.clientId"), set("detail.responseElements", nil)), errOut(noClientID)},
		{"no userPoolId anywhere", mutate(tb, "add-user-pool-client-secret.json", del("detail.requestParameters.userPoolId")),
			errOut("AddUserPoolClientSecret: no userPoolId in detail.requestParameters or detail.responseElements.userPoolClient")},
		{"clientId masked everywhere", mutate(tb, upd, set("detail.requestParameters.clientId", hidden), set("detail.responseElements.userPoolClient.clientId", hidden)),
			errOut("UpdateUserPoolClient: clientId is masked by CloudTrail as HIDDEN_DUE_TO_SECURITY_REASONS")},
		{"request masked, no response", mutate(tb, upd, set("detail.requestParameters", hidden), set("detail.responseElements", nil)),
			errOut("UpdateUserPoolClient: userPoolId is masked by CloudTrail as HIDDEN_DUE_TO_SECURITY_REASONS")},
		{"request and response disagree", mutate(tb, upd, set("detail.responseElements.userPoolClient.clientId", "7other")),
			errOut(`UpdateUserPoolClient: detail.requestParameters.clientId "6example0client0id0drift01" and detail.responseElements.userPoolClient.clientId "7other" name different resources`)},
		{"clientId number", mutate(tb, upd, set("detail.requestParameters.clientId", 6)),
			errOut("UpdateUserPoolClient: detail.requestParameters.clientId is a JSON number, want a string")},
		{"userPoolId bad shape", mutate(tb, upd, set("detail.requestParameters.userPoolId", "us-east-1/EXAMPLE01")),
			errOut(`UpdateUserPoolClient: detail.requestParameters.userPoolId: "us-east-1/EXAMPLE01" is not a user pool ID (want <region>_<id>, at most 55 characters)`)},
		{"clientId empty", mutate(tb, upd, set("detail.requestParameters.clientId", "")),
			errOut(`UpdateUserPoolClient: detail.requestParameters.clientId: "" is not an app client ID (want letters, digits, _ or +, at most 128 characters)`)},
		{"requestParameters array", mutate(tb, upd, set("detail.requestParameters", []any{})),
			errOut("detail.requestParameters is a JSON array, want an object")},
		{"userPoolClient string", mutate(tb, upd, set("detail.responseElements.userPoolClient", "x")),
			errOut("detail.responseElements.userPoolClient is a JSON string, want an object")},

		// Log-only fields never decide.
		{"userIdentity masked", mutate(tb, upd, set("detail.userIdentity", hidden)), with(func(r *trigger.Request) { r.Actor, r.IdentityType, r.IssuerARN = "", "", "" })},
		{"userIdentity missing", mutate(tb, upd, del("detail.userIdentity")), with(func(r *trigger.Request) { r.Actor, r.IdentityType, r.IssuerARN = "", "", "" })},
		{"userIdentity arn wrong type", mutate(tb, upd, set("detail.userIdentity.arn", 1)), with(func(r *trigger.Request) { r.Actor, r.IdentityType, r.IssuerARN = "", "", "" })},
		{"actor falls back to session issuer", mutate(tb, upd, del("detail.userIdentity.arn")), with(func(r *trigger.Request) {
			r.Actor = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_5f1c2a9e8d7b6c4a"
		})},
		{"AWS service identity", mutate(tb, upd, set("detail.userIdentity", map[string]any{"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"})),
			with(func(r *trigger.Request) {
				r.Actor, r.InvokedBy = "cloudformation.amazonaws.com", "cloudformation.amazonaws.com"
				r.IdentityType, r.IssuerARN = "AWSService", ""
			})},
		{"eventID wrong type falls back to envelope id", mutate(tb, upd, set("detail.eventID", 5)),
			with(func(r *trigger.Request) { r.EventID = "c0f73249-215e-43fc-99c8-f37e96bc01e6" })},
		{"eventTime missing falls back to envelope time", mutate(tb, upd, del("detail.eventTime"), set("time", "2026-11-26T08:02:11+01:00")),
			with(func(r *trigger.Request) { r.EventTime = "2026-11-26T07:02:11Z" })},
		{"account and region from the record", mutate(tb, upd, del("account"), del("region"), set("detail.recipientAccountId", "210987654321"), set("detail.awsRegion", "eu-west-1")),
			with(func(r *trigger.Request) { r.Account, r.Region = "210987654321", "eu-west-1" })},
	}
}

func manualJSON(poolID, clientID string) []byte {
	return fmt.Appendf(nil, `{"userPoolId": %q, "clientId": %q}`, poolID, clientID)
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(trigger.Parse(tc.in))
			if diff := diff.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseMaskedIsErrMasked(t *testing.T) {
	for _, in := range [][]byte{
		manualJSON(pool, "HIDDEN_DUE_TO_SECURITY_REASONS"),
		manualJSON("HIDDEN_DUE_TO_SECURITY_REASONS", drifted),
		mutate(t, "update-user-pool-client.json", set("detail.requestParameters", "HIDDEN_DUE_TO_SECURITY_REASONS"), set("detail.responseElements", nil)),
	} {
		if _, err := trigger.Parse(in); !errors.Is(err, trigger.ErrMasked) {
			t.Errorf("Parse(%s) = %v, want an error wrapping ErrMasked", in, err)
		}
	}
}

// TestParseNeverLeaksSecret puts a secret where CloudTrail could carry one
// (a custom secret in AddUserPoolClientSecret's request, a create response
// that was not masked) and breaks the event in every way that yields a
// message; the secret must show in none of them, nor in a Request.
func TestParseNeverLeaksSecret(t *testing.T) {
	const secret = "s3cr3t0canary0value0that0must0never0appear0anywhere1"
	carriers := []edit{
		set("detail.requestParameters.clientSecret", secret),
		set("detail.responseElements.userPoolClient.clientSecret", secret),
		set("detail.responseElements.clientSecretDescriptor", map[string]any{"clientSecretValue": secret}),
	}
	breakages := map[string][]edit{
		"valid":          nil,
		"failed":         {set("detail.errorCode", "InvalidParameterException"), set("detail.errorMessage", "bad")},
		"bad clientId":   {set("detail.requestParameters.clientId", "x-y")},
		"no clientId":    {del("detail.requestParameters.clientId"), del("detail.responseElements.userPoolClient.clientId")},
		"disagreeing":    {set("detail.responseElements.userPoolClient.clientId", "7other")},
		"masked IDs":     {set("detail.requestParameters.clientId", "HIDDEN_DUE_TO_SECURITY_REASONS"), del("detail.responseElements.userPoolClient.clientId")},
		"bad eventType":  {set("detail.eventType", []any{secret})},
		"other event":    {set("detail.eventName", "CreateUserPool")},
		"bad response":   {set("detail.responseElements.userPoolClient.userPoolId", 1)},
		"envelope error": {set("time", 1)},
	}
	for _, file := range []string{"create-user-pool-client.json", "update-user-pool-client.json", "add-user-pool-client-secret.json"} {
		for name, edits := range breakages {
			in := mutate(t, file, append(append([]edit{}, carriers...), edits...)...)
			r, err := trigger.Parse(in)
			out := fmt.Sprintf("%+v %v", r, err)
			if strings.Contains(out, secret) {
				t.Errorf("%s, %s: the secret leaked: %s", file, name, out)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	ok := trigger.Request{UserPoolID: pool, ClientID: drifted, Source: trigger.SourceCloudTrail, EventName: "UpdateUserPoolClient"}
	tests := []struct {
		name string
		edit func(*trigger.Request)
		want string
	}{
		{"valid", func(*trigger.Request) {}, ""},
		{"manual with event name", func(r *trigger.Request) { r.Source = trigger.SourceManual },
			`a manual request has no eventName, got "UpdateUserPoolClient"`},
		{"unknown source", func(r *trigger.Request) { r.Source = "sqs" }, `source "sqs" is neither "cloudtrail" nor "manual"`},
		{"delete is not a change", func(r *trigger.Request) { r.EventName = "DeleteUserPoolClient" },
			`eventName "DeleteUserPoolClient" is not an app-client change`},
		{"everything wrong", func(r *trigger.Request) { *r = trigger.Request{} },
			"userPoolId: \"\" is not a user pool ID (want <region>_<id>, at most 55 characters)\n" +
				"clientId: \"\" is not an app client ID (want letters, digits, _ or +, at most 128 characters)\n" +
				`source "" is neither "cloudtrail" nor "manual"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			got := ""
			if err := r.Validate(); err != nil {
				got = err.Error()
			}
			if diff := diff.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventNames(t *testing.T) {
	want := []string{"CreateUserPoolClient", "UpdateUserPoolClient", "AddUserPoolClientSecret", "DeleteUserPoolClientSecret"}
	got := trigger.EventNames()
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("EventNames() mismatch (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if trigger.EventNames()[0] != want[0] {
		t.Error("EventNames() returned the package's own slice")
	}
}

func BenchmarkParse(b *testing.B) {
	in := readEvent(b, "update-user-pool-client.json")
	for b.Loop() {
		if _, err := trigger.Parse(in); err != nil {
			b.Fatal(err)
		}
	}
}

// TestOnFailureRecord: a message from the on-failure queue, passed back as
// it is, reconciles the client its original event named.
func TestOnFailureRecord(t *testing.T) {
	event, err := os.ReadFile(filepath.Join("..", "..", "events", "update-user-pool-client.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := trigger.Parse(event)
	if err != nil {
		t.Fatal(err)
	}
	record := []byte(`{"version":"1.0","timestamp":"2026-11-26T08:00:00.000Z",
	  "requestContext":{"requestId":"e4b46cbf","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:remediate:$LATEST","condition":"RetriesExhausted","approximateInvokeCount":3},
	  "requestPayload":` + string(event) + `,
	  "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
	  "responsePayload":{"errorMessage":"baseline unavailable: …","errorType":"BaselineError"}}`)
	got, err := trigger.Parse(record)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("Parse(record) (-want +got):\n%s", diff)
	}
	nested := []byte(`{"requestContext":{},"requestPayload":` + string(record) + `}`)
	if _, err := trigger.Parse(nested); err == nil {
		t.Errorf("a record inside a record was accepted")
	}
	if _, err := trigger.Parse([]byte(`{"requestContext":{},"requestPayload":"x"}`)); err == nil {
		t.Errorf("a record without an event was accepted")
	}
}
