package rie

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InvokePath is the RIE's only invoke route (internal/lambda/rie/http.go).
const InvokePath = "/2015-03-31/functions/function/invocations"

// readyTimeout bounds how long Start waits for the RIE to listen. It only starts an HTTP server
// (the bootstrap starts on the first invoke), so this is generous for a loaded 2-core CI machine.
const readyTimeout = 15 * time.Second

// Function is one RIE process hosting one bootstrap: one Lambda execution environment.
type Function struct {
	tb        testing.TB
	cmd       *exec.Cmd
	url       string
	client    *http.Client
	startedAt time.Time
	exited    chan struct{} // closed when the RIE process has exited
	stopOnce  sync.Once

	invokeMu  sync.Mutex // the RIE serves one invoke at a time; overlap is an HTTP 400
	timingMu  sync.Mutex
	latencies []time.Duration
	coldStart time.Duration

	stdout, stderr *syncBuffer
}

// FunctionError is a failed invoke as the function (or the runtime around it) reported it, as
// opposed to a failure to reach the RIE.
type FunctionError struct {
	// Status is the RIE's HTTP status: 200 for a handler error or a timeout, 502 for a crash.
	Status  int
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("function error %s: %s", e.Type, e.Message)
}

// Start runs bootstrap (an absolute or working-directory-relative path, usually from Build) under
// the RIE on two free loopback ports and returns once the RIE accepts invokes. The process is
// killed in tb.Cleanup; if the test failed, its logs are printed first.
//
// env is the function's whole environment apart from hermetic defaults: HOME is an empty
// temporary directory, the shared AWS config and credentials files do not exist, IMDS is disabled
// and TZ is UTC, so nothing from the developer's machine (profiles, credentials) reaches the code
// under test. Entries in env override the defaults. AWS_LAMBDA_FUNCTION_TIMEOUT sets the deadline.
func Start(tb testing.TB, bootstrap string, env map[string]string) *Function {
	tb.Helper()
	if _, ok := env["AWS_LAMBDA_MAX_CONCURRENCY"]; ok {
		tb.Fatalf("rie: AWS_LAMBDA_MAX_CONCURRENCY switches the RIE to its managed-instances mode; not supported")
	}
	bootstrap, err := filepath.Abs(bootstrap)
	if err != nil {
		tb.Fatalf("rie: %v", err)
	}
	if _, err := os.Stat(bootstrap); err != nil {
		tb.Fatalf("rie: bootstrap: %v", err)
	}
	rie := BuildRIE(tb)
	home := tb.TempDir()
	environ := environList(Hermetic(home, env))

	// Free ports are picked by binding :0 and releasing; another process can grab one in between,
	// so a start that dies with "address already in use" is retried on new ports.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		f, err := start(tb, rie, bootstrap, home, environ)
		if err == nil {
			return f
		}
		lastErr = err
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	tb.Fatalf("rie: start RIE: %v", lastErr)
	return nil
}

var errAddrInUse = errors.New("address already in use")

// Hermetic returns env on top of the defaults that keep the developer's
// machine out of the function: HOME is home (give an empty directory), the
// shared AWS config and credentials files do not exist, IMDS is disabled,
// TZ is UTC, and PATH is this process's.
func Hermetic(home string, env map[string]string) map[string]string {
	vars := map[string]string{
		"PATH":                        os.Getenv("PATH"),
		"HOME":                        home,
		"TZ":                          "UTC",
		"AWS_CONFIG_FILE":             filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	for k, v := range env {
		vars[k] = v
	}
	return vars
}

func environList(vars map[string]string) []string {
	environ := make([]string, 0, len(vars))
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	sort.Strings(environ)
	return environ
}

// Run is Start for programs (make demo) rather than tests: it runs bootstrap
// under the RIE binary at rie with exactly env as its environment, in dir,
// and leaves stopping it to the caller (Stop).
func Run(rie, bootstrap, dir string, env map[string]string) (*Function, error) {
	environ := environList(env)
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var f *Function
		if f, err = start(nil, rie, bootstrap, dir, environ); err == nil {
			return f, nil
		}
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	return nil, err
}

func start(tb testing.TB, rie, bootstrap, dir string, environ []string) (*Function, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	runtimeAPI, invokeAddr := ports[0], ports[1]
	cmd := exec.Command(rie,
		"--log-level", "info",
		"--runtime-api-address", runtimeAPI,
		"--runtime-interface-emulator-address", invokeAddr,
		bootstrap)
	cmd.Dir = dir
	cmd.Env = environ
	// The RIE starts the bootstrap in a process group of its own (supervisor/local_supervisor.go),
	// so Stop kills that group as well as the RIE's.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	f := &Function{
		tb:     tb,
		cmd:    cmd,
		url:    "http://" + invokeAddr + InvokePath,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}},
		exited: make(chan struct{}),
		stdout: &syncBuffer{},
		stderr: &syncBuffer{},
	}
	cmd.Stdout, cmd.Stderr = f.stdout, f.stderr
	f.startedAt = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		_ = cmd.Wait()
		close(f.exited)
	}()

	deadline := time.Now().Add(readyTimeout)
	for {
		conn, err := net.DialTimeout("tcp", invokeAddr, 100*time.Millisecond)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-f.exited:
			if strings.Contains(f.stderr.String(), "address already in use") {
				return nil, fmt.Errorf("%w: %s", errAddrInUse, f.stderr.String())
			}
			return nil, fmt.Errorf("RIE exited before listening (%s)\nstdout:\n%s\nstderr:\n%s", cmd.ProcessState, f.stdout.String(), f.stderr.String())
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			f.Stop()
			return nil, fmt.Errorf("RIE not listening on %s after %v\nstderr:\n%s", invokeAddr, readyTimeout, f.stderr.String())
		}
	}
	if tb == nil {
		return f, nil // Run: the caller stops it
	}
	tb.Cleanup(func() {
		f.Stop()
		if tb.Failed() {
			tb.Logf("rie: function logs (RIE stdout):\n%s", f.Logs())
			tb.Logf("rie: RIE diagnostics (stderr):\n%s", f.RIELogs())
		}
	})
	return f, nil
}

