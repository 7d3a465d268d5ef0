// Package asl runs Amazon States Language definitions in a real interpreter: moto's Step Functions
// execution mode (moto.stepfunctions.parser, ported from LocalStack; moto 5.2), in one Python
// process per test binary under mock_aws (each Run a job of its own, overlapping the others), with
// each lambda:invoke of a named function served by a real function under the Lambda RIE
// (internal/testkit/rie) over HTTP. See harness.py for the job format and the
// three changes it makes to moto 5.2.1 (a deep-copy crash when two executions overlap, the aws-sdk
// integration's PascalCase request/response normalisation, which moto's port leaves out, and Retry
// waits slept a quarter as long).
//
// What the interpreter gives: the states, paths, intrinsic functions, Choice rules, Retry with
// backoff, Catch, Fail with CausePath, the 256 KB payload check, ListExecutions over its own
// executions, and the Lambda Invoke API (moto's, with the function's result or error from the RIE).
// What it does not: IAM (every call is allowed), CloudWatch logging, TimeoutSeconds of the whole
// state machine over hours, and EventBridge starting executions.
package asl

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/python"
)

//go:embed harness.py
var harness string

// Job is what harness.py runs; see its docstring.
type Job struct {
	// Functions maps a Lambda function name to the RIE invoke URL that serves it; the definition's
	// ${<Name>FunctionArn} (first letter upper-cased) is substituted with its ARN.
	Functions map[string]string  `json:"functions"`
	Machines  map[string]Machine `json:"machines"`
	// LambdaFaults makes the first N Invoke calls fail with this Lambda service error (HTTP 500).
	LambdaFaults map[string]int `json:"lambdaFaults,omitempty"`
	// Phases run one after the other; the executions of a phase overlap.
	Phases [][]Start `json:"phases"`
}

// Machine is a state machine definition and its DefinitionSubstitutions.
type Machine struct {
	Definition    string            `json:"definition"`
	Substitutions map[string]string `json:"substitutions,omitempty"`
}

// Start starts one execution DelayMs after the previous start of its phase.
type Start struct {
	Machine string `json:"machine"`
	Name    string `json:"name"`
	Input   string `json:"input"`
	DelayMs int    `json:"delayMs,omitempty"`
}

// Result is what the executions did.
type Result struct {
	Executions []Execution `json:"executions"`
	Invokes    []Invoke    `json:"invokes"`
	// Faults is how many injected Lambda service errors were answered.
	Faults int `json:"faults"`
}

// Execution is one execution's end state and the states it entered, in order.
type Execution struct {
	Name   string   `json:"name"`
	ARN    string   `json:"arn"`
	Status string   `json:"status"`
	Output *string  `json:"output"`
	Error  *string  `json:"error"`
	Cause  *string  `json:"cause"`
	States []string `json:"states"`
}

// Invoke is one invocation the RIE served: the payload the state machine sent, and the result.
type Invoke struct {
	Payload       json.RawMessage `json:"payload"`
	Result        json.RawMessage `json:"result"`
	FunctionError bool            `json:"functionError"`
}

// Count returns how many times the execution entered state.
func (e Execution) Count(state string) int {
	n := 0
	for _, s := range e.States {
		if s == state {
			n++
		}
	}
	return n
}

// Python returns the interpreter that has moto with its Step Functions interpreter ($MOTO_PYTHON,
// else python3), and starts the shared harness process in the background, so that its imports
// overlap whatever the test does before Run. Without an interpreter the test is skipped, except
// under CI=true, where it fails unless .ci/run declared moto-stepfunctions unavailable in
// CHECKERS_UNAVAILABLE.
func Python(t testing.TB) string {
	t.Helper()
	startOnce()
	if missing != "" {
		unavailable(t, missing)
	}
	return py
}

// Prestart starts the shared harness process now, if there is an interpreter, so that its imports
// (about 2 s of CPU) overlap whatever runs before the first Run: a TestMain calls it when the run
// includes tests that need it. Python and Run report what Prestart could not start.
func Prestart() { startOnce() }

func startOnce() {
	once.Do(func() {
		py = python.Interpreter() // $MOTO_PYTHON, else python3 (behind a pyenv shim, the interpreter itself)
		if _, err := exec.LookPath(py); err != nil {
			missing = "python3 not found"
			return
		}
		// Whether it can import moto's interpreter is learnt from the harness itself: a
		// separate import check cost as much CPU as the harness's own start-up.
		started = make(chan struct{})
		go func() {
			defer close(started)
			shared, startErr = start(py)
		}()
	})
}

