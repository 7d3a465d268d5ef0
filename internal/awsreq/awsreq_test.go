package awsreq

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// recorder is an HTTP server that keeps each request and answers with the
// next of its replies (the last one repeats).
type recorder struct {
	mu      sync.Mutex
	reqs    []*http.Request
	bodies  [][]byte
	replies []func(w http.ResponseWriter)
	srv     *httptest.Server
}

func newRecorder(t *testing.T, replies ...func(w http.ResponseWriter)) *recorder {
	r := &recorder{replies: replies}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		r.bodies = append(r.bodies, body)
		i := min(len(r.reqs), len(r.replies)) - 1
		r.mu.Unlock()
		r.replies[i](w)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func status(code int, contentType, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Amzn-Requestid", "req-1")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

var ok200 = status(200, "application/x-amz-json-1.1", `{}`)

func jsonErr(code int, errType string) func(w http.ResponseWriter) {
	return status(code, "application/x-amz-json-1.1", `{"__type":"`+errType+`","message":"m"}`)
}

// noBackoff is the standard retryer without pauses.
func noBackoff() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func testConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token"),
		BaseEndpoint: aws.String(url),
		Retryer:      noBackoff,
	}
}

func put(t *testing.T, c *Client) ([]byte, error) {
	t.Helper()
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amz-Target", "AWSEvents.PutEvents")
	return c.Do(context.Background(), Request{Op: "PutEvents", Header: h, Body: []byte(`{"Entries":[]}`), Error: JSONError})
}

// TestSignature: a request signed with static credentials at a fixed time
// carries the Authorization header that Signature Version 4 gives, computed
// here from the request as the server received it, step by step as the
// SigV4 documentation describes
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
func TestSignature(t *testing.T) {
	rec := newRecorder(t, ok200)
	c := New(testConfig(rec.srv.URL), EventBridge)
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return at }
	if _, err := put(t, c); err != nil {
		t.Fatal(err)
	}
	req, body := rec.reqs[0], rec.bodies[0]
	auth := req.Header.Get("Authorization")
	const scope = "20261126/us-east-1/events/aws4_request"
	prefix := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope + ", SignedHeaders="
	rest, ok := strings.CutPrefix(auth, prefix)
	if !ok {
		t.Fatalf("Authorization %q does not start with %q", auth, prefix)
	}
	signedList, gotSig, ok := strings.Cut(rest, ", Signature=")
	if !ok {
		t.Fatalf("Authorization %q has no Signature", auth)
	}
	signed := strings.Split(signedList, ";")
	for _, h := range []string{"content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"} {
		if !contains(signed, h) {
			t.Errorf("SignedHeaders %q lack %s", signedList, h)
		}
	}
	if !sort.StringsAreSorted(signed) {
		t.Errorf("SignedHeaders %q are not sorted", signedList)
	}
	if got := req.Header.Get("X-Amz-Date"); got != "20261126T080000Z" {
		t.Errorf("X-Amz-Date %q", got)
	}
	if got := req.Header.Get("X-Amz-Security-Token"); got != "session-token" {
		t.Errorf("X-Amz-Security-Token %q", got)
	}
	// The canonical request from what arrived.
	var canon strings.Builder
	canon.WriteString("POST\n/\n\n")
	for _, h := range signed {
		v := req.Header.Get(h)
		switch h {
		case "host":
			v = req.Host
		case "content-length":
			v = fmt.Sprint(req.ContentLength)
		}
		canon.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	canon.WriteString("\n" + signedList + "\n" + hexSHA(body))
	toSign := "AWS4-HMAC-SHA256\n20261126T080000Z\n" + scope + "\n" + hexSHA([]byte(canon.String()))
	key := []byte("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	for _, part := range []string{"20261126", "us-east-1", "events", "aws4_request"} {
		key = hmacSHA(key, part)
	}
	if want := hex.EncodeToString(hmacSHA(key, toSign)); gotSig != want {
		t.Errorf("Signature %s, want %s\ncanonical request:\n%s", gotSig, want, canon.String())
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func hmacSHA(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// TestAnonymous: aws.AnonymousCredentials sends the request unsigned.
func TestAnonymous(t *testing.T) {
	rec := newRecorder(t, ok200)
	cfg := testConfig(rec.srv.URL)
	cfg.Credentials = aws.AnonymousCredentials{}
	c := New(cfg, EventBridge)
	if _, err := put(t, c); err != nil {
		t.Fatal(err)
	}
	if a := rec.reqs[0].Header.Get("Authorization"); a != "" {
		t.Errorf("Authorization %q, want none", a)
	}
}

// TestRetry: the standard retryer's classification, through *Error.
func TestRetry(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int // cfg.RetryMaxAttempts
		replies     []func(http.ResponseWriter)
		wantCalls   int
		wantErr     string // "" for success
		wantCode    string
	}{
		{"500 then success", 0, []func(http.ResponseWriter){jsonErr(500, "InternalException"), ok200}, 2, "", ""},
		{"503 twice then success", 0, []func(http.ResponseWriter){status(503, "text/plain", ""), status(503, "text/plain", ""), ok200}, 3, "", ""},
		{"throttling is retried", 0, []func(http.ResponseWriter){jsonErr(400, "ThrottlingException"), ok200}, 2, "", ""},
		{"gives up after 3 attempts", 0, []func(http.ResponseWriter){jsonErr(500, "InternalException")}, 3,
			"events PutEvents: HTTP 500: InternalException: m (request ID req-1) (after 3 attempts)", "InternalException"},
		{"RetryMaxAttempts bounds the attempts", 5, []func(http.ResponseWriter){jsonErr(400, "com.amazon.coral.availability#ThrottlingException:http://internal")}, 5,
			"HTTP 400: ThrottlingException", "ThrottlingException"},
		{"RetryMaxAttempts 1: no retry", 1, []func(http.ResponseWriter){jsonErr(500, "InternalException")}, 1, "HTTP 500: InternalException", "InternalException"},
		{"access denied is not retried", 0, []func(http.ResponseWriter){jsonErr(400, "AccessDeniedException")}, 1,
			"events PutEvents: HTTP 400: AccessDeniedException: m (request ID req-1)", "AccessDeniedException"},
		{"no body: the status text", 0, []func(http.ResponseWriter){status(403, "text/plain", "")}, 1, "events PutEvents: HTTP 403: Forbidden", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t, tt.replies...)
			cfg := testConfig(rec.srv.URL)
			cfg.RetryMaxAttempts = tt.maxAttempts
			c := New(cfg, EventBridge)
			_, err := put(t, c)
			if got := rec.count(); got != tt.wantCalls {
				t.Errorf("%d calls, want %d", got, tt.wantCalls)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.wantCode {
				t.Errorf("error %#v, want an *Error with code %q", err, tt.wantCode)
			}
		})
	}
}

// TestRetryConnectionError: a request that gets no answer is retried.
func TestRetryConnectionError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	cfg := testConfig(url)
	cfg.RetryMaxAttempts = 2
	c := New(cfg, EventBridge)
	_, err := put(t, c)
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 2 || e.Err == nil {
		t.Fatalf("error %v, want a transport error after 2 attempts", err)
	}
}

