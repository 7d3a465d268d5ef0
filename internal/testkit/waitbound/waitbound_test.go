package waitbound

import (
	"flag"
	"runtime"
	"strconv"
	"testing"
)

func TestRaise(t *testing.T) {
	want := strconv.Itoa(max(8, runtime.GOMAXPROCS(0)))
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Int("test.parallel", runtime.GOMAXPROCS(0), "")
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := raise(fs, 8); err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("test.parallel").Value.String(); got != want {
		t.Errorf("default -parallel: got %s, want %s", got, want)
	}

	// An explicit -parallel wins.
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	fs.Int("test.parallel", runtime.GOMAXPROCS(0), "")
	if err := fs.Parse([]string{"-test.parallel=1"}); err != nil {
		t.Fatal(err)
	}
	if err := raise(fs, 8); err != nil {
		t.Fatal(err)
	}
	if got := fs.Lookup("test.parallel").Value.String(); got != "1" {
		t.Errorf("explicit -parallel=1 became %s", got)
	}
}
