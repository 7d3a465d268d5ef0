package rie

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/lazyendpoints"
)

// RIEPackage is the emulator's main package; go.mod pins it as a tool, so building it needs no
// network and always gets the reviewed version.
const RIEPackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// builds caches one build per package and flags per test binary: the go build cache makes a rebuild cheap,
// but not free (linking a stripped Lambda binary takes about a second), and every end-to-end test
// would otherwise pay it.
var (
	buildsMu sync.Mutex
	builds   = map[string]*buildResult{}

	rootOnce sync.Once
	rootDir  string
	cacheDir string
	rootErr  error
)

type buildResult struct {
	mu   sync.Mutex
	path string
	err  error
}

// BuildRIE builds the Runtime Interface Emulator for the host and returns the binary's path.
func BuildRIE(tb testing.TB) string {
	tb.Helper()
	return build(tb, RIEPackage, nil)
}

// Build builds pkg (an import path, or a path relative to the module root such as
// "./functions/remediate") as a Lambda bootstrap for the host OS and architecture, with the flags
// the Makefile uses for the deployed arm64 binary (-trimpath -ldflags "-s -w" -tags lambda.norpc,
// CGO_ENABLED=0, and the SDK endpoint tables of internal/lazyendpoints), and returns the binary's
// path. Each package is built once per test binary.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	buildRIEAhead()
	return build(tb, pkg, bootstrapFlags)
}

// BuildWith builds pkg as Build does, with extra go build flags after Build's (such as "-overlay",
// file), and returns the binary's path; one build per package and flags. A "-modfile" among them
// replaces Build's (internal/lazyendpoints): "-modfile", "go.mod" builds with the SDK's own files.
func BuildWith(tb testing.TB, pkg string, extra ...string) string {
	tb.Helper()
	return build(tb, pkg, append(slices.Clip(bootstrapFlags), extra...))
}

// ModuleRoot is the directory of the module the tests run in (the one holding go.mod).
func ModuleRoot() (string, error) {
	root, _, err := moduleRoot()
	return root, err
}

var (
	lazyOnce  sync.Once
	lazyFlags []string
	lazyErr   error
)

// lazyModfile returns the flags (-modfile and its go.mod) with which the Makefile builds the
// bootstraps (internal/lazyendpoints), for the SDK services the two functions link; one per test
// binary, in a per-user directory named by its content, so that test binaries running at once
// share it.
func lazyModfile() ([]string, error) {
	lazyOnce.Do(func() {
		root, _, err := moduleRoot()
		if err != nil {
			lazyErr = err
			return
		}
		env := append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
		patches, skipped, err := lazyendpoints.Patches(env, "-tags", "lambda.norpc",
			filepath.Join(root, "functions", "remediate"), filepath.Join(root, "functions", "audit"))
		if err != nil {
			lazyErr = err
			return
		}
		if len(skipped) != 0 {
			// The deployed build warns and goes on; a test must not build something else.
			lazyErr = fmt.Errorf("lazyendpoints refuses: %s", strings.Join(skipped, "; "))
			return
		}
		lazyFlags, lazyErr = lazyDir(filepath.Join(root, "go.mod"), patches)
	})
	return lazyFlags, lazyErr
}

// lazyDir writes the patched build into a per-user directory named by its inputs (go.mod, go.sum,
// the patches), under a lock so that two test binaries never write the same one at once.
func lazyDir(gomod string, patches []lazyendpoints.Patch) ([]string, error) {
	h := sha256.New()
	for _, name := range []string{gomod, filepath.Join(filepath.Dir(gomod), "go.sum")} {
		b, _ := os.ReadFile(name)
		fmt.Fprintf(h, "%d\x00", len(b))
		h.Write(b)
	}
	for _, p := range patches {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00", p.Module, p.Version, p.Dir, len(p.Content))
		h.Write(p.Content)
	}
	base, err := keepDir()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(base, "lazyendpoints-"+hex.EncodeToString(h.Sum(nil)[:8]))
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	done := filepath.Join(dir, "done")
	if _, err := os.Stat(done); err == nil {
		return []string{"-modfile", filepath.Join(dir, "go.mod")}, nil
	}
	os.RemoveAll(dir) // what a killed writer left
	flags, err := lazyendpoints.Write(dir, gomod, patches)
	if err != nil {
		return nil, err
	}
	return flags, os.WriteFile(done, nil, 0o644)
}

// BuildBinary builds pkg as Build does (or, with rie true, the RIE as
// BuildRIE does) for programs rather than tests, and returns its path.
func BuildBinary(pkg string, rie bool) (string, error) {
	if rie {
		return goBuild(RIEPackage, nil)
	}
	lazy, err := lazyModfile()
	if err != nil {
		return "", err
	}
	return goBuild(pkg, append(slices.Clip(bootstrapFlags), lazy...))
}

var bootstrapFlags = []string{"-trimpath", "-ldflags", "-s -w", "-tags", "lambda.norpc"}

