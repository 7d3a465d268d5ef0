package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

// The .jsonl inputs were recorded from `go test -json ./...` over a small module: mixed.jsonl has
// a passing package with a skipped test and a skipped subtest, a failing test and a package that
// does not build; green.jsonl the same with every test passing and nothing broken.
func TestSummarize(t *testing.T) {
	tests := []struct {
		name   string
		input  string // a file under testdata, or the input itself
		wantOK bool
	}{
		{name: "mixed", input: "mixed.jsonl", wantOK: false},
		{name: "green", input: "green.jsonl", wantOK: true},
		{name: "empty", input: "", wantOK: false},
		{name: "not-json", input: "go: cannot find main module\n", wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.input)
			if strings.HasSuffix(tt.input, ".jsonl") {
				var err error
				if in, err = os.ReadFile(filepath.Join("testdata", tt.input)); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			ok, err := summarize(bytes.NewReader(in), &out)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK {
				t.Errorf("summarize ok = %v, want %v", ok, tt.wantOK)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := diff.Diff(string(want), out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReason(t *testing.T) {
	tests := []struct {
		lines []string
		want  string
	}{
		{[]string{"=== RUN   TestX\n", "    x_test.go:9: SKIPPED external checker moto: not available\n", "--- SKIP: TestX (0.00s)\n"}, "SKIPPED external checker moto: not available"},
		{[]string{"=== RUN   TestX\n", "    x_test.go:9: first\n", "    second line: of the message\n", "--- SKIP: TestX (0.00s)\n"}, "first / second line: of the message"},
		{[]string{"=== RUN   TestX\n", "--- SKIP: TestX (0.00s)\n"}, "(no reason given)"},
	}
	for _, tt := range tests {
		if got := reason(tt.lines); got != tt.want {
			t.Errorf("reason(%q) = %q, want %q", tt.lines, got, tt.want)
		}
	}
}
