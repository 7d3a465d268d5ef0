package parity_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

var update = flag.Bool("update", false, "rewrite testdata/emulator-report.md")

// result is one row of the report.
type result struct {
	f               fact
	emulator, real  string
	realRun, agrees bool
}

// TestParity runs every fact against the emulator (always) and a real
// account (COGNITO_GUARD_CONFORMANCE=real plus the confirmation), writes the
// report, and fails on any fact whose emulator result differs from the
// documented expectation or from the real service.
func TestParity(t *testing.T) {
	real := realRequested(t)
	ctx := context.Background()
	fs := facts()
	results := make([]result, len(fs))

	emu := emulatorWorld(t)
	for i, f := range fs {
		results[i] = result{f: f, emulator: run(ctx, emu, f)}
	}
	if real {
		rw := realWorld(t)
		for i, f := range fs {
			results[i].real, results[i].realRun = run(ctx, rw, f), true
			results[i].agrees = results[i].real == results[i].emulator
		}
		captureCloudTrail(t, rw)
	}

	report := render(results, real)
	if path := os.Getenv(reportVar); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("report written to %s", path)
	}
	// The emulator-only report is a golden: a changed emulator result
	// shows in review.
	if !real {
		golden := filepath.Join("testdata", "emulator-report.md")
		if *update {
			if err := os.WriteFile(golden, []byte(report), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if d := diff.Diff(string(want), report); d != "" {
			t.Errorf("report differs from %s (-want +got; go test -run TestParity -update to accept):\n%s", golden, d)
		}
	}
	for _, r := range results {
		if r.emulator != r.f.want {
			t.Errorf("fact %s (%s): emulator gives %q, the documentation says %q (%s)", r.f.id, r.f.behaviour, r.emulator, r.f.want, r.f.source)
		}
		if r.realRun && !r.agrees {
			t.Errorf("fact %s (%s) disagrees: emulator %q, real service %q: correct the emulator and the README fact (source: %s)",
				r.f.id, r.f.behaviour, r.emulator, r.real, r.f.source)
		}
	}
	t.Logf("%d facts", len(results))
}

// run runs one fact, turning a panic (a setup call that failed) into its
// result so one broken fact does not hide the others.
func run(ctx context.Context, w *world, f fact) (out string) {
	defer func() {
		if p := recover(); p != nil {
			out = fmt.Sprintf("setup failed: %v", p)
		}
	}()
	return f.run(ctx, w)
}

func render(results []result, real bool) string {
	var b strings.Builder
	b.WriteString("# cognito-guard parity report\n\n")
	if real {
		b.WriteString("Targets: the emulator and a real AWS account (throwaway user pool, deleted at the end).\n\n")
	} else {
		b.WriteString("Targets: the emulator only. The real column is empty: run `AWS_PROFILE=sandbox make conformance` to fill it.\n\n")
	}
	b.WriteString("| fact | behaviour | emulator | real | agree | source |\n|---|---|---|---|---|---|\n")
	agree := 0
	for _, r := range results {
		realCol, agreeCol := "not run", "n/a"
		if r.realRun {
			realCol, agreeCol = r.real, "no"
			if r.agrees {
				realCol, agreeCol = r.real, "yes"
				agree++
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.f.id, esc(r.f.behaviour), esc(r.emulator), esc(realCol), agreeCol, esc(r.f.source))
	}
	if real {
		fmt.Fprintf(&b, "\n%d of %d facts agree.\n", agree, len(results))
	} else {
		fmt.Fprintf(&b, "\n%d facts, emulator only.\n", len(results))
	}
	return b.String()
}

func esc(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
