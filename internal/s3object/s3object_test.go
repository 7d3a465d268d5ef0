package s3object_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cognito-guard/cognito-guard/internal/s3object"
	"github.com/cognito-guard/cognito-guard/internal/testkit/moto"
)

// TestPutGetAgainstMoto: objects written with signed PutObject requests
// read back the same from moto_server; a missing key is ErrNotFound.
// TestWrongSecretRefused shows that moto checks those signatures.
func TestPutGetAgainstMoto(t *testing.T) {
	srv := moto.Start(t)
	bucket := srv.CreateBucket(t, "reports")
	c := s3object.New(aws.Config{Region: "us-east-1", Credentials: aws.NewCredentialsCache(staticCreds(srv.Credentials))}, bucket, srv.URL)
	ctx := context.Background()

	big := bytes.Repeat([]byte("0123456789abcdef\n"), 3<<20/17) // ~3 MB, streamed from a reader
	for key, body := range map[string][]byte{
		"audit/2026/12/01/20261201T060000Z-0a1b2c/report.html":   []byte("<!DOCTYPE html><p>ok</p>"),
		"audit/2026/12/01/20261201T060000Z-0a1b2c/clients.jsonl": big,
		"audit/odd name~1.csv":                                   []byte("a,b\n"),
		"audit/empty":                                            {},
	} {
		if err := c.Put(ctx, key, bytes.NewReader(body), int64(len(body)), "text/plain"); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		r, err := c.Get(ctx, key)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("get %s: %d bytes (%v), want the %d put", key, len(got), err, len(body))
		}
	}

	if _, err := c.Get(ctx, "audit/missing"); !errors.Is(err, s3object.ErrNotFound) {
		t.Errorf("get missing: %v, want ErrNotFound", err)
	}
}

// TestWrongSecretRefused: moto authenticates S3 requests (testkit/moto turns
// authentication on), so a request signed with the wrong secret is refused.
// The access key must be one this process has not
// signed with before: the SDK's signer caches the key it derives from the
// secret by access key ID, Region, service and day, not by secret, so a
// wrong secret after a right one would still sign right (which once made
// moto's check look unreliable).
func TestWrongSecretRefused(t *testing.T) {
	srv := moto.Start(t)
	bucket := srv.CreateBucket(t, "refused")
	creds := srv.Credentials
	creds.SecretAccessKey = "not-" + creds.SecretAccessKey
	c := s3object.New(aws.Config{Region: "us-east-1", Credentials: aws.NewCredentialsCache(staticCreds(creds))}, bucket, srv.URL)
	err := c.Put(context.Background(), "audit/refused", strings.NewReader("x"), 1, "text/plain")
	if err == nil || !strings.Contains(err.Error(), "HTTP 403: SignatureDoesNotMatch") {
		t.Fatalf("put with a wrong secret: %v, want HTTP 403 SignatureDoesNotMatch (not another refusal, such as a missing permission)", err)
	}
}

// A body shorter than the size given is an error before anything is sent.
func TestPutChecksSize(t *testing.T) {
	c := &s3object.Client{Bucket: "b", Region: "us-east-1", Endpoint: "http://127.0.0.1:1"}
	if err := c.Put(context.Background(), "k", strings.NewReader("abc"), 5, "text/plain"); err == nil || !strings.Contains(err.Error(), "3 bytes, want 5") {
		t.Errorf("err = %v", err)
	}
}

func TestURL(t *testing.T) {
	for _, tc := range []struct {
		c    s3object.Client
		want string
	}{
		{s3object.Client{Bucket: "b-1", Region: "eu-west-1"}, "https://b-1.s3.eu-west-1.amazonaws.com/a/b%20c.html"},
		{s3object.Client{Bucket: "b-1", Region: "cn-north-1"}, "https://b-1.s3.cn-north-1.amazonaws.com.cn/a/b%20c.html"},
		{s3object.Client{Bucket: "b-1", Region: "us-east-1", Endpoint: "http://127.0.0.1:5000/"}, "http://127.0.0.1:5000/b-1/a/b%20c.html"},
	} {
		if got := tc.c.URL("a/b c.html"); got != tc.want {
			t.Errorf("URL = %s, want %s", got, tc.want)
		}
	}
}

// The key is percent-encoded in the path exactly as the SDK's own S3
// client does it. (moto_server refuses the signature of keys with + ( ) =
// or %, whoever signs them; the audit's keys use none of them.)
func TestKeyEscapingMatchesSDK(t *testing.T) {
	const key = "audit/a b+(1)=%&~ä.csv"
	var sent string
	api := s3.New(s3.Options{Region: "us-east-1", UsePathStyle: true, BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: staticCreds{AccessKeyID: "AKID", SecretAccessKey: "SECRET"}, RetryMaxAttempts: 1,
		HTTPClient: doFunc(func(r *http.Request) (*http.Response, error) {
			sent = r.URL.EscapedPath()
			return nil, errors.New("stop")
		})})
	_, _ = api.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String(key)})
	c := s3object.Client{Bucket: "b", Region: "us-east-1", Endpoint: "http://127.0.0.1:1"}
	if want := "http://127.0.0.1:1" + sent; sent == "" || c.URL(key) != want {
		t.Errorf("URL = %s, the SDK sends %s", c.URL(key), want)
	}
}

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

type staticCreds aws.Credentials

func (s staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials(s), nil
}
