// Command testsummary reads `go test -json` on stdin and prints what a plain `go test` prints (one
// line per package, the output of failing tests, build errors), then, because a plain run hides
// them, every skipped test with its reason, and a closing count:
//
//	go test -json ./... | go run ./internal/tools/testsummary
//
// It exits 1 when a test, a package or a build failed, or when the input held no test event at all.
// Lines that are not JSON (go test's own errors) are passed through as they are.
package main

import (
	"fmt"
	"os"
)

func main() {
	ok, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}
