// Package python finds the Python interpreter the tests' external checkers run under (moto,
// cfn-lint, moto's Step Functions interpreter): $MOTO_PYTHON when set (.ci/run sets it), else
// python3 from PATH.
//
// Why not just "python3": where Python comes from pyenv (this project's machines, and many
// developers'), python3 on PATH is a shim, a shell script that runs `pyenv exec` to pick the
// version, and that costs about 0.4 s of CPU on every start, more than the interpreter's own
// start-up. A `go test ./...` starts a dozen Python processes. So a shim is asked once which
// interpreter it runs (sys.executable), and the answer is kept in the user's cache directory
// under a key made of everything pyenv decides by: the shim's path, PYENV_VERSION, PYENV_ROOT,
// the nearest .python-version from the working directory up, and the global version file
// (https://github.com/pyenv/pyenv#choosing-the-python-version). A cached path that no longer exists
// is asked again.
package python

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

var (
	once   sync.Once
	interp string
)

// Interpreter returns the interpreter to run: $MOTO_PYTHON, else the real interpreter behind
// python3 on PATH, else "python3" (which then fails to start, and the caller says why).
func Interpreter() string {
	once.Do(func() { interp = resolve() })
	return interp
}

func resolve() string {
	if py := os.Getenv("MOTO_PYTHON"); py != "" {
		return py
	}
	shim, err := exec.LookPath("python3")
	if err != nil {
		return "python3"
	}
	if filepath.Base(filepath.Dir(shim)) != "shims" {
		return shim
	}
	cache := cacheFile(shim)
	if b, err := os.ReadFile(cache); err == nil {
		if p := strings.TrimSpace(string(b)); p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	out, err := exec.Command(shim, "-c", "import sys; print(sys.executable)").Output()
	p := strings.TrimSpace(string(out))
	if err != nil || !filepath.IsAbs(p) {
		return shim
	}
	if err := os.MkdirAll(filepath.Dir(cache), 0o755); err == nil {
		tmp := cache + ".tmp" + strings.ReplaceAll(filepath.Base(os.Args[0]), string(filepath.Separator), "_")
		if os.WriteFile(tmp, []byte(p+"\n"), 0o644) == nil {
			_ = os.Rename(tmp, cache)
		}
	}
	return p
}

// cacheFile is where the answer for shim is kept, named by what pyenv decides by.
func cacheFile(shim string) string {
	h := sha256.New()
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		root = filepath.Dir(filepath.Dir(shim)) // <root>/shims/python3
	}
	for _, s := range []string{shim, os.Getenv("PYENV_VERSION"), root, localVersion(), readFile(filepath.Join(root, "version"))} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "cognito-guard-lambdatest", "python-"+hex.EncodeToString(h.Sum(nil)[:8]))
}

// localVersion is the content of the nearest .python-version from the working directory up, with
// its path (pyenv local).
func localVersion() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, ".python-version")
		if b, err := os.ReadFile(p); err == nil {
			return p + "\x00" + string(b)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// MissingModule reports whether output (a Python process's stderr, or its stdout and stderr) ends
// in a failed import, ModuleNotFoundError or ImportError, and returns its last line for the
// message: the checker is not installed, which is no failure of what it checks.
func MissingModule(output string) (lastLine string, missing bool) {
	if !strings.Contains(output, "ModuleNotFoundError") && !strings.Contains(output, "ImportError") {
		return "", false
	}
	lines := strings.Split(strings.TrimSpace(output), "\n")
	return lines[len(lines)-1], true
}
