package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/cognito-guard/cognito-guard/internal/awsreq"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// TestPutEventsWire: the request is AWS JSON 1.1 as the PutEvents API
// reference gives it, and each result entry comes back in order, with the
// failed ones' codes.
func TestPutEventsWire(t *testing.T) {
	fake := newFakeAWS(t, map[string]reply{"PutEvents": func(*testing.T, int, []byte) (int, string) {
		return 200, `{"FailedEntryCount":1,"Entries":[{"EventId":"e-1"},{"ErrorCode":"InternalFailure","ErrorMessage":"try again"}]}`
	}})
	at := time.Date(2026, 11, 26, 8, 0, 0, 250e6, time.UTC)
	out, err := fake.eventbridge().PutEvents(context.Background(), []EventEntry{
		{Source: "s", DetailType: "d", Detail: `{"a":"<b>"}`, EventBusName: "bus", Resources: []string{"arn:r"}, Time: at},
		{Source: "s", DetailType: "d", Detail: `{}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &PutEventsOutput{FailedEntryCount: 1, Entries: []EventResult{{EventID: "e-1"}, {ErrorCode: "InternalFailure", ErrorMessage: "try again"}}}
	if diff := diff.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	c := fake.callsOf("PutEvents")[0]
	if got := c.Head.Get("Content-Type"); got != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type %q", got)
	}
	if got := c.Head.Get("X-Amz-Target"); got != "AWSEvents.PutEvents" {
		t.Errorf("X-Amz-Target %q", got)
	}
	if got := c.Head.Get("Authorization"); !strings.Contains(got, "/us-east-1/events/aws4_request") {
		t.Errorf("Authorization %q: not signed for events in us-east-1", got)
	}
	wantBody := `{"Entries":[{"Source":"s","Resources":["arn:r"],"DetailType":"d","Detail":"{\"a\":\"<b>\"}","EventBusName":"bus","Time":1795680000.25},{"Source":"s","DetailType":"d","Detail":"{}"}]}`
	if string(c.Body) != wantBody {
		t.Errorf("body\n got %s\nwant %s", c.Body, wantBody)
	}
}

// TestPublishWire: the request is the AWS Query form of the Publish API
// reference; the message ID is read from the XML answer.
func TestPublishWire(t *testing.T) {
	fake := newFakeAWS(t, map[string]reply{"Publish": publishOK})
	id, err := fake.sns().Publish(context.Background(), PublishInput{TopicARN: "arn:aws:sns:us-east-1:123456789012:t", Subject: "a b&c", Message: "line 1\nline=2&3",
		Attributes: map[string]string{"z": "last", "a": "first"}})
	if err != nil {
		t.Fatal(err)
	}
	if id != "msg-1" {
		t.Errorf("message ID %q", id)
	}
	c := fake.callsOf("Publish")[0]
	if got := c.Head.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", got)
	}
	if got := c.Head.Get("Authorization"); !strings.Contains(got, "/us-east-1/sns/aws4_request") {
		t.Errorf("Authorization %q: not signed for sns in us-east-1", got)
	}
	v, err := url.ParseQuery(string(c.Body))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"Action": {"Publish"}, "Version": {"2010-03-31"}, "TopicArn": {"arn:aws:sns:us-east-1:123456789012:t"},
		"Subject": {"a b&c"}, "Message": {"line 1\nline=2&3"},
		"MessageAttributes.entry.1.Name": {"a"}, "MessageAttributes.entry.1.Value.DataType": {"String"}, "MessageAttributes.entry.1.Value.StringValue": {"first"},
		"MessageAttributes.entry.2.Name": {"z"}, "MessageAttributes.entry.2.Value.DataType": {"String"}, "MessageAttributes.entry.2.Value.StringValue": {"last"},
	}
	if diff := diff.Diff(want, v); diff != "" {
		t.Errorf("form (-want +got):\n%s", diff)
	}
}

// TestPublishError: an SNS error answer becomes an error with its code.
func TestPublishError(t *testing.T) {
	fake := newFakeAWS(t, map[string]reply{"Publish": func(*testing.T, int, []byte) (int, string) {
		return 403, `<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>User is not authorized</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`
	}})
	n := newTestNotifier(Options{SNS: fake.sns(), TopicARN: "arn:aws:sns:us-east-1:123456789012:t"})
	err := n.Publish(context.Background(), []reconcile.Outcome{unfixable})
	checkErr(t, err, "sns: publish us-east-1_EXAMPLE01/6example0client0id0unfix01: sns Publish: HTTP 403: AuthorizationError: User is not authorized (request ID r-1)")
	var e *awsreq.Error
	if !errors.As(err, &e) || e.Code != "AuthorizationError" {
		t.Errorf("error %v does not unwrap to the AWS error code", err)
	}
}

// TestFailedEntryCount: entries PutEvents rejects one by one are sent
// again, each call carrying only the rejected ones; a result list that does
// not match the request is an error, not a silent success.
func TestFailedEntryCount(t *testing.T) {
	t.Run("rejected entries resent until accepted", func(t *testing.T) {
		fake := newFakeAWS(t, map[string]reply{"PutEvents": func(t *testing.T, n int, body []byte) (int, string) {
			if n == 1 {
				return 200, `{"FailedEntryCount":2,"Entries":[{"ErrorCode":"ThrottlingException"},{"EventId":"e"},{"ErrorCode":"InternalFailure"}]}`
			}
			return putEventsOK(t, n, body)
		}})
		n := newTestNotifier(Options{Events: fake.eventbridge()})
		if err := n.Publish(context.Background(), []reconcile.Outcome{remediated, unfixable, failed}); err != nil {
			t.Fatal(err)
		}
		calls := fake.callsOf("PutEvents")
		if len(calls) != 2 {
			t.Fatalf("%d calls, want 2", len(calls))
		}
		var ids []string
		for _, e := range decodeEntries(t, calls[1]) {
			var d Detail
			_ = json.Unmarshal([]byte(e.Detail), &d)
			ids = append(ids, d.ClientID)
		}
		if diff := diff.Diff([]string{remediated.ClientID, failed.ClientID}, ids); diff != "" {
			t.Errorf("resent (-want +got):\n%s", diff)
		}
	})
	t.Run("result count mismatch", func(t *testing.T) {
		fake := newFakeAWS(t, map[string]reply{"PutEvents": func(*testing.T, int, []byte) (int, string) {
			return 200, `{"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure"}]}`
		}})
		n := newTestNotifier(Options{Events: fake.eventbridge()})
		err := n.Publish(context.Background(), []reconcile.Outcome{remediated, unfixable})
		checkErr(t, err, "eventbridge: put events: 1 result entries for 2 events")
	})
}

// TestFromSettingsEndpoints: the functions' wiring (config.LoadDefaultConfig,
// then FromSettings) sends to the endpoint each variable names:
// AWS_ENDPOINT_URL_EVENTBRIDGE and AWS_ENDPOINT_URL_SNS each for their
// service, AWS_ENDPOINT_URL for both.
func TestFromSettingsEndpoints(t *testing.T) {
	outcomes := []reconcile.Outcome{unfixable}
	run := func(t *testing.T, env map[string]string) {
		t.Helper()
		dir := t.TempDir()
		for k, v := range map[string]string{
			"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
			"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "us-east-1",
			"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_EVENTBRIDGE": "", "AWS_ENDPOINT_URL_SNS": "",
			"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "", "AWS_USE_FIPS_ENDPOINT": "", "AWS_USE_DUALSTACK_ENDPOINT": "", "AWS_PROFILE": "",
		} {
			t.Setenv(k, v)
			if v == "" {
				os.Unsetenv(k)
			}
		}
		for k, v := range env {
			t.Setenv(k, v)
		}
		cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRetryMaxAttempts(1))
		if err != nil {
			t.Fatal(err)
		}
		opt, on := FromSettings(cfg, settings.Common{NotifyEventBus: "bus", NotifyTopicARN: "arn:aws:sns:us-east-1:123456789012:t"}, "audit")
		if !on {
			t.Fatal("FromSettings: notifications off")
		}
		opt.Now = fixedNow
		if err := New(opt).Publish(context.Background(), outcomes); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("one variable per service", func(t *testing.T) {
		eb := newFakeAWS(t, map[string]reply{"PutEvents": putEventsOK})
		sn := newFakeAWS(t, map[string]reply{"Publish": publishOK})
		run(t, map[string]string{"AWS_ENDPOINT_URL_EVENTBRIDGE": eb.URL(), "AWS_ENDPOINT_URL_SNS": sn.URL()})
		if len(eb.callsOf("PutEvents")) != 1 || len(sn.callsOf("Publish")) != 1 {
			t.Errorf("PutEvents %d, Publish %d; want 1 each", len(eb.callsOf("PutEvents")), len(sn.callsOf("Publish")))
		}
	})
	t.Run("AWS_ENDPOINT_URL for both", func(t *testing.T) {
		both := newFakeAWS(t, map[string]reply{"PutEvents": putEventsOK, "Publish": publishOK})
		run(t, map[string]string{"AWS_ENDPOINT_URL": both.URL()})
		if len(both.callsOf("PutEvents")) != 1 || len(both.callsOf("Publish")) != 1 {
			t.Errorf("PutEvents %d, Publish %d; want 1 each", len(both.callsOf("PutEvents")), len(both.callsOf("Publish")))
		}
	})
	t.Run("a service's own variable wins", func(t *testing.T) {
		all := newFakeAWS(t, map[string]reply{"PutEvents": putEventsOK})
		sn := newFakeAWS(t, map[string]reply{"Publish": publishOK})
		run(t, map[string]string{"AWS_ENDPOINT_URL": all.URL(), "AWS_ENDPOINT_URL_SNS": sn.URL()})
		if len(all.callsOf("PutEvents")) != 1 || len(sn.callsOf("Publish")) != 1 {
			t.Errorf("PutEvents %d, Publish %d; want 1 each", len(all.callsOf("PutEvents")), len(sn.callsOf("Publish")))
		}
	})
}

// TestRetriesThroughNotify: a throttled or failing PutEvents or Publish
// call is retried by the client (cfg's retry settings) before the notifier
// sees an error.
func TestRetriesThroughNotify(t *testing.T) {
	flaky := func(first reply, then reply) reply {
		return func(t *testing.T, n int, body []byte) (int, string) {
			if n == 1 {
				return first(t, n, body)
			}
			return then(t, n, body)
		}
	}
	fake := newFakeAWS(t, map[string]reply{
		"PutEvents": flaky(serviceError("ThrottlingException"), putEventsOK),
		"Publish": flaky(func(*testing.T, int, []byte) (int, string) {
			return 503, `<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>`
		}, publishOK),
	})
	cfg := fake.config()
	cfg.RetryMaxAttempts = 3
	cfg.Retryer = func() aws.Retryer { return noBackoffRetryer() }
	n := newTestNotifier(Options{Events: NewEventBridge(cfg), SNS: NewSNS(cfg), TopicARN: "arn:aws:sns:us-east-1:123456789012:t"})
	if err := n.Publish(context.Background(), []reconcile.Outcome{unfixable}); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(len(fake.callsOf("PutEvents")), len(fake.callsOf("Publish"))); got != "2 2" {
		t.Errorf("PutEvents, Publish calls: %s; want 2 2", got)
	}
}