// freePorts reserves n distinct loopback ports at once (all listeners open together, so the
// kernel cannot hand out the same port twice) and releases them for the RIE to bind.
func freePorts(n int) ([]string, error) {
	addrs := make([]string, 0, n)
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

// Invoke sends payload to the function and returns its response. Invokes on one Function never
// overlap (the RIE would reject them); concurrent callers wait their turn.
//
// A handler error, a crash or a timeout returns the raw body and a *FunctionError. Because the RIE
// drops X-Amz-Function-Error, a 200 response is a handler error when its body is exactly the
// runtime's error document: a JSON object with a string errorType and nothing but errorMessage,
// errorType, stackTrace and cause besides. Any other failure (RIE unreachable, ctx done) is a plain
// error.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.invokeMu.Lock()
	defer f.invokeMu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	// The RIE takes the invoke ID from this header, so the REPORT line of this invoke is known.
	id := requestID()
	req.Header.Set("X-Amzn-RequestId", id)
	logStart := f.stdout.Len()
	begin := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	end := time.Now()
	if err != nil {
		return nil, fmt.Errorf("invoke: read response: %w", err)
	}
	f.timingMu.Lock()
	if len(f.latencies) == 0 {
		f.coldStart = end.Sub(f.startedAt)
	}
	f.latencies = append(f.latencies, end.Sub(begin))
	f.timingMu.Unlock()

	// The RIE prints END and REPORT before it answers, but its stdout reaches Logs through a pipe
	// and a copying goroutine, so wait for this invoke's REPORT line: after it, everything the
	// function wrote before answering is in Logs too (one pipe keeps order). Crashes (non-200)
	// print no REPORT.
	if resp.StatusCode == http.StatusOK {
		f.stdout.waitFor(logStart, "REPORT RequestId: "+id, logWait)
	}

	if fe := functionError(resp.StatusCode, body); fe != nil {
		return body, fe
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("invoke: RIE answered HTTP %d: %q", resp.StatusCode, body)
	}
	return body, nil
}

// timeoutPrefix is the RIE's plain-text timeout body (internal/lambda/rie/handlers.go).
const timeoutPrefix = "Task timed out after "

func functionError(status int, body []byte) *FunctionError {
	if status == http.StatusOK && bytes.HasPrefix(body, []byte(timeoutPrefix)) {
		return &FunctionError{Status: status, Type: "Sandbox.Timedout", Message: string(body)}
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil
	}
	for k := range doc {
		switch k {
		case "errorType", "errorMessage", "stackTrace", "cause":
		default:
			return nil
		}
	}
	fe := &FunctionError{Status: status}
	if err := json.Unmarshal(doc["errorType"], &fe.Type); err != nil || fe.Type == "" {
		return nil
	}
	if m, ok := doc["errorMessage"]; ok {
		if err := json.Unmarshal(m, &fe.Message); err != nil {
			return nil
		}
	}
	return fe
}

// Logs returns everything the function wrote to stdout and stderr so far, interleaved with the
// RIE's START/END/REPORT lines, as CloudWatch Logs would show it.
func (f *Function) Logs() string { return f.stdout.String() }

// RIELogs returns the emulator's own diagnostics (its stderr).
func (f *Function) RIELogs() string { return f.stderr.String() }

// URL is the invoke endpoint, for tools that want to post to it themselves.
func (f *Function) URL() string { return f.url }

// Stop kills the RIE and the bootstrap and waits for the RIE to exit. It is idempotent and runs in
// tb.Cleanup anyway; a benchmark that starts many functions calls it to free them early.
func (f *Function) Stop() {
	f.stopOnce.Do(func() {
		pid := f.cmd.Process.Pid
		// Children first: once the RIE is gone they would be re-parented and hard to find.
		for _, child := range childPIDs(pid) {
			_ = syscall.Kill(-child, syscall.SIGKILL)
			_ = syscall.Kill(child, syscall.SIGKILL)
		}
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		select {
		case <-f.exited:
		case <-time.After(10 * time.Second):
			if f.tb != nil {
				f.tb.Errorf("rie: RIE pid %d did not exit after SIGKILL", pid)
			}
		}
		f.client.CloseIdleConnections()
	})
}

// childPIDs lists the direct children of pid from /proc (Linux, the only OS the RIE runs on).
func childPIDs(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		var p int
		if _, err := fmt.Sscanf(e.Name(), "%d", &p); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command name: state ppid ...; the name may contain spaces.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		var state string
		var ppid int
		if _, err := fmt.Sscanf(s[i+1:], " %s %d", &state, &ppid); err == nil && ppid == pid {
			out = append(out, p)
		}
	}
	return out
}

// logWait bounds the wait for an invoke's REPORT line; it is only reached if the RIE changes.
const logWait = 5 * time.Second

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed and replaced on every Write
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// waitFor waits until s appears at or after offset from, or timeout passes.
func (b *syncBuffer) waitFor(from int, s string, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		b.mu.Lock()
		found := bytes.Contains(b.buf.Bytes()[from:], []byte(s))
		if b.written == nil {
			b.written = make(chan struct{})
		}
		ch := b.written
		b.mu.Unlock()
		if found {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
