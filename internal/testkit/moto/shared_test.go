package moto

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The test runs this binary as helper processes, told what to be by
// helperEnv (TestHelperProcess):
//
//	parent: a stand-in for the go command. It writes a stale state.json into
//	        the state directory of its own children (naming a port nobody
//	        listens on), runs two "start" children at once, prints their
//	        reports and the stale URL, then waits until killed.
//	start:  a stand-in for a test binary. It calls Start twice, creates a
//	        queue named after the first account with that account's key,
//	        lists that account's queues, and prints a report.
const (
	helperEnv    = "MOTO_TESTKIT_HELPER"
	reportPrefix = "MOTO-TESTKIT-REPORT "
)

type report struct {
	URL, Account, AccessKeyID, SecretAccessKey string
	SecondURL, SecondAccount                   string
	Queues                                     []string
	ServerPID                                  int
	Stale                                      string // parent's line: the URL its stale state.json named
}

// TestSharedServer: the Starts of two processes under one parent share one
// server, started once although both ask at the same time and state.json
// names a dead server; each Start is its own account, whose queues the other
// does not see, and whose key moto checks; once the parent is gone the
// server ends and its state directory goes.
func TestSharedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server")
	}
	parent := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	parent.Env = append(os.Environ(), helperEnv+"=parent")
	parent.Stderr = os.Stderr
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// The parent lives until killed, or until this process ends and so
	// closes its standard input.
	if _, err := parent.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	parentDone := make(chan error, 1)
	go func() { parentDone <- parent.Wait() }()
	t.Cleanup(func() { _ = parent.Process.Kill(); <-parentDone })

	var reports []report
	var lines []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if r, ok := strings.CutPrefix(sc.Text(), reportPrefix); ok {
			var rep report
			if err := json.Unmarshal([]byte(r), &rep); err != nil {
				t.Fatalf("%v: %s", err, r)
			}
			reports = append(reports, rep)
			if rep.Stale != "" { // the parent's last line
				break
			}
		}
	}
	if len(reports) != 3 {
		all := strings.Join(lines, "\n")
		if i := strings.Index(all, "SKIPPED external checker moto"); i >= 0 && !strings.Contains(all, "FAIL") {
			t.Skip(strings.SplitN(all[i:], "\n", 2)[0])
		}
		t.Fatalf("the helper processes did not report:\n%s", all)
	}
	a, b, stale := reports[0], reports[1], reports[2].Stale
	dir := stateDir(parent.Process.Pid)

	t.Run("one server", func(t *testing.T) {
		if a.URL != b.URL || a.SecondURL != a.URL || b.SecondURL != b.URL || a.ServerPID != b.ServerPID {
			t.Errorf("servers %s (pid %d), %s (pid %d), second Starts %s, %s: want one", a.URL, a.ServerPID, b.URL, b.ServerPID, a.SecondURL, b.SecondURL)
		}
		if a.URL == stale {
			t.Errorf("the stale state's URL %s was used", stale)
		}
		logs, _ := filepath.Glob(filepath.Join(dir, "server-*.log"))
		if len(logs) != 1 {
			t.Errorf("%d servers were started (%v), want 1", len(logs), logs)
		}
		st, err := readState(dir)
		if err != nil || st.URL != a.URL || st.PID != a.ServerPID {
			t.Errorf("state.json %+v (%v), want the server's", st, err)
		}
	})

	t.Run("own accounts", func(t *testing.T) {
		accounts := map[string]bool{a.Account: true, b.Account: true, a.SecondAccount: true, b.SecondAccount: true}
		if len(accounts) != 4 || accounts[""] {
			t.Errorf("accounts %v, want 4 different ones", accounts)
		}
		// Each listed only its own queue, created at about the same time as
		// the other's; listed again now that both exist, still only its own.
		for _, r := range []report{a, b} {
			want := []string{fmt.Sprintf("%s/%s/%s", a.URL, r.Account, "queue-of-"+r.Account)}
			if !equal(r.Queues, want) {
				t.Errorf("account %s listed %v, want %v", r.Account, r.Queues, want)
			}
			if got := listQueues(t, r.URL, aws.Credentials{AccessKeyID: r.AccessKeyID, SecretAccessKey: r.SecretAccessKey}); !equal(got, want) {
				t.Errorf("account %s lists %v, want %v", r.Account, got, want)
			}
		}
	})

	t.Run("signature checked", func(t *testing.T) {
		// Signed here, each request by a signer of its own: the SDK's
		// signer keeps the signing key it derived per access key ID and
		// day, whatever the secret (aws-sdk-go-v2
		// aws/signer/internal/v4/cache.go), so through one client a wrong
		// secret after a right one is signed right, and the other way
		// round. Read raw: moto answers an authentication failure of SQS's
		// JSON protocol in XML, which the SDK cannot decode.
		right := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
		wrong := right
		wrong.SecretAccessKey = "wrong" + wrong.SecretAccessKey
		for _, c := range []struct {
			name   string
			creds  aws.Credentials
			status int
		}{{"right", right, http.StatusOK}, {"wrong", wrong, http.StatusForbidden}, {"right again", right, http.StatusOK}} {
			code, body := signedRequest(t, http.MethodPost, a.URL+"/", "Action=ListQueues&Version=2012-11-05", "sqs", c.creds)
			if code != c.status || (code == http.StatusForbidden) != strings.Contains(body, "SignatureDoesNotMatch") {
				t.Errorf("SQS, %s secret: HTTP %d: %s, want %d", c.name, code, body, c.status)
			}
			bucket := fmt.Sprintf("%s/sig-%s-%s", a.URL, strings.ReplaceAll(c.name, " ", "-"), a.Account)
			code, body = signedRequest(t, http.MethodPut, bucket, "", "s3", c.creds)
			if code != c.status || (code == http.StatusForbidden) != strings.Contains(body, "SignatureDoesNotMatch") {
				t.Errorf("S3 CreateBucket, %s secret: HTTP %d: %s, want %d", c.name, code, body, c.status)
			}
		}
	})

	t.Run("ends with its parent", func(t *testing.T) {
		if err := parent.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-parentDone
		parentDone <- nil // for the cleanup
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, err := net.DialTimeout("tcp", strings.TrimPrefix(a.URL, "http://"), time.Second)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatalf("%s still answers 5 s after its parent was killed", a.URL)
			}
			time.Sleep(100 * time.Millisecond)
		}
		for time.Now().Before(deadline) {
			if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("%s is still there", dir)
	})
}

// TestHelperProcess is the helper processes of TestSharedServer; without
// helperEnv it does nothing.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "parent":
		helperParent(t)
	case "start":
		prewarm = nil // its server serves two queues and a bucket
		helperStart(t)
	}
}

func helperParent(t *testing.T) {
	// A server that is gone: state.json names a port where something else now listens, and hangs
	// up on every connection. The port stays taken for the whole run, so the OS cannot hand it to
	// the new server (a closed port could be, and the check below would fail by chance).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	stale := "http://" + l.Addr().String()
	dir := stateDir(os.Getpid())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(state{URL: stale, Token: "stale", PID: 1 << 22})
	if err := writeAtomic(filepath.Join(dir, "state.json"), b); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	for i := range outs {
		wg.Go(func() {
			child := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
			child.Env = append(os.Environ(), helperEnv+"=start")
			outs[i], _ = child.CombinedOutput()
		})
	}
	wg.Wait()
	for _, out := range outs {
		os.Stdout.Write(out)
	}
	fmt.Printf("%s{\"Stale\":%q}\n", reportPrefix, stale)
	_, _ = io.Copy(io.Discard, os.Stdin) // until killed, or the test's end closes it
}

func helperStart(t *testing.T) {
	s := Start(t)
	second := Start(t)
	name := "queue-of-" + s.Account
	if _, err := sqsClient(s.URL, s.Credentials).CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	st, err := readState(stateDir(os.Getppid()))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(report{URL: s.URL, Account: s.Account, AccessKeyID: s.Credentials.AccessKeyID, SecretAccessKey: s.Credentials.SecretAccessKey,
		SecondURL: second.URL, SecondAccount: second.Account, Queues: listQueues(t, s.URL, s.Credentials), ServerPID: st.PID})
	fmt.Printf("%s%s\n", reportPrefix, b)
}

func sqsClient(url string, c aws.Credentials) *sqs.Client {
	return sqs.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: credentials.StaticCredentialsProvider{Value: c}, RetryMaxAttempts: 1})
}

func listQueues(t testing.TB, url string, c aws.Credentials) []string {
	t.Helper()
	out, err := sqsClient(url, c).ListQueues(context.Background(), &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	return out.QueueUrls
}

// signedRequest sends body to url signed for service in us-east-1 with c
// (SQS's query protocol for a POST), and returns the answer.
func signedRequest(t testing.TB, method, url, body, service string, c aws.Credentials) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func equal(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}
