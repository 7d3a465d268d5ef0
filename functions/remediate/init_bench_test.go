package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
)

// BenchmarkInitVsFloor: package initialisation of the remediate bootstrap and of the hello floor,
// without GODEBUG=inittrace. inittrace writes a line per package as it goes; on this machine that
// charges every package about 0.05-0.1 ms, so it overstates a binary with more packages. Here each
// binary is built as rie.Build builds it, plus one file added to its main package through go
// build -overlay (rie.BuildWith) (the repository is not touched): an init function that, when INITTIME_T0 holds
// the parent's clock just before it started the process, prints the time since then and exits.
// A main package is initialised after every package it imports, so that time covers fork and exec,
// the runtime's start and every package's init; nothing of main runs. The two binaries are started
// alternately (the machine's noise hits both); reported: each median and the difference, which is
// what remediate's packages add to the floor's. A third binary, remediate built with the SDK's own
// endpoints files (plain go build, no internal/lazyendpoints), is timed in the same rounds.
func BenchmarkInitVsFloor(b *testing.B) {
	ours := buildWithInitProbe(b, "./functions/remediate")
	sdk := buildWithInitProbe(b, "./functions/remediate", "-modfile", "go.mod")
	floor := buildWithInitProbe(b, floorPkg)
	var o, s, f []time.Duration
	for b.Loop() {
		o = append(o, timeInit(b, ours))
		f = append(f, timeInit(b, floor))
		s = append(s, timeInit(b, sdk))
	}
	mo, ms, mf := rie.Median(o), rie.Median(s), rie.Median(f)
	b.ReportMetric(float64(mo.Microseconds())/1000, "ms-init-remediate")
	b.ReportMetric(float64(mf.Microseconds())/1000, "ms-init-floor")
	b.ReportMetric(float64((mo-mf).Microseconds())/1000, "ms-beyond-floor")
	b.ReportMetric(float64((ms-mf).Microseconds())/1000, "ms-beyond-floor-sdk-files")
}

// initProbe is the file added to the main package. Its name sorts after the package's own files,
// so its init runs after theirs too.
const initProbe = `package main

import (
	"os"
	"strconv"
	"time"
)

func init() {
	if t0, err := strconv.ParseInt(os.Getenv("INITTIME_T0"), 10, 64); err == nil {
		os.Stderr.WriteString("inittime " + strconv.FormatInt(time.Now().UnixNano()-t0, 10) + "\n")
		os.Exit(0)
	}
}
`

// buildWithInitProbe builds pkg (relative to the module root) as rie.Build does, plus the probe
// and any extra go build flags.
func buildWithInitProbe(b *testing.B, pkg string, extra ...string) string {
	b.Helper()
	root, err := rie.ModuleRoot()
	if err != nil {
		b.Fatal(err)
	}
	tmp := b.TempDir()
	probe := filepath.Join(tmp, "probe.go")
	if err := os.WriteFile(probe, []byte(initProbe), 0o644); err != nil {
		b.Fatal(err)
	}
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, pkg, "zzz_initprobe.go"): probe}})
	if err != nil {
		b.Fatal(err)
	}
	overlayPath := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		b.Fatal(err)
	}
	return rie.BuildWith(b, pkg, append([]string{"-overlay", overlayPath}, extra...)...)
}

// timeInit starts bin with the probe armed and returns what it printed: the start of the process
// to the end of its packages' initialisation.
func timeInit(b *testing.B, bin string) time.Duration {
	b.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Stderr = &stderr
	t0 := time.Now()
	cmd.Env = []string{"INITTIME_T0=" + strconv.FormatInt(t0.UnixNano(), 10)}
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	ns, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(stderr.String()), "inittime "), 10, 64)
	if err != nil {
		b.Fatalf("%s printed %q, want the init probe's line", bin, stderr.String())
	}
	return time.Duration(ns)
}
