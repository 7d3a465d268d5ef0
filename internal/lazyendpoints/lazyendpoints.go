// Package lazyendpoints makes the AWS SDK's legacy endpoint tables wait until first use in the
// deployed bootstraps, through a go build -overlay that the Makefile (and so `sam build`) applies.
//
// Every service package of the AWS SDK for Go v2 carries a generated internal/endpoints package:
// the legacy endpoint resolver's partition table (a slice of structs holding maps, ~640 lines for
// Cognito) and eight regular expressions, all built at package init. The service's New always
// links it (resolveDefaultEndpointConfiguration installs it as the client's EndpointResolver), so
// each service package a function imports costs its init: 0.92 ms for Cognito and 0.41 ms for SSM
// (medians of 21 GODEBUG=inittrace=1 runs), most of what remediate's init spends beyond an
// aws-lambda-go hello world. The clients resolve endpoints with the rules-based EndpointResolverV2,
// so the legacy table is built and never read.
//
// Transform rewrites such a file so that the table and its expressions are built by a
// sync.OnceValue on the resolver's first ResolveEndpoint, with the same values: nothing else of
// the file changes, and a file whose shape differs from what it expects is refused, not guessed
// at. Patches transforms the endpoints packages a build would link; Write lays out a copy of each
// patched module and a go.mod replacing the SDK's with them, for go build -modfile. The SDK
// release stays the one go.mod pins; a build without it (go build by hand, go test) gets the SDK's
// own files and the same behaviour, only a slower init.
package lazyendpoints

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// Transform returns the generated endpoints.go src with its partition table and partition regular
// expressions built on first use. It refuses a file that is not shaped as the SDK generates it.
func Transform(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "endpoints.go", src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if f.Name.Name != "endpoints" {
		return nil, fmt.Errorf("package %s, want endpoints", f.Name.Name)
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	text := func(n ast.Node) string { return string(src[off(n.Pos()):off(n.End())]) }
	var edits []edit

	// The two package-level variables built at init, each in a declaration of its own.
	values := map[string]string{}
	var varDecls []ast.Node
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		varDecls = append(varDecls, g)
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for _, n := range vs.Names {
				name := n.Name
				if name != "partitionRegexp" && name != "defaultPartitions" {
					return nil, fmt.Errorf("unexpected package-level variable %s", name)
				}
				if len(g.Specs) != 1 || len(vs.Names) != 1 || len(vs.Values) != 1 || vs.Type != nil {
					return nil, fmt.Errorf("%s is not declared alone as var %s = value", name, name)
				}
				if _, dup := values[name]; dup {
					return nil, fmt.Errorf("%s declared twice", name)
				}
				lit, ok := vs.Values[0].(*ast.CompositeLit)
				if !ok || lit.Type == nil {
					return nil, fmt.Errorf("%s is not a composite literal", name)
				}
				if sel, ok := lit.Type.(*ast.SelectorExpr); name == "defaultPartitions" && (!ok || text(sel) != "endpoints.Partitions") {
					return nil, fmt.Errorf("defaultPartitions is not an endpoints.Partitions literal")
				}
				values[name] = text(lit)
				start, end := off(g.Pos()), off(g.End())
				if g.Doc != nil {
					start = off(g.Doc.Pos())
				}
				edits = append(edits, edit{start, end, ""})
			}
		}
	}
	for _, name := range []string{"partitionRegexp", "defaultPartitions"} {
		if _, ok := values[name]; !ok {
			return nil, fmt.Errorf("no package-level variable %s", name)
		}
	}

	// type Resolver struct { partitions endpoints.Partitions }: the field becomes the function.
	field := 0
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != "Resolver" {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			return false
		}
		for _, fl := range st.Fields.List {
			if len(fl.Names) == 1 && fl.Names[0].Name == "partitions" && text(fl.Type) == "endpoints.Partitions" {
				edits = append(edits, edit{off(fl.Type.Pos()), off(fl.Type.End()), "func() endpoints.Partitions"})
				field++
			}
		}
		return false
	})
	if field != 1 {
		return nil, fmt.Errorf("type Resolver has %d fields `partitions endpoints.Partitions`, want 1", field)
	}

	// Every use of the field: r.partitions.X(...) becomes r.partitions().X(...). New's
	// `partitions: defaultPartitions` stays as it is (the variable becomes a function of the
	// field's new type), and nothing else may name either variable.
	uses, named := 0, map[string][]string{}
	inVarDecl := func(n ast.Node) bool {
		for _, d := range varDecls {
			if n.Pos() >= d.Pos() && n.End() <= d.End() {
				return true
			}
		}
		return false
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if inner, ok := x.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "partitions" {
				if _, ok := inner.X.(*ast.Ident); ok {
					edits = append(edits, edit{off(inner.End()), off(inner.End()), "()"})
					uses++
				}
			}
		case *ast.KeyValueExpr:
			if k, ok := x.Key.(*ast.Ident); ok && k.Name == "partitions" {
				named["partitions:"] = append(named["partitions:"], text(x.Value))
			}
		case *ast.Ident:
			if (x.Name == "partitionRegexp" || x.Name == "defaultPartitions") && !inVarDecl(x) {
				named[x.Name] = append(named[x.Name], fset.Position(x.Pos()).String())
			}
		}
		return true
	})
	if uses != 1 {
		return nil, fmt.Errorf("%d uses of r.partitions, want 1", uses)
	}
	if got := named["partitions:"]; len(got) != 1 || got[0] != "defaultPartitions" {
		return nil, fmt.Errorf("the resolver's partitions field is set to %q, want only defaultPartitions", got)
	}
	if len(named["defaultPartitions"]) != 1 || len(named["partitionRegexp"]) != 0 {
		return nil, fmt.Errorf("defaultPartitions is used at %v and partitionRegexp at %v; want New's use alone", named["defaultPartitions"], named["partitionRegexp"])
	}

	// The import of sync, beside the others.
	if len(f.Imports) == 0 {
		return nil, fmt.Errorf("no imports")
	}
	for _, im := range f.Imports {
		if im.Path.Value == `"sync"` {
			return nil, fmt.Errorf("already imports sync")
		}
	}
	last := f.Imports[len(f.Imports)-1]
	edits = append(edits, edit{off(last.End()), off(last.End()), "\n\t\"sync\""})

	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	out := append([]byte(nil), src...)
	for i, e := range edits {
		if i > 0 && e.end > edits[i-1].start {
			return nil, fmt.Errorf("overlapping edits")
		}
		out = append(out[:e.start], append([]byte(e.text), out[e.end:]...)...)
	}
	out = append(out, []byte(`
// defaultPartitions is built on the first ResolveEndpoint, not at package init
// (cognito-guard's internal/lazyendpoints: the same values, built later).
var defaultPartitions = sync.OnceValue(func() endpoints.Partitions {
	partitionRegexp := `+values["partitionRegexp"]+`
	return `+values["defaultPartitions"]+`
})
`)...)
	formatted, err := format.Source(out)
	if err != nil {
		return nil, fmt.Errorf("the transformed file does not format: %w", err)
	}
	return formatted, nil
}

