package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Diagnostic is one error or warning of a file, with its place.
type Diagnostic struct {
	Code    string `json:"code,omitempty"`
	Path    string `json:"path"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// FileResult is the validation of one file.
type FileResult struct {
	File     string       `json:"file"`
	Valid    bool         `json:"valid"`
	Error    string       `json:"error,omitempty"` // the file could not be read
	Errors   []Diagnostic `json:"errors"`
	Warnings []Diagnostic `json:"warnings"`
}

func (a *app) validate(_ context.Context, args []string) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	strict := fs.Bool("strict", false, "exit 1 on warnings too")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	fs.Usage = func() {
		fmt.Fprintln(a.stderr, "usage: cognito-guard validate [--strict] [--json] FILE... (- reads standard input)")
		fs.PrintDefaults()
	}
	files, err := parseFlags(fs, args)
	if err != nil {
		return exitError
	}
	if len(files) == 0 {
		fs.Usage()
		return exitError
	}
	var results []FileResult
	code := exitOK
	for _, name := range files {
		data, err := a.readFile(name)
		var r FileResult
		if err != nil {
			r = FileResult{File: name, Error: err.Error(), Errors: []Diagnostic{}, Warnings: []Diagnostic{}}
		} else {
			r = validateData(name, data, a.now())
		}
		if !r.Valid || (*strict && len(r.Warnings) > 0) {
			code = exitError
		}
		results = append(results, r)
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			Files []FileResult `json:"files"`
		}{results})
		return code
	}
	for _, r := range results {
		if r.Error != "" {
			fmt.Fprintf(a.stderr, "cognito-guard validate: %s\n", r.Error)
			continue
		}
		for _, d := range r.Errors {
			fmt.Fprintf(a.stdout, "%s:%d:%d: error: %s: %s\n", r.File, d.Line, d.Column, d.Path, d.Message)
		}
		for _, d := range r.Warnings {
			fmt.Fprintf(a.stdout, "%s:%d:%d: warning: %s: %s [%s]\n", r.File, d.Line, d.Column, d.Path, d.Message, d.Code)
		}
		fmt.Fprintf(a.stdout, "%s: %s\n", r.File, verdict(r))
	}
	return code
}

func verdict(r FileResult) string {
	switch {
	case len(r.Errors) > 0:
		return fmt.Sprintf("invalid (%s, %s)", plural(len(r.Errors), "error"), plural(len(r.Warnings), "warning"))
	case len(r.Warnings) > 0:
		return fmt.Sprintf("valid, %s", plural(len(r.Warnings), "warning"))
	}
	return "valid"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// validateData parses one baseline document strictly and lints it.
func validateData(name string, data []byte, now time.Time) FileResult {
	r := FileResult{File: name, Errors: []Diagnostic{}, Warnings: []Diagnostic{}}
	if pos, err := syntaxError(data); err != nil {
		r.Errors = append(r.Errors, Diagnostic{Path: "(document)", Line: pos.Line, Column: pos.Column, Message: "invalid JSON: " + err.Error()})
		return r
	}
	loc := newLocator(data)
	_, err := policy.Parse(data)
	var ve *policy.ValidationError
	switch {
	case errors.As(err, &ve):
		for _, p := range ve.Problems {
			pos := loc.findProblem(p.Path, p.Message)
			r.Errors = append(r.Errors, Diagnostic{Path: p.Path, Line: pos.Line, Column: pos.Column, Message: p.Message})
		}
		byPosition(r.Errors)
		return r
	case err != nil:
		r.Errors = append(r.Errors, Diagnostic{Path: "(document)", Line: 1, Column: 1, Message: err.Error()})
		return r
	}
	r.Valid = true
	d, err := readDoc(data)
	if err != nil { // policy accepted it, so this does not happen
		return r
	}
	for _, w := range lint(d, now) {
		pos := loc.find(w.Path)
		r.Warnings = append(r.Warnings, Diagnostic{Code: w.Code, Path: w.Path, Line: pos.Line, Column: pos.Column, Message: w.Message})
	}
	byPosition(r.Warnings)
	return r
}

// byPosition orders diagnostics as an editor lists them.
func byPosition(ds []Diagnostic) {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
}

// readFile reads a file, or standard input for "-", with an error that
// names the file.
func (a *app) readFile(name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(a.stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("cannot read %s: %s", name, strings.TrimPrefix(pe.Err.Error(), "open "))
		}
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	return data, nil
}

// loadBaseline reads and parses a baseline file; the error lists every
// problem with its line and column, as validate prints them.
func (a *app) loadBaseline(name string) (*policy.Baseline, []byte, error) {
	data, err := a.readFile(name)
	if err != nil {
		return nil, nil, err
	}
	b, err := parseBaseline(name, data)
	return b, data, err
}

func parseBaseline(name string, data []byte) (*policy.Baseline, error) {
	r := validateData(name, data, time.Time{})
	if len(r.Errors) > 0 {
		lines := make([]string, len(r.Errors))
		for i, d := range r.Errors {
			lines[i] = fmt.Sprintf("%s:%d:%d: %s: %s", name, d.Line, d.Column, d.Path, d.Message)
		}
		return nil, fmt.Errorf("invalid baseline:\n  %s", strings.Join(lines, "\n  "))
	}
	return policy.Parse(data)
}
