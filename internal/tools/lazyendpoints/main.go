// Command lazyendpoints prepares a build in which the AWS SDK's legacy endpoint tables wait until
// first use in a Lambda bootstrap (internal/lazyendpoints says why and how). The Makefile's build
// targets, and so `sam build`, run it before go build:
//
//	go run ./internal/tools/lazyendpoints -o DIR -goos linux -goarch arm64 -- -tags lambda.norpc ./functions/remediate
//	go build -modfile DIR/go.mod ... ./functions/remediate
//
// Arguments after the flags are go list's (flags and packages). It prints the go.mod's path. A
// service whose generated file it does not recognise (a new SDK release may change the shape) is
// built from the SDK's own file, with a warning on stderr: the binary is then correct and only its
// start slower, and the repository's tests (TestPinnedSDKTransforms) fail until it is looked at.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/cognito-guard/cognito-guard/internal/lazyendpoints"
)

func main() {
	dir := flag.String("o", "", "directory to write the patched modules and go.mod into (required)")
	goos := flag.String("goos", runtime.GOOS, "GOOS of the build the overlay is for")
	goarch := flag.String("goarch", runtime.GOARCH, "GOARCH of the build the overlay is for")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: lazyendpoints -o DIR [-goos OS] [-goarch ARCH] [--] [go list flags] packages\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *dir == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	env := append(os.Environ(), "GOOS="+*goos, "GOARCH="+*goarch, "CGO_ENABLED=0")
	patches, skipped, err := lazyendpoints.Patches(env, flag.Args()...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lazyendpoints:", err)
		os.Exit(1)
	}
	for _, s := range skipped {
		fmt.Fprintf(os.Stderr, "lazyendpoints: warning: %s; built from the SDK's own file (correct, ~0.5-1 ms slower to start)\n", s)
	}
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || len(strings.TrimSpace(string(gomod))) == 0 || strings.TrimSpace(string(gomod)) == os.DevNull {
		fmt.Fprintln(os.Stderr, "lazyendpoints: not inside a Go module:", err)
		os.Exit(1)
	}
	flags, err := lazyendpoints.Write(*dir, strings.TrimSpace(string(gomod)), patches)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lazyendpoints:", err)
		os.Exit(1)
	}
	fmt.Println(flags[len(flags)-1])
}
