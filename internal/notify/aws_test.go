package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/cognito-guard/cognito-guard/internal/notify/hub"
	"github.com/cognito-guard/cognito-guard/internal/testkit/fakeaws"
)

// The tests drive this package's EventBridge and SNS clients (signed HTTP
// requests) and package hub's Security Hub client (the same) against
// internal/testkit/fakeaws, over HTTP.

type (
	call  = fakeaws.Call
	reply = fakeaws.Reply
)

// fakeAWS is internal/testkit/fakeaws with this package's names for it.
type fakeAWS struct{ *fakeaws.Server }

func newFakeAWS(t *testing.T, replies map[string]reply) *fakeAWS {
	t.Helper()
	return &fakeAWS{fakeaws.New(t, replies)}
}

func (f *fakeAWS) callsOf(op string) []call { return f.Calls(op) }
func (f *fakeAWS) config() aws.Config       { return f.Config() }
func (f *fakeAWS) URL() string              { return aws.ToString(f.Config().BaseEndpoint) }

// noBackoffRetryer is the SDK's standard retryer without pauses.
func noBackoffRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func (f *fakeAWS) eventbridge() *EventBridge { return NewEventBridge(f.config()) }
func (f *fakeAWS) sns() *SNS                 { return NewSNS(f.config()) }
func (f *fakeAWS) securityhub() *hub.Client  { return hub.NewClient(f.config()) }

// putEventsOK accepts every entry.
func putEventsOK(t *testing.T, _ int, body []byte) (int, string) {
	var in struct{ Entries []json.RawMessage }
	if err := json.Unmarshal(body, &in); err != nil {
		t.Errorf("PutEvents body: %v", err)
	}
	var entries []string
	for i := range in.Entries {
		entries = append(entries, fmt.Sprintf(`{"EventId":"event-%d"}`, i))
	}
	return 200, `{"FailedEntryCount":0,"Entries":[` + strings.Join(entries, ",") + `]}`
}

func publishOK(_ *testing.T, n int, _ []byte) (int, string) {
	return 200, fmt.Sprintf(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>msg-%d</MessageId></PublishResult><ResponseMetadata><RequestId>req-%d</RequestId></ResponseMetadata></PublishResponse>`, n, n)
}

var importOK = fakeaws.ImportOK

func serviceError(code string) reply { return fakeaws.ServiceError(code) }

var testNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }
