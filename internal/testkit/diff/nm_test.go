package diff

import (
	"debug/elf"
	"debug/gosym"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// reflectMethod matches the symbols of the reflect functions that look a
// method up by index or name. A binary that calls one of them keeps every
// exported method of every reachable type (the linker cannot tell which a
// name will find): the reason this package exists.
var reflectMethod = regexp.MustCompile(`^reflect\.(Value|\(\*Value\)|\(\*rtype\))\.Method(s|ByName)?$`)

// reflectMethodSymbols returns the names that reflectMethod matches.
func reflectMethodSymbols(names []string) []string {
	var found []string
	for _, n := range names {
		if reflectMethod.MatchString(n) {
			found = append(found, n)
		}
	}
	return found
}

// funcNames returns the names of the functions linked into the ELF binary
// exe, read from its function table (.gopclntab). go tool nm would need the
// symbol table, which go test leaves out of the binaries it runs (it links
// them with -s -w); the function table is always there.
func funcNames(exe string) ([]string, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pcln, text := f.Section(".gopclntab"), f.Section(".text")
	if pcln == nil || text == nil {
		return nil, fmt.Errorf("%s has no .gopclntab or .text section", exe)
	}
	data, err := pcln.Data()
	if err != nil {
		return nil, err
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text.Addr))
	if err != nil {
		return nil, err
	}
	names := make([]string, len(tab.Funcs))
	for i, fn := range tab.Funcs {
		names[i] = fn.Name
	}
	return names, nil
}

// TestNoReflectMethodInBinary reads the functions linked into this test
// binary, which holds the package and everything it imports: none of those
// that look methods up may be among them.
func TestNoReflectMethodInBinary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads an ELF binary")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	names, err := funcNames(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "github.com/cognito-guard/cognito-guard/internal/testkit/diff.Diff") {
		t.Fatalf("the function table of %s lists no diff.Diff (%d functions): not this package's binary?", exe, len(names))
	}
	if found := reflectMethodSymbols(names); len(found) > 0 {
		t.Errorf("the test binary links %v: a package it imports looks methods up with reflect", found)
	}
}

// TestReflectMethodSymbols checks the pattern against the names that go
// tool nm prints for a test binary that uses github.com/google/go-cmp.
func TestReflectMethodSymbols(t *testing.T) {
	const nm = `  518be0 T reflect.(*Value).MethodByName
  4fd640 T reflect.(*interfaceType).MethodByName
  515400 T reflect.(*rtype).Method
  515aa0 T reflect.(*rtype).MethodByName
  4fd000 T reflect.(*rtype).Methods
  4fd080 T reflect.(*rtype).Methods.func1
  50d380 T reflect.Value.Method
  50d600 T reflect.Value.MethodByName
  5104e0 T reflect.Value.Methods
  518b80 T reflect.(*Value).Method
  5153a0 T reflect.(*rtype).NumMethod
  4fc680 T reflect.(*rtype).exportedMethods
  50d560 T reflect.Value.NumMethod
  4c61e0 T type:.eq.reflect.Method
  4c19e0 T reflect.callMethod
`
	var names []string
	for line := range strings.Lines(nm) {
		names = append(names, strings.Fields(line)[2])
	}
	got := strings.Join(reflectMethodSymbols(names), " ")
	want := "reflect.(*Value).MethodByName reflect.(*rtype).Method reflect.(*rtype).MethodByName reflect.(*rtype).Methods " +
		"reflect.Value.Method reflect.Value.MethodByName reflect.Value.Methods reflect.(*Value).Method"
	if got != want {
		t.Errorf("matched %s\nwant    %s", got, want)
	}
}