// endpointsPkg matches the generated endpoints package of an SDK service module.
var endpointsPkg = regexp.MustCompile(`^github\.com/aws/aws-sdk-go-v2/service/[a-z0-9]+/internal/endpoints$`)

// Patch is one SDK service module with its transformed endpoints.go.
type Patch struct {
	Module, Version string // as go.mod requires it
	Dir             string // the module's directory (in the module cache)
	File            string // endpoints.go's path below Dir
	Content         []byte // the transformed endpoints.go
}

// Patches finds the SDK service endpoints packages that `go list -deps args...` lists (args are
// go list's flags and packages; env is the go command's environment, GOOS and GOARCH included) and
// transforms each one's endpoints.go. A file Transform refuses is left as the SDK's, with one line
// in skipped saying why.
func Patches(env []string, args ...string) (patches []Patch, skipped []string, err error) {
	list := append([]string{"list", "-deps", "-f", "{{.ImportPath}}\t{{.Dir}}{{with .Module}}\t{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}"}, args...)
	listed, err := goCmd(env, list...)
	if err != nil {
		return nil, nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(listed)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 || !endpointsPkg.MatchString(f[0]) {
			continue
		}
		src, err := os.ReadFile(filepath.Join(f[1], "endpoints.go"))
		if err != nil {
			return nil, nil, err
		}
		lazy, err := Transform(src)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", f[0], err))
			continue
		}
		rel, err := filepath.Rel(f[4], filepath.Join(f[1], "endpoints.go"))
		if err != nil || f[3] == "" {
			skipped = append(skipped, fmt.Sprintf("%s: not from a module version (%s %s)", f[0], f[2], f[3]))
			continue
		}
		patches = append(patches, Patch{Module: f[2], Version: f[3], Dir: f[4], File: rel, Content: lazy})
	}
	sort.Slice(patches, func(i, j int) bool { return patches[i].Module < patches[j].Module })
	return patches, skipped, nil
}

