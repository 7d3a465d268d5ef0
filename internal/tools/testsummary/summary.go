package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json), including the build events go test adds.
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

type testKey struct{ pkg, test string }

type skipped struct {
	pkg, test, reason string
}

// summarize streams in to out as described in the package documentation and reports whether
// everything passed.
func summarize(in io.Reader, out io.Writer) (bool, error) {
	var (
		output              = map[testKey][]string{} // buffered output of tests still running
		skips               []skipped
		passed, failed      int
		packageFail, events bool
	)
	w := bufio.NewWriter(out)
	defer w.Flush()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil || e.Action == "" {
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		events = true
		k := testKey{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			w.WriteString(e.Output)
		case "build-fail":
			packageFail = true
		case "output":
			if e.Test != "" {
				output[k] = append(output[k], e.Output)
			} else if e.Output != "PASS\n" && !strings.HasPrefix(e.Output, "=== ") {
				w.WriteString(e.Output)
			}
		case "pass":
			if e.Test != "" {
				passed++
			}
			delete(output, k)
		case "skip":
			if e.Test != "" {
				skips = append(skips, skipped{e.Package, e.Test, reason(output[k])})
			}
			delete(output, k)
		case "fail":
			if e.Test == "" {
				packageFail = true
				break
			}
			failed++
			for _, o := range output[k] {
				if !strings.HasPrefix(o, "=== ") {
					w.WriteString(o)
				}
			}
			delete(output, k)
		}
		w.Flush()
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	if len(skips) > 0 {
		fmt.Fprintf(w, "\nSKIPPED %d test(s) (go test -v shows them too):\n", len(skips))
		for _, s := range skips {
			fmt.Fprintf(w, "  %s %s: %s\n", s.pkg, s.test, s.reason)
		}
	}
	if !events {
		fmt.Fprintln(w, "testsummary: no test events in the input")
	}
	fmt.Fprintf(w, "tests: %d passed, %d failed, %d skipped\n", passed, failed, len(skips))
	return events && failed == 0 && !packageFail, nil
}

// reason is what a skipped test logged (its t.Skip message), without the RUN and SKIP lines.
func reason(lines []string) string {
	var parts []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		// "file_test.go:12: message" -> "message"
		if i := strings.Index(l, ": "); i > 0 && strings.Contains(l[:i], ".go:") {
			l = l[i+2:]
		}
		parts = append(parts, l)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " / ")
}
