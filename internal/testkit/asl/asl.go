// Package asl runs Amazon States Language definitions in a real interpreter: moto's Step Functions
// execution mode (moto.stepfunctions.parser, ported from LocalStack; moto 5.2), in one Python
// process under mock_aws, with each lambda:invoke of a named function served by a real function
// under the Lambda RIE (internal/testkit/rie) over HTTP. See harness.py for the job format and the
// two changes it makes to moto 5.2.1 (a deep-copy crash when two executions overlap, and the
// aws-sdk integration's PascalCase request/response normalisation, which moto's port leaves out).
//
// What the interpreter gives: the states, paths, intrinsic functions, Choice rules, Retry with
// backoff, Catch, Fail with CausePath, the 256 KB payload check, ListExecutions over its own
// executions, and the Lambda Invoke API (moto's, with the function's result or error from the RIE).
// What it does not: IAM (every call is allowed), CloudWatch logging, TimeoutSeconds of the whole
// state machine over hours, and EventBridge starting executions.
package asl

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
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
// else python3). Without one the test is skipped, except under CI=true, where it fails unless
// .ci/run declared moto-stepfunctions unavailable in CHECKERS_UNAVAILABLE.
func Python(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		py = python.Interpreter() // $MOTO_PYTHON, else python3 (behind a pyenv shim, the interpreter itself)
		if _, err := exec.LookPath(py); err != nil {
			missing = "python3 not found"
		}
		// Whether it can import moto's interpreter is learnt from the harness itself (Run): a
		// separate import check cost as much CPU as the harness's own start-up.
	})
	if missing != "" {
		unavailable(t, missing)
	}
	return py
}

func unavailable(t testing.TB, missing string) {
	t.Helper()
	if os.Getenv("CI") == "true" && !strings.Contains(" "+os.Getenv("CHECKERS_UNAVAILABLE")+" ", " moto-stepfunctions ") {
		t.Fatalf("moto's Step Functions interpreter is not available (CI=true, and .ci/run did not declare moto-stepfunctions in CHECKERS_UNAVAILABLE): %s", missing)
	}
	t.Skipf("SKIPPED: no ASL interpreter: %s; pip install \"moto[server]==5.2.*\"", missing)
}

var (
	once    sync.Once
	py      string
	missing string
)

// Run runs job in one harness process and returns what the executions did.
func Run(t testing.TB, job Job) Result {
	t.Helper()
	req, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Python(t), "-c", harness)
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		// The harness imports moto's interpreter and boto3 first; failing there means there is
		// no interpreter to run, not that the definition is wrong.
		if last, missing := python.MissingModule(stderr.String()); missing {
			unavailable(t, fmt.Sprintf("%s cannot import moto.stepfunctions.parser (%s)", Python(t), last))
		}
		t.Fatalf("asl harness: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("asl harness (stderr; seconds since its start):\n%s", stderr.String())
		}
	})
	var res Result
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("asl harness printed %q: %v\nstderr:\n%s", out, err, stderr.String())
	}
	return res
}