func unavailable(t testing.TB, missing string) {
	t.Helper()
	if os.Getenv("CI") == "true" && !strings.Contains(" "+os.Getenv("CHECKERS_UNAVAILABLE")+" ", " moto-stepfunctions ") {
		t.Fatalf("moto's Step Functions interpreter is not available (CI=true, and .ci/run did not declare moto-stepfunctions in CHECKERS_UNAVAILABLE): %s", missing)
	}
	t.Skipf("SKIPPED: no ASL interpreter: %s; pip install \"moto[server]==5.2.*\"", missing)
}

var (
	once     sync.Once
	py       string
	missing  string
	started  chan struct{} // closed once the harness is ready or has failed to start
	shared   *harnessProc
	startErr error
)

// harnessProc is the one harness.py process of this test binary. Importing moto and its Step
// Functions interpreter costs about 2 s of CPU, so every Run of the binary shares it; its jobs run
// in threads of their own and overlap. It ends when its stdin closes, at the latest when the test
// binary exits.
type harnessProc struct {
	in      io.WriteCloser
	writeMu sync.Mutex
	stderr  lockedBuffer

	mu      sync.Mutex
	nextID  int
	pending map[int]chan answer
	gone    error // set once the process stopped answering; every later Run fails with it
}

type answer struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Ready  bool            `json:"ready"`
}

// startError is a harness that ended before it was ready.
type startError struct {
	exit   error
	stderr string
}

func (e *startError) Error() string { return fmt.Sprintf("asl harness: %v\n%s", e.exit, e.stderr) }

func start(py string) (*harnessProc, error) {
	h := &harnessProc{pending: map[int]chan answer{}}
	cmd := exec.Command(py, "-c", harness)
	cmd.Stdout, cmd.Stderr = &h.stderr, &h.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	h.in = in
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.ExtraFiles = []*os.File{w} // fd 3 in the harness: its answers
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	out := bufio.NewReader(r)
	var ready answer
	if line, err := out.ReadBytes('\n'); err != nil || json.Unmarshal(line, &ready) != nil || !ready.Ready {
		in.Close()
		return nil, &startError{<-exited, h.stderr.String()}
	}
	go h.readAnswers(out, exited)
	return h, nil
}

// readAnswers hands each answer to the Run waiting for it; when the process ends, every waiting
// Run is told why.
func (h *harnessProc) readAnswers(out *bufio.Reader, exited <-chan error) {
	for {
		line, err := out.ReadBytes('\n')
		if err != nil {
			break
		}
		var a answer
		if err := json.Unmarshal(line, &a); err != nil {
			continue
		}
		h.mu.Lock()
		ch := h.pending[a.ID]
		delete(h.pending, a.ID)
		h.mu.Unlock()
		if ch != nil {
			ch <- a
		}
	}
	err := <-exited
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gone = fmt.Errorf("asl harness exited: %v", err)
	for id, ch := range h.pending {
		delete(h.pending, id)
		close(ch)
	}
}

// Run runs job in the shared harness process and returns what the executions did.
func Run(t testing.TB, job Job) Result {
	t.Helper()
	Python(t)
	<-started
	if startErr != nil {
		var se *startError
		if errors.As(startErr, &se) {
			// The harness imports moto's interpreter and boto3 first; failing there means there
			// is no interpreter to run, not that the definition is wrong.
			if last, missing := python.MissingModule(se.stderr); missing {
				unavailable(t, fmt.Sprintf("%s cannot import moto.stepfunctions.parser (%s)", py, last))
			}
		}
		t.Fatal(startErr)
	}
	h := shared
	req, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	if h.gone != nil {
		h.mu.Unlock()
		t.Fatalf("%v\n%s", h.gone, h.stderr.String())
	}
	h.nextID++
	id := h.nextID
	ch := make(chan answer, 1)
	h.pending[id] = ch
	h.mu.Unlock()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("asl harness (stderr of the shared process, this run is job j%d; seconds since its start):\n%s", id, h.stderr.String())
		}
	})
	h.writeMu.Lock()
	_, err = fmt.Fprintf(h.in, "{\"id\":%d,\"job\":%s}\n", id, req)
	h.writeMu.Unlock()
	if err != nil {
		t.Fatalf("asl harness: send job: %v", err)
	}
	a, ok := <-ch
	if !ok {
		h.mu.Lock()
		gone := h.gone
		h.mu.Unlock()
		t.Fatalf("%v\n%s", gone, h.stderr.String())
	}
	if a.Error != "" {
		t.Fatalf("asl harness, job j%d:\n%s", id, a.Error)
	}
	var res Result
	if err := json.Unmarshal(a.Result, &res); err != nil {
		t.Fatalf("asl harness answered %q: %v", a.Result, err)
	}
	return res
}

// lockedBuffer is the harness's stdout and stderr, written by exec's copying goroutine and read by
// failing tests while the process runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
