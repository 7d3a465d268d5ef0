package python

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestShimResolvedAndCached: a python3 that is a shim (a script in a directory named shims) is
// asked once; the answer is cached and used again; a change of PYENV_VERSION asks again.
func TestShimResolvedAndCached(t *testing.T) {
	real, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	root := t.TempDir()
	shims := filepath.Join(root, "shims")
	if err := os.MkdirAll(shims, 0o755); err != nil {
		t.Fatal(err)
	}
	count := filepath.Join(root, "asked")
	// The fake shim prints an absolute path as sys.executable would, and counts its runs.
	script := "#!/bin/sh\necho x >> " + count + "\necho " + real + "\n"
	if err := os.WriteFile(filepath.Join(shims, "python3"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", shims)
	t.Setenv("MOTO_PYTHON", "")
	t.Setenv("PYENV_ROOT", root)
	t.Setenv("PYENV_VERSION", "3.11.7")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	asked := func() int {
		b, _ := os.ReadFile(count)
		return strings.Count(string(b), "x")
	}
	if got := resolve(); got != real || asked() != 1 {
		t.Fatalf("first: %q after %d runs of the shim, want %q after 1", got, asked(), real)
	}
	if got := resolve(); got != real || asked() != 1 {
		t.Fatalf("second: %q after %d runs of the shim, want the cached %q", got, asked(), real)
	}
	t.Setenv("PYENV_VERSION", "3.12.0")
	if got := resolve(); got != real || asked() != 2 {
		t.Fatalf("another PYENV_VERSION: %d runs of the shim, want it asked again", asked())
	}
	t.Setenv("MOTO_PYTHON", "/opt/py/bin/python3")
	if got := resolve(); got != "/opt/py/bin/python3" {
		t.Errorf("MOTO_PYTHON set: %q", got)
	}
}

// TestNotAShim: a python3 outside a shims directory is used as found.
func TestNotAShim(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "python3")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv("MOTO_PYTHON", "")
	if got := resolve(); got != p {
		t.Errorf("%q, want %q", got, p)
	}
}

func TestMissingModule(t *testing.T) {
	out := "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\nModuleNotFoundError: No module named 'moto'\n"
	if last, ok := MissingModule(out); !ok || last != "ModuleNotFoundError: No module named 'moto'" {
		t.Errorf("MissingModule = %q, %v", last, ok)
	}
	if _, ok := MissingModule("Traceback ...\nValueError: bad definition\n"); ok {
		t.Error("a ValueError read as a missing module")
	}
}
