// Package fakeaws is an HTTP server that answers the EventBridge, SNS and
// Security Hub operations the notifier calls, so tests drive the real SDK
// clients over HTTP. It records every request and answers with the reply
// the test gave for that operation; an operation the test did not expect
// fails the test.
package fakeaws

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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Call is one request as the server received it.
type Call struct {
	Op   string // "PutEvents", "Publish", "BatchImportFindings", "BatchUpdateFindings", "GetFindings"
	Body []byte
	URL  string
	Head http.Header
}

// Reply answers one call: HTTP status and body. n counts the calls of that
// operation, from 1.
type Reply func(t *testing.T, n int, body []byte) (int, string)

// Server is the fake; New starts it for the test's lifetime.
type Server struct {
	t       *testing.T
	mu      sync.Mutex
	calls   []Call
	replies map[string]Reply
	counts  map[string]int
	srv     *httptest.Server
}

// New starts a server answering each operation in replies.
func New(t *testing.T, replies map[string]Reply) *Server {
	t.Helper()
	s := &Server{t: t, replies: replies, counts: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.t.Errorf("read body: %v", err)
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
	s.mu.Lock()
	s.calls = append(s.calls, Call{Op: op, Body: body, URL: r.URL.String(), Head: r.Header.Clone()})
	s.counts[op]++
	n := s.counts[op]
	rep := s.replies[op]
	s.mu.Unlock()
	if rep == nil {
		s.t.Errorf("unexpected call %q %s %s", op, r.Method, r.URL)
		http.Error(w, "unexpected", http.StatusNotImplemented)
		return
	}
	status, out := rep(s.t, n, body)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

// All returns every call so far, in order.
func (s *Server) All() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Calls returns the calls of op so far, in order.
func (s *Server) Calls(op string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// Config points SDK clients at the server, with one attempt per call (the
// notifier's own entry retries are under test, not the SDK's).
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-real-key", ""),
		BaseEndpoint:     aws.String(s.srv.URL),
		HTTPClient:       s.srv.Client(),
		RetryMaxAttempts: 1,
	}
}

// ImportOK accepts every finding of a BatchImportFindings call.
func ImportOK(t *testing.T, _ int, body []byte) (int, string) {
	var in struct{ Findings []json.RawMessage }
	if err := json.Unmarshal(body, &in); err != nil {
		t.Errorf("BatchImportFindings body: %v", err)
	}
	return 200, fmt.Sprintf(`{"FailedCount":0,"SuccessCount":%d,"FailedFindings":[]}`, len(in.Findings))
}

// ServiceError answers with the AWS JSON error code.
func ServiceError(code string) Reply {
	return func(*testing.T, int, []byte) (int, string) {
		return 400, `{"__type":"` + code + `","message":"no"}`
	}
}