// TestDefaultRetryer: without cfg.Retryer a client gets the SDK's standard
// retryer, 3 attempts; cfg.RetryMaxAttempts and a cfg.Retryer are used.
func TestDefaultRetryer(t *testing.T) {
	if n := resolveRetryer(aws.Config{}).MaxAttempts(); n != 3 {
		t.Errorf("default retryer: %d attempts, want 3", n)
	}
	if n := resolveRetryer(aws.Config{RetryMaxAttempts: 7}).MaxAttempts(); n != 7 {
		t.Errorf("RetryMaxAttempts 7: %d attempts", n)
	}
	if n := resolveRetryer(aws.Config{Retryer: func() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 9) }}).MaxAttempts(); n != 9 {
		t.Errorf("cfg.Retryer with 9: %d attempts", n)
	}
	if _, ok := resolveRetryer(aws.Config{RetryMode: aws.RetryModeAdaptive}).(*retry.AdaptiveMode); !ok {
		t.Errorf("RetryModeAdaptive: not the adaptive retryer")
	}
}

func TestQueryError(t *testing.T) {
	code, msg, id := QueryError(nil, []byte(`<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>not allowed</Message></Error><RequestId>r-9</RequestId></ErrorResponse>`))
	if code != "AuthorizationError" || msg != "not allowed" || id != "r-9" {
		t.Errorf("got %q %q %q", code, msg, id)
	}
}

// TestConfigErrorFailsEveryCall: a configuration the SDK refuses (no Region, no endpoint) gives a
// Client whose every call returns the reason, as the SDK's NewFromConfig client does.
func TestConfigErrorFailsEveryCall(t *testing.T) {
	c := New(aws.Config{}, EventBridge)
	if c.Err() == nil || !strings.Contains(c.Err().Error(), "Missing Region") {
		t.Fatalf("Err() = %v, want the missing Region", c.Err())
	}
	for range 2 {
		if _, err := c.Do(context.Background(), Request{Op: "PutEvents"}); err != c.Err() {
			t.Errorf("Do: %v, want the configuration error", err)
		}
	}
}