func build(tb testing.TB, pkg string, flags []string) string {
	tb.Helper()
	if pkg != RIEPackage && !slices.Contains(flags, "-modfile") {
		lazy, err := lazyModfile()
		if err != nil {
			tb.Fatalf("rie: %v", err)
		}
		flags = append(slices.Clip(flags), lazy...)
	}
	r := result(pkg, flags)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.make(pkg, flags)
	if r.err != nil {
		tb.Fatalf("rie: %v", r.err)
	}
	return r.path
}

// rieAhead starts the RIE's build beside a test binary's first Build: the test's rie.Start needs
// it next.
var rieAhead sync.Once

func buildRIEAhead() {
	rieAhead.Do(func() {
		r := result(RIEPackage, nil)
		r.mu.Lock()
		go func() {
			defer r.mu.Unlock()
			r.make(RIEPackage, nil)
		}()
	})
}

// result is the one buildResult of pkg built with flags in this test binary.
func result(pkg string, flags []string) *buildResult {
	buildsMu.Lock()
	defer buildsMu.Unlock()
	key := strings.Join(append([]string{pkg}, flags...), " ")
	r, ok := builds[key]
	if !ok {
		r = &buildResult{}
		builds[key] = r
	}
	return r
}

// make builds pkg unless r holds its binary; the caller holds r.mu. A failed build stays failed
// for this test binary (every later test would fail the same way, slowly). A vanished binary (make
// clean, a tmp cleaner) is rebuilt.
func (r *buildResult) make(pkg string, flags []string) {
	if r.err == nil {
		if _, err := os.Stat(r.path); r.path == "" || err != nil {
			r.path, r.err = goBuild(pkg, flags)
		}
	}
}

// goBuild returns a binary of pkg built with flags for the host. It asks `go run -exec echo` for
// it: since Go 1.24 the go command keeps the executables that go run links in its build cache, so a
// package whose inputs have not changed is not linked again (linking a Lambda bootstrap takes
// seconds of CPU, and every test binary that starts a function would pay it). The first run of a
// new build prints a temporary path that go run removes when it exits (the binary reaches the
// cache as that run ends), so a path outside GOCACHE is asked for again; if the cache still does
// not hold it (GOCACHE=off, a read-only cache), the binary is built with go build into a per-user
// directory instead (buildInto).
func goBuild(pkg string, flags []string) (string, error) {
	root, cacheDir, err := moduleRoot()
	if err != nil {
		return "", err
	}
	for range 2 {
		args := append([]string{"run", "-buildvcs=false", "-exec", "echo"}, flags...)
		cmd := exec.Command("go", append(args, pkg)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("go %s: %w\n%s", strings.Join(cmd.Args[1:], " "), err, stderr.String())
		}
		p := strings.TrimSpace(string(out))
		if cacheDir != "" && strings.HasPrefix(p, cacheDir+string(filepath.Separator)) {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return buildInto(root, pkg, flags)
}

// buildInto writes the binary into a per-user cache directory rather than a test's TempDir, which
// would vanish when the first test using it ends. The name hashes the module root, so two
// checkouts never share a binary, and the binary is renamed into place, so a test binary running
// in parallel keeps executing its own copy (the old inode) while another replaces it.
func buildInto(root, pkg string, flags []string) (string, error) {
	dir, err := keepDir()
	if err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	sum := sha256.Sum256([]byte(root + "\x00" + pkg + "\x00" + strings.Join(flags, " ") + "\x00" + runtime.GOOS + "/" + runtime.GOARCH))
	out := filepath.Join(dir, path.Base(pkg)+"-"+hex.EncodeToString(sum[:8]))
	tmp, err := os.CreateTemp(dir, path.Base(pkg)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())

	args := append([]string{"build", "-buildvcs=false", "-o", tmp.Name()}, flags...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %w\n%s", strings.Join(cmd.Args[1:], " "), err, b)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	return out, nil
}

// keepDir is the per-user directory (beside Go's build cache; `make clean` removes it) that holds
// what the builds here keep between test binaries: bootstraps built with go build, and the
// lazyendpoints module copies.
func keepDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "cognito-guard-lambdatest")
	return dir, os.MkdirAll(dir, 0o755)
}

// moduleRoot asks the go command rather than walking up from the working directory, so it agrees
// with go build about which go.mod is in charge (go.work, GOFLAGS=-modfile...); it also returns
// GOCACHE, where go run keeps the executables it links.
func moduleRoot() (root, gocache string, err error) {
	rootOnce.Do(func() {
		b, err := exec.Command("go", "env", "GOMOD", "GOCACHE").Output()
		if err != nil {
			rootErr = fmt.Errorf("go env GOMOD GOCACHE: %w", err)
			return
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		gomod := strings.TrimSpace(lines[0])
		if gomod == "" || gomod == os.DevNull {
			rootErr = fmt.Errorf("not inside a Go module")
			return
		}
		rootDir = filepath.Dir(gomod)
		if len(lines) > 1 && filepath.IsAbs(strings.TrimSpace(lines[1])) {
			cacheDir = filepath.Clean(strings.TrimSpace(lines[1]))
		}
	})
	return rootDir, cacheDir, rootErr
}
