package lazyendpoints_test

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/lazyendpoints"
	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
)

// lambdaEnv is the go command's environment for the deployed bootstraps (the Makefile's).
func lambdaEnv() []string {
	return append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
}

// pinned returns the patches for both functions as the Makefile builds them (one go list per test
// binary: it loads every dependency for linux/arm64).
func pinned(tb testing.TB) []lazyendpoints.Patch {
	tb.Helper()
	pinnedOnce.Do(func() {
		pinnedPatches, pinnedSkipped, pinnedErr = lazyendpoints.Patches(lambdaEnv(), "-tags", "lambda.norpc", "../../functions/remediate", "../../functions/audit")
	})
	if pinnedErr != nil {
		tb.Fatal(pinnedErr)
	}
	if len(pinnedSkipped) != 0 {
		tb.Fatalf("the SDK release go.mod pins has endpoints files the transform refuses:\n%s", strings.Join(pinnedSkipped, "\n"))
	}
	return pinnedPatches
}

var (
	pinnedOnce    sync.Once
	pinnedPatches []lazyendpoints.Patch
	pinnedSkipped []string
	pinnedErr     error
)

// TestPinnedSDKTransforms: every SDK service endpoints package the two functions link is
// transformed, and what comes out builds nothing at package init: its only package-level variable
// is the sync.OnceValue.
func TestPinnedSDKTransforms(t *testing.T) {
	t.Parallel()
	patches := pinned(t)
	var services []string
	for _, p := range patches {
		orig := filepath.Join(p.Dir, p.File)
		services = append(services, filepath.Base(p.Module))
		f, err := parser.ParseFile(token.NewFileSet(), orig, p.Content, 0)
		if err != nil {
			t.Fatalf("%s: %v", orig, err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				call, ok := vs.Values[0].(*ast.CallExpr)
				sel, _ := call.Fun.(*ast.SelectorExpr)
				if len(vs.Names) != 1 || vs.Names[0].Name != "defaultPartitions" || !ok || sel == nil || sel.Sel.Name != "OnceValue" {
					t.Errorf("%s: package-level var %s is built at init", orig, vs.Names[0].Name)
				}
			}
		}
	}
	if want := "cognitoidentityprovider ssm"; strings.Join(services, " ") != want {
		t.Errorf("transformed %v, want the endpoints packages of %s (every SDK service the functions link)", services, want)
	}
}

// TestTransformRefuses: a file not shaped as the transform expects is refused, not guessed at.
func TestTransformRefuses(t *testing.T) {
	t.Parallel()
	var src []byte
	for _, p := range pinned(t) {
		if strings.HasSuffix(p.Module, "/ssm") {
			b, err := os.ReadFile(filepath.Join(p.Dir, p.File))
			if err != nil {
				t.Fatal(err)
			}
			src = b
		}
	}
	if _, err := lazyendpoints.Transform(src); err != nil {
		t.Fatalf("the SDK's own file: %v", err)
	}
	// Each change, and the reason the refusal must give (not merely some error).
	for name, c := range map[string]struct{ from, to, why string }{
		"another package-level variable": {"var partitionRegexp = struct {", "var extra = 1\n\nvar partitionRegexp = struct {", "unexpected package-level variable extra"},
		"no partition regexps":           {"var partitionRegexp = struct {", "var partitionRegexpX = struct {", "unexpected package-level variable partitionRegexpX"},
		"field of another type":          {"partitions endpoints.Partitions\n}", "partitions []endpoints.Partition\n}", "type Resolver has 0 fields"},
		"a second reader of the table":   {"func New() *Resolver {", "func count() int { return len(defaultPartitions) }\n\nfunc New() *Resolver {", "want New's use alone"},
		"regexps read elsewhere":         {"func New() *Resolver {", "func aws() any { return partitionRegexp.Aws }\n\nfunc New() *Resolver {", "want New's use alone"},
		"a second use of the field":      {"return r.partitions.ResolveEndpoint(region, opt)", "_ = r.partitions.ResolveEndpoint\n\treturn r.partitions.ResolveEndpoint(region, opt)", "2 uses of r.partitions"},
		"already imports sync":           {"\"regexp\"\n", "\"regexp\"\n\t\"sync\"\n", "already imports sync"},
		"a table of another type":        {"var defaultPartitions = endpoints.Partitions{", "var defaultPartitions = []endpoints.Partition{", "not an endpoints.Partitions literal"},
		"a blank variable beside it":     {"var defaultPartitions = endpoints.Partitions{", "var _, defaultPartitions = 0, endpoints.Partitions{", "unexpected package-level variable _"},
		"not a Partitions literal":       {"var defaultPartitions = endpoints.Partitions{", "var defaultPartitions = append(endpoints.Partitions{}, endpoints.Partitions{", "defaultPartitions is not a composite literal"},
	} {
		if !bytes.Contains(src, []byte(c.from)) {
			t.Fatalf("%s: the SDK file has no %q to change", name, c.from)
		}
		mutated := bytes.Replace(src, []byte(c.from), []byte(c.to), 1)
		if name == "not a Partitions literal" {
			mutated = append(bytes.TrimRight(mutated, "\n"), []byte(")\n")...)
		}
		if _, err := lazyendpoints.Transform(mutated); err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: error %v, want a refusal saying %q", name, err, c.why)
		}
	}
}

// regionLiteral is a Region key of a generated partition table.
var regionLiteral = regexp.MustCompile(`Region:\s+("[^"]*")`)

