// Package moto starts moto's standalone server (moto_server, from the
// moto[server] package) for tests of AWS services the in-repo emulator
// does not model, such as S3. The interpreter is $MOTO_PYTHON (set by
// .ci/run when it finds moto under another interpreter) or python3.
//
// When moto is missing the test is skipped with the reason, except under
// CI=true, where it fails unless .ci/run declared moto in
// CHECKERS_UNAVAILABLE.
package moto

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/python"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Server is a running moto_server that checks requests' signatures.
type Server struct {
	// URL is its endpoint, http://127.0.0.1:PORT.
	URL string
	// Credentials are an access key of an IAM user allowed s3:*, sqs:* and
	// events:* (moto's
	// account 123456789012). Once that user is made, moto authenticates
	// every request (its /moto-api/reset-auth switch, the server form of
	// INITIAL_NO_AUTH_ACTION_COUNT), so a request signed wrongly fails with
	// SignatureDoesNotMatch.
	Credentials aws.Credentials
}

// Start runs moto_server on a free port for the test's lifetime.
func Start(t testing.TB) *Server {
	t.Helper()
	py := python.Interpreter() // $MOTO_PYTHON, else python3 (behind a pyenv shim, the interpreter itself)
	if _, err := exec.LookPath(py); err != nil {
		unavailable(t, fmt.Sprintf("%s not found; install python3 and moto (pip install \"moto[server]==5.2.*\")", py))
	}
	// Whether moto is importable is learnt from the server's own start (an ImportError ends it at
	// once) rather than from a separate `python3 -c "import moto.server"`, which cost as much
	// CPU as the server's start-up itself.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var logs bytes.Buffer
	cmd := exec.CommandContext(ctx, py, "-m", "moto.server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start moto_server: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
	})
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	// moto imports its services lazily; the first answer takes a few seconds.
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.makeUser(t)
				return s
			}
		}
		select {
		case <-exited:
			if last, missing := python.MissingModule(logs.String()); missing {
				unavailable(t, fmt.Sprintf("%s cannot import moto.server (%s); pip install \"moto[server]==5.2.*\"", py, last))
			}
			t.Fatalf("moto_server exited:\n%s", logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer within 60 s:\n%s", logs.String())
		}
	}
}

// makeUser makes an IAM user, its access key and its policy, then turns
// authentication on.
func (s *Server) makeUser(t testing.TB) {
	t.Helper()
	// moto routes a request by the service named in its credential scope.
	auth := "AWS4-HMAC-SHA256 Credential=bootstrap/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0"
	call := func(form url.Values) []byte {
		form.Set("Version", "2010-05-08")
		req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("moto IAM %s: HTTP %d: %s", form.Get("Action"), resp.StatusCode, body)
		}
		return body
	}
	call(url.Values{"Action": {"CreateUser"}, "UserName": {"report-writer"}})
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if err := xml.Unmarshal(call(url.Values{"Action": {"CreateAccessKey"}, "UserName": {"report-writer"}}), &key); err != nil || key.ID == "" {
		t.Fatalf("moto IAM CreateAccessKey: %v", err)
	}
	call(url.Values{"Action": {"PutUserPolicy"}, "UserName": {"report-writer"}, "PolicyName": {"test-services"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:*","events:*","sns:*","securityhub:*"],"Resource":"*"}]}`}})
	s.Credentials = aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret, Source: "moto"}
	resp, err := http.Post(s.URL+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto reset-auth: HTTP %d", resp.StatusCode)
	}
}

// CreateBucket creates an S3 bucket in us-east-1, signed with Credentials.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, s.URL+"/"+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := v4.NewSigner().SignHTTP(context.Background(), s.Credentials, req, emptySHA256, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket %s: HTTP %d: %s", name, resp.StatusCode, body)
	}
}

func unavailable(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" && !strings.Contains(" "+os.Getenv("CHECKERS_UNAVAILABLE")+" ", " moto ") {
		t.Fatalf("moto is not available (CI=true, and .ci/run did not declare it in CHECKERS_UNAVAILABLE): %s", reason)
	}
	t.Skipf("SKIPPED external checker moto: not available (%s)", reason)
}
