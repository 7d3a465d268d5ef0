package templatetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/python"
	"github.com/cognito-guard/cognito-guard/internal/testkit/waitbound"
)

// The external checkers run in two long-lived Python processes, started on first use and shared by
// the tests: testdata/cfnlint_worker.py (cfn-lint's command-line entry point, its resource schemas
// and aws-sam-translator) and testdata/moto_worker.py (moto's EventBridge matcher and the StackSet
// rollout). Importing cfnlint or moto takes seconds of CPU; one process per check paid that for
// every check. Each worker reads one JSON request per line on stdin and answers each with one JSON
// line on file descriptor 3 (so nothing a checker prints on stdout can garble an answer), in order.

// TestMain lets the checker tests all start at once and stops the workers at the end. The checker
// tests spend their time waiting on the two workers; with go test's default -parallel (GOMAXPROCS,
// 2 on a 2-core machine) two waiting tests would hold back the others' requests and leave a worker
// idle. An explicit -parallel is respected. A run of the whole package (no -run) starts both
// workers at once, so that their imports overlap the tests that need no checker.
func TestMain(m *testing.M) {
	waitbound.Raise(16)
	given := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["test.run"] && !given["test.list"] {
		go cfnlintWorker()
		go startMoto()
	}
	code := m.Run()
	for _, w := range []**worker{&cfnlintW, &motoW} {
		if *w != nil {
			(*w).close()
		}
	}
	os.Exit(code)
}

// worker is a running Python worker process.
type worker struct {
	mu     sync.Mutex // one request at a time: the worker answers in order
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	output bytes.Buffer // the process's stdout and stderr; read only after it has exited
	err    error        // set once the process is gone
	exit   error        // how it exited
}

// startWorker runs script (in testdata) under py and waits for its {"ready": true}, which it sends
// once its checker is imported. If it exits first, the error ends with its last line of output.
func startWorker(py, script string, env ...string) (*worker, error) {
	path, err := filepath.Abs(filepath.Join("testdata", script))
	if err != nil {
		return nil, err
	}
	w := &worker{cmd: exec.Command(py, path)}
	w.cmd.Env = append(os.Environ(), env...)
	w.cmd.Stdout, w.cmd.Stderr = &w.output, &w.output
	if w.in, err = w.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	r, wr, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	w.cmd.ExtraFiles = []*os.File{wr} // fd 3 in the worker
	err = w.cmd.Start()
	wr.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	w.out = bufio.NewReader(r)
	var ready struct{ Ready bool }
	if err := w.read(&ready); err != nil || !ready.Ready {
		w.close()
		return nil, &startError{py, w.exit, lastLine(w.output.String())}
	}
	return w, nil
}

// startError is a worker that exited before it was ready: how, and its last line of output.
type startError struct {
	py       string
	exit     error
	lastLine string
}

func (e *startError) Error() string { return fmt.Sprintf("%s: %v: %s", e.py, e.exit, e.lastLine) }

// read decodes the worker's next answer into v; if the worker is gone it records why in w.err.
func (w *worker) read(v any) error {
	line, err := w.out.ReadBytes('\n')
	if err != nil {
		w.gone()
		return w.err
	}
	return json.Unmarshal(line, v)
}

// gone waits for a worker that stopped answering and records why in w.err.
func (w *worker) gone() {
	w.in.Close()
	w.exit = w.cmd.Wait()
	w.err = fmt.Errorf("worker exited (%v): %s", w.exit, lastLines(w.output.String(), 15))
}

// call sends req and decodes the answer into resp. A Python exception in the worker comes back as
// an error with its traceback; the worker carries on with the next request.
func (w *worker) call(req, resp any) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.callLocked(req, resp)
}

// callLocked is call for a caller that holds w.mu.
func (w *worker) callLocked(req, resp any) error {
	if w.err != nil {
		return w.err
	}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := w.in.Write(append(b, '\n')); err != nil {
		w.gone()
		return w.err
	}
	var raw json.RawMessage
	if err := w.read(&raw); err != nil {
		return err
	}
	var e struct{ Error string }
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("worker answered %.200q: %v", raw, err)
	}
	if e.Error != "" {
		return errors.New(e.Error)
	}
	return json.Unmarshal(raw, resp)
}

// close ends the worker: it exits when its stdin closes; one that does not is killed.
func (w *worker) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	w.err = errors.New("worker closed")
	w.in.Close()
	done := make(chan struct{})
	go func() {
		_ = w.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = w.cmd.Process.Kill()
		<-done
	}
}

var (
	cfnlintOnce sync.Once
	cfnlintW    *worker
	cfnlintErr  string // why no python3 here runs testdata/cfnlint_worker.py
)

// cfnlintWorker returns the worker that runs cfn-lint, or nil and the reason no python3 here
// imports cfnlint. The first call starts it and, before any other request, has it translate
// template.yaml (see processed): the StackSet tests, the longest chain, wait on that translation.
func cfnlintWorker() (*worker, string) {
	cfnlintOnce.Do(func() {
		var errs []string
		for _, py := range []string{python.Interpreter(), "python3", "/usr/bin/python3"} {
			w, err := startWorker(py, "cfnlint_worker.py")
			if err == nil {
				cfnlintW = w
				break
			}
			errs = append(errs, err.Error())
		}
		if cfnlintW == nil {
			cfnlintErr = strings.Join(errs, "; ")
			return
		}
		cfnlintW.mu.Lock() // taken here, so the translation is the worker's first request
		go func() {
			defer cfnlintW.mu.Unlock()
			transform(cfnlintW)
		}()
	})
	return cfnlintW, cfnlintErr
}

// lintResult is one cfn-lint run: its exit status and what it printed.
type lintResult struct {
	Code   int
	Output string
}

// cfnLint runs the cfn-lint command line with args in dir: in the cfn-lint worker (the command's
// own entry point, cfnlint.runner.main, with these arguments) or, if no python3 here imports
// cfnlint, as the cfn-lint command. The caller has checked that cfn-lint is installed.
func cfnLint(t *testing.T, dir string, args ...string) lintResult {
	t.Helper()
	if w, _ := cfnlintWorker(); w != nil {
		var res lintResult
		if err := w.call(map[string]any{"op": "lint", "dir": dir, "args": args}, &res); err != nil {
			t.Fatalf("cfn-lint %q: %v", args, err)
		}
		return res
	}
	res, err := cfnLintCommand(dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// cfnLintCommand runs the cfn-lint command with args in dir.
func cfnLintCommand(dir string, args ...string) (lintResult, error) {
	cmd := exec.Command("cfn-lint", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return lintResult{exit.ExitCode(), string(out)}, nil
	case err != nil:
		return lintResult{}, fmt.Errorf("cfn-lint %q: %v", args, err)
	}
	return lintResult{0, string(out)}, nil
}

// The lintFiles calls that come while the cfn-lint worker is busy (with the translation, or another
// run) go to it as one run: cfn-lint spends ~0.65 s of CPU per run before it reads a file (its rules
// and schemas), which the worker would otherwise pay for every test that lints.
var lintQueue struct {
	mu      sync.Mutex
	pending map[string][]*lintReq // by directory
	running bool                  // a runLintBatches is waiting for the worker or running
}

type lintReq struct {
	files []string
	done  chan lintBatch
}

// lintBatch is one cfn-lint --format json run over the files of every request it took.
type lintBatch struct {
	res   lintResult
	files []string
	err   error
}

// lintBatched runs cfn-lint --format json over files in dir, with whatever other files are waiting
// for the worker, and returns that run and every file it linted.
func lintBatched(dir string, files []string) lintBatch {
	w, _ := cfnlintWorker()
	if w == nil {
		res, err := cfnLintCommand(dir, append([]string{"--format", "json", "--"}, files...)...)
		return lintBatch{res, files, err}
	}
	req := &lintReq{files: files, done: make(chan lintBatch, 1)}
	lintQueue.mu.Lock()
	if lintQueue.pending == nil {
		lintQueue.pending = map[string][]*lintReq{}
	}
	lintQueue.pending[dir] = append(lintQueue.pending[dir], req)
	if !lintQueue.running {
		lintQueue.running = true
		go runLintBatches(w)
	}
	lintQueue.mu.Unlock()
	return <-req.done
}

// runLintBatches waits for the worker, then runs one batch of what is pending, until nothing is.
func runLintBatches(w *worker) {
	for {
		w.mu.Lock()
		lintQueue.mu.Lock()
		var dir string
		var reqs []*lintReq
		for d, rs := range lintQueue.pending {
			dir, reqs = d, rs
			break
		}
		if reqs == nil {
			lintQueue.running = false
			lintQueue.mu.Unlock()
			w.mu.Unlock()
			return
		}
		delete(lintQueue.pending, dir)
		lintQueue.mu.Unlock()
		var files []string
		for _, r := range reqs {
			files = append(files, r.files...)
		}
		args := append([]string{"--format", "json", "--"}, files...)
		var res lintResult
		err := w.callLocked(map[string]any{"op": "lint", "dir": dir, "args": args}, &res)
		w.mu.Unlock()
		if err != nil {
			err = fmt.Errorf("cfn-lint %q: %v", args, err)
		}
		for _, r := range reqs {
			r.done <- lintBatch{res, files, err}
		}
	}
}

// lintMatch is one finding of cfn-lint --format json.
type lintMatch struct {
	Filename string
	Level    string
	Message  string
	Rule     struct{ Id string }
	Location struct{ Start struct{ LineNumber int } }
}

func (m lintMatch) String() string {
	return fmt.Sprintf("%s %s:%d: %s (%s)", m.Rule.Id, m.Filename, m.Location.Start.LineNumber, m.Message, m.Level)
}

// lintFiles runs cfn-lint --format json over files (in dir; in one run, perhaps with other tests'
// files: lintBatched) and returns each of these files' findings. The exit status must agree with
// the whole run's findings: 0 exactly when nothing was found.
func lintFiles(t *testing.T, dir string, files ...string) map[string][]lintMatch {
	t.Helper()
	b := lintBatched(dir, files)
	if b.err != nil {
		t.Fatal(b.err)
	}
	res := b.res
	var matches []lintMatch
	if err := json.Unmarshal([]byte(res.Output), &matches); err != nil {
		t.Fatalf("cfn-lint --format json %q exited %d and printed %.500q: %v", b.files, res.Code, res.Output, err)
	}
	if (res.Code == 0) != (len(matches) == 0) {
		t.Fatalf("cfn-lint %q exited %d with %d findings:\n%s", b.files, res.Code, len(matches), res.Output)
	}
	byFile := map[string][]lintMatch{}
	for _, m := range matches {
		if !slices.Contains(b.files, m.Filename) {
			t.Fatalf("cfn-lint reported %q, which is none of %q:\n%s", m.Filename, b.files, res.Output)
		}
		if slices.Contains(files, m.Filename) {
			byFile[m.Filename] = append(byFile[m.Filename], m)
		}
	}
	return byFile
}