// TestSameEndpoints: the transformed resolvers answer exactly what the SDK's own answer, for every
// Region either table names, one Region per partition pattern that no table names, a made-up one
// and none, each with and without FIPS and dual-stack.
func TestSameEndpoints(t *testing.T) {
	t.Parallel()
	patches := pinned(t)
	set := map[string]bool{"": true, "xx-nowhere-1": true, "us-west-99": true, "cn-west-9": true, "eusc-de-east-9": true,
		"us-iso-west-9": true, "us-isob-west-9": true, "eu-isoe-west-9": true, "us-isof-west-9": true, "us-gov-east-9": true}
	for _, p := range patches {
		src, err := os.ReadFile(filepath.Join(p.Dir, p.File))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regionLiteral.FindAllSubmatch(src, -1) {
			r, err := strconv.Unquote(string(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			set[r] = true
		}
	}
	var regions []string
	for r := range set {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	if len(regions) < 40 {
		t.Fatalf("only %d Regions found in the tables: %v", len(regions), regions)
	}
	stdin := strings.Join(regions, "\n") + "\n"

	run := func(bin string) []byte {
		cmd := exec.Command(bin)
		cmd.Stdin = strings.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("probe: %v\n%s", err, stderr.String())
		}
		return out
	}
	lazyBin, sdkBin := probes(t)
	lazy, sdk := run(lazyBin), run(sdkBin)
	if !bytes.Equal(lazy, sdk) {
		a, b := bufio.NewScanner(bytes.NewReader(sdk)), bufio.NewScanner(bytes.NewReader(lazy))
		for a.Scan() && b.Scan() {
			if a.Text() != b.Text() {
				t.Fatalf("first difference:\nSDK's:       %s\ntransformed: %s", a.Text(), b.Text())
			}
		}
		t.Fatalf("the transformed resolvers answered %d bytes, the SDK's %d", len(lazy), len(sdk))
	}
	for _, want := range []string{`"URL":"https://cognito-idp.us-east-1.amazonaws.com"`, `"URL":"https://ssm-fips.us-east-1.amazonaws.com"`, `"PartitionID":"aws-us-gov"`, `"PartitionID":"aws-iso-b"`, `"Error":"`} {
		if !bytes.Contains(sdk, []byte(want)) {
			t.Errorf("the probe's answers hold no %s: it compared nothing useful", want)
		}
	}
	t.Logf("%d Regions x 4 settings x 2 services: %d identical answers", len(regions), bytes.Count(sdk, []byte("\n")))
}

// inittraceLine is one package's line of GODEBUG=inittrace=1.
var inittraceLine = regexp.MustCompile(`(?m)^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs$`)

// probes returns the probe built as the tests build the bootstraps (rie.Build: the transformed
// tables; the same flags and modules as the Makefile, for the host), and built with the SDK's own
// files (the repository's go.mod, no replacements).
func probes(t *testing.T) (lazy, sdk string) {
	t.Helper()
	const probe = "./internal/lazyendpoints/testdata/probe"
	return rie.BuildWith(t, probe), rie.BuildWith(t, probe, "-modfile", "go.mod")
}

// TestNothingBuiltAtInit: a program linking the Cognito and SSM clients, built as the bootstraps are
// built, builds no endpoint table at init (sync.OnceValue's own 88 bytes at most); built with the
// SDK's own files it does (80 KB and more), so the check can fail.
func TestNothingBuiltAtInit(t *testing.T) {
	t.Parallel()
	allocs := func(bin string) map[string]int {
		cmd := exec.Command(bin)
		cmd.Env = []string{"GODEBUG=inittrace=1"} // empty stdin: it exits after init
		out, _ := cmd.CombinedOutput()
		got := map[string]int{}
		for _, m := range inittraceLine.FindAllStringSubmatch(string(out), -1) {
			if strings.HasSuffix(m[1], "/internal/endpoints") && strings.Contains(m[1], "/service/") {
				n, _ := strconv.Atoi(m[2])
				got[m[1]] = n
			}
		}
		if !strings.Contains(string(out), "init github.com/aws/aws-sdk-go-v2/service/ssm @") {
			t.Fatalf("%s printed no inittrace for the SSM client (was it run?):\n%s", bin, out)
		}
		return got
	}
	lazyBin, sdkBin := probes(t)
	lazy := allocs(lazyBin)
	if len(lazy) != 2 {
		t.Errorf("built as the bootstraps are, inittrace shows %v; want both service endpoints packages", lazy)
	}
	for pkg, n := range lazy {
		if n > 256 {
			t.Errorf("%s allocates %d bytes at init, built as the bootstraps are", pkg, n)
		}
	}
	sdk := allocs(sdkBin)
	if len(sdk) != 2 {
		t.Errorf("built with the SDK's own files, inittrace shows %v; want both service endpoints packages", sdk)
	}
	for pkg, n := range sdk {
		if n < 16<<10 {
			t.Errorf("%s allocates %d bytes at init even with the SDK's own files: the check proves nothing", pkg, n)
		}
	}
}

// FuzzTransform: whatever the input, Transform refuses it or returns Go that parses and builds
// nothing at package level but the sync.OnceValue (seeded with the pinned SDK files).
func FuzzTransform(f *testing.F) {
	for _, p := range pinned(f) {
		src, err := os.ReadFile(filepath.Join(p.Dir, p.File))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte("package endpoints\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := lazyendpoints.Transform(src)
		if err != nil {
			return
		}
		file, err := parser.ParseFile(token.NewFileSet(), "out.go", out, 0)
		if err != nil {
			t.Fatalf("transformed output does not parse: %v\n%s", err, out)
		}
		vars := 0
		for _, d := range file.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						if n.Name != "defaultPartitions" {
							t.Fatalf("transformed output declares package-level %s", n.Name)
						}
						vars++
					}
				}
			}
		}
		if vars != 1 || !bytes.Contains(out, []byte("sync.OnceValue(func() endpoints.Partitions {")) {
			t.Fatalf("transformed output has %d package-level variables, want the OnceValue alone", vars)
		}
	})
}