func goCmd(env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// Write lays the patches out in dir for a build: a copy of each patched module with its
// endpoints.go replaced, and dir/go.mod, the main module's go.mod (gomod) with a replace directive
// per patched module pointing at its copy, beside a copy of its go.sum. It returns the flags that
// make go build use them (-modfile dir/go.mod: the module root stays where gomod is). The go
// command takes no -overlay for files in the module cache, hence copies. A dir inside the module
// is named relative to its root in the replace directives, so that the binary's build information
// (which records them) is the same wherever the repository is.
func Write(dir, gomod string, patches []Patch) (flags []string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(filepath.Dir(gomod))
	if err != nil {
		return nil, err
	}
	target := func(p string) string { return p }
	if rel, err := filepath.Rel(root, abs); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		target = func(p string) string {
			r, _ := filepath.Rel(root, p)
			return "./" + filepath.ToSlash(r)
		}
	}
	mod, err := os.ReadFile(gomod)
	if err != nil {
		return nil, err
	}
	var replaces strings.Builder
	for _, p := range patches {
		if bytes.Contains(mod, []byte("replace "+p.Module+" ")) || bytes.Contains(mod, []byte("\t"+p.Module+" =>")) {
			return nil, fmt.Errorf("%s already has a replace directive for %s", gomod, p.Module)
		}
		copyDir := filepath.Join(abs, filepath.Base(p.Module)+"@"+p.Version)
		if err := copyTree(p.Dir, copyDir); err != nil {
			return nil, err
		}
		if err := writeFile(filepath.Join(copyDir, p.File), p.Content); err != nil {
			return nil, err
		}
		fmt.Fprintf(&replaces, "replace %s %s => %s\n", p.Module, p.Version, target(copyDir))
	}
	out := append(bytes.TrimRight(mod, "\n"), []byte("\n\n// internal/lazyendpoints: the SDK's endpoint tables built on first use.\n"+replaces.String())...)
	if err := writeFile(filepath.Join(abs, "go.mod"), out); err != nil {
		return nil, err
	}
	sum, err := os.ReadFile(filepath.Join(filepath.Dir(gomod), "go.sum"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if err := writeFile(filepath.Join(abs, "go.sum"), sum); err != nil {
		return nil, err
	}
	return []string{"-modfile", filepath.Join(abs, "go.mod")}, nil
}

// copyTree copies the regular files below src into dst, writable (the module cache's are not).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// writeFile replaces path with data through a rename, so that a build reading it while another
// process writes the same file never sees half of it.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
