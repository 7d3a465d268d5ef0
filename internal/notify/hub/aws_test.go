package hub

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/testkit/fakeaws"
)

// The tests drive this package's Security Hub client (signed HTTP
// requests) against internal/testkit/fakeaws, shared with package notify's
// tests.

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

func (f *fakeAWS) securityhub() *Client { return NewClient(f.config()) }

var importOK = fakeaws.ImportOK

func serviceError(code string) reply { return fakeaws.ServiceError(code) }

var testNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }
