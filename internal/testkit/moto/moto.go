// Package moto gives tests an account in moto's standalone server (the
// moto[server] package) for AWS services the in-repo emulator does not model,
// such as S3. The interpreter is $MOTO_PYTHON (set by .ci/run when it finds
// moto under another interpreter) or python3.
//
// The test binaries of one `go test` run share one server (shared.go): each
// Start is a new random account in it, with its own IAM user and key, so the
// queues, buses, topics, findings and objects of different tests never meet,
// and one server start (about a second of CPU) serves them all.
//
// When moto is missing the test is skipped with the reason, except under
// CI=true, where it fails unless .ci/run declared moto in
// CHECKERS_UNAVAILABLE.
package moto

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/python"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Server is an account of its own in a running moto server that checks
// requests' signatures.
type Server struct {
	// URL is the server's endpoint, http://127.0.0.1:PORT, shared with the
	// other Starts of this go test run.
	URL string
	// Account is this Start's AWS account, 12 random digits. moto keeps
	// every resource per account and tells a request's account by its
	// access key's user (moto/core/responses.py get_current_account), so
	// requests signed with Credentials see only this account's resources.
	// S3 bucket names are global, as in AWS: see CreateBucket.
	Account string
	// Credentials are an access key of an IAM user of Account allowed s3:*,
	// sqs:*, events:*, sns:*, securityhub:* and cognito-idp:*. moto authenticates every
	// request (its /moto-api/reset-auth switch, the server form of
	// INITIAL_NO_AUTH_ACTION_COUNT), so a request signed wrongly fails with
	// SignatureDoesNotMatch.
	Credentials aws.Credentials
}

// Start returns a new account, with its user's key, in the moto server this
// go test run shares, starting the server if none is running. Nothing needs
// cleaning up: no other Start sees the account, and the server ends once
// the go command that ran the test binaries is gone.
func Start(t testing.TB) *Server {
	t.Helper()
	py := python.Interpreter() // $MOTO_PYTHON, else python3 (behind a pyenv shim, the interpreter itself)
	if _, err := exec.LookPath(py); err != nil {
		unavailable(t, fmt.Sprintf("%s not found; install python3 and moto (pip install \"moto[server]==5.2.*\")", py))
	}
	// Whether moto is importable is learnt from the server's own start (an
	// ImportError ends it at once) rather than from a separate
	// `python3 -c "import moto.server"`, which cost as much CPU as the
	// server's start-up itself.
	s := &Server{URL: shared(t, py)}
	s.newAccount(t, "report-writer", "test-services",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:*","events:*","sns:*","securityhub:*","cognito-idp:*"],"Resource":"*"}]}`)
	return s
}

// CreateBucket creates an S3 bucket in us-east-1, signed with Credentials,
// and returns its name: name, a hyphen and Account. Bucket names are global
// across accounts in moto as in AWS (moto/s3/models.py create_bucket raises
// BucketAlreadyExists for a name any account holds), so the suffix keeps
// two Starts, or two runs of one test (-count), from colliding.
func (s *Server) CreateBucket(t testing.TB, name string) string {
	t.Helper()
	name += "-" + s.Account
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
	return name
}

func unavailable(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" && !strings.Contains(" "+os.Getenv("CHECKERS_UNAVAILABLE")+" ", " moto ") {
		t.Fatalf("moto is not available (CI=true, and .ci/run did not declare it in CHECKERS_UNAVAILABLE): %s", reason)
	}
	t.Skipf("SKIPPED external checker moto: not available (%s)", reason)
}
