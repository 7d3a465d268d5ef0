package main

import (
	"flag"
	"os"
	"regexp"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/asl"
	"github.com/cognito-guard/cognito-guard/internal/testkit/waitbound"
)

// The end-to-end tests here wait on pacers, latencies and deadlines, not the
// CPU: run up to 8 at a time (waitbound says why). When the run includes the
// state-machine tests, the ASL harness starts before any test does, so that
// its imports overlap the other tests' set-up.
func TestMain(m *testing.M) {
	waitbound.Raise(8)
	if run := flag.Lookup("test.run").Value.String(); run == "" || matchesStateMachine(run) {
		asl.Prestart()
	}
	os.Exit(m.Run())
}

// matchesStateMachine reports whether a -run pattern may select a TestStateMachine test: a pattern
// that does not compile is left for the testing package to report.
func matchesStateMachine(run string) bool {
	re, err := regexp.Compile(run)
	return err == nil && (re.MatchString("TestStateMachineLoop") || re.MatchString("TestStateMachineFailures"))
}
