package hub

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
)

// A copy of package notify's fake (aws_test.go) for the Security Hub
// operations. The tests drive the real SDK clients against this server, which records
// every request and answers like the service would. An operation the test
// did not expect fails the test.

type call struct {
	Op   string // "PutEvents", "Publish", "BatchImportFindings", "BatchUpdateFindings", "GetFindings"
	Body []byte
	URL  string
	Head http.Header
}

// reply answers one call: HTTP status and body. n counts the calls of that
// operation, from 1.
type reply func(t *testing.T, n int, body []byte) (int, string)

type fakeAWS struct {
	t       *testing.T
	mu      sync.Mutex
	calls   []call
	replies map[string]reply
	counts  map[string]int
	srv     *httptest.Server
}

func newFakeAWS(t *testing.T, replies map[string]reply) *fakeAWS {
	t.Helper()
	f := &fakeAWS{t: t, replies: replies, counts: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("read body: %v", err)
	}
	var op, contentType string
	switch {
	case r.Header.Get("X-Amz-Target") == "AWSEvents.PutEvents":
		op, contentType = "PutEvents", "application/x-amz-json-1.1"
	case r.URL.Path == "/findings/batchupdate":
		op, contentType = "BatchUpdateFindings", "application/json"
	case r.URL.Path == "/findings/import":
		op, contentType = "BatchImportFindings", "application/json"
	case r.URL.Path == "/findings":
		op, contentType = "GetFindings", "application/json"
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		v, _ := url.ParseQuery(string(body))
		op, contentType = v.Get("Action"), "text/xml"
	}
	f.mu.Lock()
	f.calls = append(f.calls, call{Op: op, Body: body, URL: r.URL.String(), Head: r.Header.Clone()})
	f.counts[op]++
	n := f.counts[op]
	rep := f.replies[op]
	f.mu.Unlock()
	if rep == nil {
		f.t.Errorf("unexpected call %q %s %s", op, r.Method, r.URL)
		http.Error(w, "unexpected", http.StatusNotImplemented)
		return
	}
	status, out := rep(f.t, n, body)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

func (f *fakeAWS) callsOf(op string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeAWS) config() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-real-key", ""),
		BaseEndpoint:     aws.String(f.srv.URL),
		HTTPClient:       f.srv.Client(),
		RetryMaxAttempts: 1, // the notifier's own entry retries are under test, not the SDK's
	}
}

func (f *fakeAWS) securityhub() *securityhub.Client { return securityhub.NewFromConfig(f.config()) }

func importOK(t *testing.T, _ int, body []byte) (int, string) {
	var in struct{ Findings []json.RawMessage }
	if err := json.Unmarshal(body, &in); err != nil {
		t.Errorf("BatchImportFindings body: %v", err)
	}
	return 200, fmt.Sprintf(`{"FailedCount":0,"SuccessCount":%d,"FailedFindings":[]}`, len(in.Findings))
}

func serviceError(code string) reply {
	return func(*testing.T, int, []byte) (int, string) {
		return 400, `{"__type":"` + code + `","message":"no"}`
	}
}

var testNow = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }
