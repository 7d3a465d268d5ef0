package moto

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/python"
)

// The test binaries of one `go test` run are children of one go command, so
// they share one server, found through a state directory named by the user
// and the go command's pid (os.Getppid in each binary):
//
//	$TMPDIR/cognito-guard-moto-UID/PPID/lock             flock(2)ed while state.json is read or a server started
//	$TMPDIR/cognito-guard-moto-UID/PPID/state.json       {"url", "token", "pid"} of the running server, written atomically
//	$TMPDIR/cognito-guard-moto-UID/PPID/launcher.py      launcher.py below
//	$TMPDIR/cognito-guard-moto-UID/PPID/server-TOKEN.log the server's output
//
// The first binary to take the lock finds no answering server, starts one
// (launcher.py: moto's application in its own process group, so it outlives
// that binary; it exits once the go command is gone, or after idleTimeout
// without a request), turns authentication on and writes state.json; the
// others find it answering /_testkit/ping with the token state.json names,
// and use it.

//go:embed launcher.py
var launcherPy []byte

const (
	// idleTimeout ends a server nobody has used for that long (a binary run
	// from a shell, whose parent lives on); a later Start makes a new one.
	idleTimeout = 10 * time.Minute
	// maxLife ends a server in any case.
	maxLife = 2 * time.Hour
)

// prewarm is the services (moto/backend_index.py names) the repository's
// tests use, in about the order a go test ./... first calls them: the server
// builds their applications in the background as it starts (launcher.py).
var prewarm = []string{"sqs", "events", "s3", "sns", "securityhub", "cognitoidp"}

// state is state.json.
type state struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

func baseDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("cognito-guard-moto-%d", os.Getuid()))
}

// stateDir is the state directory of the binaries whose parent is ppid.
func stateDir(ppid int) string { return filepath.Join(baseDir(), strconv.Itoa(ppid)) }

var sweepOnce sync.Once

// sweep removes the state directories of runs whose go command is gone (a
// server removes its own when it sees that; one killed with SIGKILL cannot).
func sweep() {
	entries, _ := os.ReadDir(baseDir())
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 || pid == os.Getppid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(filepath.Join(baseDir(), e.Name()))
		}
	}
}

// shared returns the URL of the server the binaries under this one's parent
// share, starting it if none answers.
func shared(t testing.TB, py string) string {
	t.Helper()
	sweepOnce.Do(sweep)
	if err := os.MkdirAll(baseDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(baseDir()); err != nil || !fi.IsDir() || fi.Sys().(*syscall.Stat_t).Uid != uint32(os.Getuid()) || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("%s: not a directory of this user's, closed to others (%v)", baseDir(), err)
	}
	dir := stateDir(os.Getppid())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close() // and so unlocked, also when t.Fatal or t.Skip leave through here
	if err := flock(lock); err != nil {
		t.Fatalf("lock %s: %v", lock.Name(), err)
	}
	if st, err := readState(dir); err == nil && st.answers() {
		return st.URL
	}
	return launch(t, py, dir).URL
}

// flock takes the exclusive lock on f, retrying when a signal interrupts it
// (the Go runtime preempts with signals).
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

func readState(dir string) (state, error) {
	var st state
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err == nil {
		err = json.Unmarshal(b, &st)
	}
	return st, err
}

// answers reports whether the server st names is up and is that server (a
// stale state.json may name a port someone else listens on now).
func (st state) answers() bool {
	if st.URL == "" || st.Token == "" {
		return false
	}
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(st.URL + "/_testkit/ping")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && string(body) == st.Token
}

// launch starts a server for dir's parent, with the lock held, waits until
// it answers, turns authentication on and writes state.json.
func launch(t testing.TB, py, dir string) state {
	t.Helper()
	token := randomHex(16)
	script := filepath.Join(dir, "launcher.py")
	if err := writeAtomic(script, launcherPy); err != nil {
		t.Fatal(err)
	}
	portFile := filepath.Join(dir, "port-"+token)
	logPath := filepath.Join(dir, "server-"+token+".log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, "--ppid", strconv.Itoa(os.Getppid()), "--token", token, "--dir", dir, "--port-file", portFile,
		"--idle", fmt.Sprint(idleTimeout.Seconds()), "--max-life", fmt.Sprint(maxLife.Seconds()), "--prewarm", strings.Join(prewarm, ","))
	// A file, not a pipe: the server outlives this binary, and exec.Cmd.Wait
	// would wait for a pipe's copier until the server ended.
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1")
	// Its own process group: a signal to this binary's group (^C, go test's
	// timeout) does not end the server the next binaries use.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	logFile.Close()
	if err != nil {
		t.Fatalf("start the moto launcher: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // reaps it if it ends while this binary runs
	logs := func() string { b, _ := os.ReadFile(logPath); return string(b) }

	// moto's imports (flask, werkzeug, the IAM backend) take a second or so.
	deadline := time.Now().Add(60 * time.Second)
	st := state{Token: token, PID: cmd.Process.Pid}
	for {
		if b, err := os.ReadFile(portFile); err == nil && st.URL == "" {
			st.URL = "http://127.0.0.1:" + strings.TrimSpace(string(b))
			_ = os.Remove(portFile)
		}
		if st.answers() {
			break
		}
		select {
		case <-exited:
			if last, missing := python.MissingModule(logs()); missing {
				unavailable(t, fmt.Sprintf("%s cannot import moto's server (%s); pip install \"moto[server]==5.2.*\"", py, last))
			}
			t.Fatalf("the moto launcher exited:\n%s", logs())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("the moto launcher did not answer within 60 s:\n%s", logs())
		}
	}
	// From here on moto authenticates every request (/moto-api/reset-auth,
	// the server form of INITIAL_NO_AUTH_ACTION_COUNT: moto/core/authorization.py).
	resp, err := http.Post(st.URL+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto reset-auth: HTTP %d", resp.StatusCode)
	}
	b, _ := json.Marshal(st)
	if err := writeAtomic(filepath.Join(dir, "state.json"), b); err != nil {
		t.Fatal(err)
	}
	return st
}

// writeAtomic writes b to a temporary file beside path and renames it there.
func writeAtomic(path string, b []byte) error {
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newAccount makes a random 12-digit account, outside the range of moto's
// default 123456789012, with an IAM user, its access key and its policy, in
// the shared server (the launcher's /_testkit/account).
func (s *Server) newAccount(t testing.TB, user, policyName, policy string) {
	t.Helper()
	for range 5 {
		var n [8]byte
		_, _ = rand.Read(n[:])
		account := strconv.FormatUint(200000000000+binary.BigEndian.Uint64(n[:])%800000000000, 10) // 200000000000-999999999999
		body, _ := json.Marshal(map[string]string{"account": account, "user": user, "policy_name": policyName, "policy": policy})
		resp, err := http.Post(s.URL+"/_testkit/account", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			var key struct{ AccessKeyId, SecretAccessKey string }
			if err := json.Unmarshal(out, &key); err != nil || key.AccessKeyId == "" {
				t.Fatalf("moto launcher: account %s: %v: %s", account, err, out)
			}
			s.Account = account
			s.Credentials.AccessKeyID, s.Credentials.SecretAccessKey, s.Credentials.Source = key.AccessKeyId, key.SecretAccessKey, "moto"
			return
		case http.StatusConflict: // taken by another Start: draw again
		default:
			t.Fatalf("moto launcher: account %s: HTTP %d: %s", account, resp.StatusCode, out)
		}
	}
	t.Fatal("moto launcher: 5 random accounts were all taken")
}
