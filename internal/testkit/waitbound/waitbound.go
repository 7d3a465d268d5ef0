// Package waitbound lets a test package whose tests wait on clocks rather than
// use the CPU run more of them at once.
//
// go test runs at most -parallel tests of a package at a time, GOMAXPROCS by
// default: 2 on a 2-core machine. That default suits tests that compute. The
// end-to-end audit tests mostly wait: a pacer spacing Cognito calls to the
// account's quotas, an emulator answering after its latency, a Lambda deadline.
// Two at a time, a package of them takes the sum of their waits; together it
// takes the longest. Each test builds its own world (emulator, server,
// function), so running them together changes nothing they check.
package waitbound

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// Main is a TestMain body: unless the command line sets -parallel (go test
// -parallel N), the package runs up to n parallel tests at a time (at least
// GOMAXPROCS, the default). It then runs the tests and exits with their
// status.
func Main(m *testing.M, n int) {
	os.Exit(run(m, n))
}

func run(m *testing.M, n int) int {
	Raise(n)
	return m.Run()
}

// Raise is Main's first half, for a TestMain that does more before m.Run: it parses the command
// line and raises -parallel to n unless the command line set it.
func Raise(n int) {
	flag.Parse()
	if err := raise(flag.CommandLine, n); err != nil {
		panic(err)
	}
}

// raise sets fs's test.parallel to max(n, GOMAXPROCS) unless it was set on
// the command line.
func raise(fs *flag.FlagSet, n int) error {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if set || fs.Lookup("test.parallel") == nil {
		return nil
	}
	return fs.Set("test.parallel", strconv.Itoa(max(n, runtime.GOMAXPROCS(0))))
}
