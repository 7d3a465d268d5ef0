// Package diff compares two Go values deeply for tests and reports every
// difference, one line per path. It stands in for github.com/google/go-cmp,
// with only the options this repository's tests use.
//
// It exists to keep test binaries small and quick to link. go-cmp calls
// reflect.Type.MethodByName and reflect.Value.Method, and a binary that calls
// either makes the Go linker keep every exported method of every reachable
// type: each test binary that used go-cmp and reached the AWS SDK's Cognito or
// SSM client kept all of that client (cmd/cognito-guard's test binary: 34.7 MB
// with go-cmp, 18.4 MB without; internal/batch's 31.4 MB and 14.5 MB) and
// linked 25-30 % slower. This package never calls those methods nor imports a
// package that does (text/template, html/template, go-cmp);
// TestNoReflectMethodInBinary checks the linked test binary.
//
// The comparison follows go-cmp's defaults where a test can depend on them:
//   - pointers are compared by what they point to; a nil and a non-nil pointer
//     differ;
//   - maps are compared by key, slices and arrays element by element (a nil and
//     an empty slice or map differ unless EquateEmpty says otherwise);
//   - interfaces by dynamic type, then by value;
//   - funcs are equal only when both are nil; numbers with ==, so a NaN differs
//     from itself;
//   - time.Time values are compared as instants, with time.Time.Equal. go-cmp
//     calls the Equal method of any type that has one; this package knows only
//     time.Time's (no other type with an Equal method is compared by the
//     repository's tests, and finding one would take reflect.Type.MethodByName);
//   - unexported fields are compared too (go-cmp panics on them unless an
//     option says what to do), except where IgnoreUnexported or
//     IgnoreAllUnexported ignores them; blank (_) fields are skipped, as
//     go-cmp does;
//   - a pointer, map or slice met again while it is being compared (a cycle) is
//     equal to its counterpart when both loop back to the same depth.
package diff

import (
	"fmt"
	"reflect"
	"strings"
)

// Diff returns "" when want and got are equal, and otherwise a report of
// every difference, one per path, such as
//
//	main.Config: 2 differences
//	  .Clients[2].Name: -"a" +"b"
//	  .Scopes["web"]: +[]string{"openid"}
//
// "-" marks what want holds and "+" what got holds: a call site that prints
// "(-want +got):\n%s" reads right. A map entry or slice element that only one
// side has is shown whole, with only its "-" or its "+".
func Diff(want, got any, opts ...Option) string {
	s := newState(opts, true)
	s.root(want, got)
	return s.report()
}

// Equal reports whether a and b are equal under the options.
func Equal(a, b any, opts ...Option) bool {
	s := newState(opts, false)
	return s.root(a, b)
}

// An Option changes what Diff and Equal compare.
type Option interface{ apply(*config) }

// Options is a list of options that is itself an option.
type Options []Option

func (o Options) apply(c *config) {
	for _, opt := range o {
		if opt != nil {
			opt.apply(c)
		}
	}
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	sorts               []sorter
	mapFilters          []mapFilter
	ignoreUnexported    map[reflect.Type]bool
	ignoreAllUnexported bool
	ignoreFields        map[reflect.Type]map[string]bool
	equateEmpty         map[reflect.Type]bool
	equateEmptyAll      bool
}

type sorter struct {
	elem reflect.Type
	less func(a, b reflect.Value) bool
}

type mapFilter struct {
	key, elem reflect.Type
	discard   func(k, v reflect.Value) bool
}

// SortSlices sorts every slice whose element type is assignable to T with
// less (a strict weak order) before comparing it: the order of such slices'
// elements does not count, their number does. The slices compared are
// sorted copies; arrays are not sorted.
func SortSlices[T any](less func(a, b T) bool) Option {
	t := reflect.TypeFor[T]()
	return optionFunc(func(c *config) {
		c.sorts = append(c.sorts, sorter{elem: t, less: func(a, b reflect.Value) bool { return less(as[T](a), as[T](b)) }})
	})
}

// IgnoreMapEntries ignores, in every map whose keys are assignable to K and
// values to V, the entries for which discard returns true. Each side's
// entries are discarded on their own: an entry discarded on one side and
// missing on the other is no difference.
func IgnoreMapEntries[K, V any](discard func(K, V) bool) Option {
	kt, vt := reflect.TypeFor[K](), reflect.TypeFor[V]()
	return optionFunc(func(c *config) {
		c.mapFilters = append(c.mapFilters, mapFilter{key: kt, elem: vt, discard: func(k, v reflect.Value) bool { return discard(as[K](k), as[V](v)) }})
	})
}

// IgnoreUnexported ignores the unexported fields of the given struct types
// (each given as a value of the type, such as T{}). Unexported fields of
// other types, including structs nested in these, are still compared.
func IgnoreUnexported(types ...any) Option {
	ts := make([]reflect.Type, len(types))
	for i, v := range types {
		ts[i] = structType("IgnoreUnexported", v)
	}
	return optionFunc(func(c *config) {
		if c.ignoreUnexported == nil {
			c.ignoreUnexported = map[reflect.Type]bool{}
		}
		for _, t := range ts {
			c.ignoreUnexported[t] = true
		}
	})
}

// IgnoreAllUnexported ignores every unexported struct field, whatever the
// struct type.
func IgnoreAllUnexported() Option {
	return optionFunc(func(c *config) { c.ignoreAllUnexported = true })
}

// IgnoreFields ignores the named fields (not paths: no dots) of the struct
// type of typ, a value such as T{}. It panics if the type has no such field.
func IgnoreFields(typ any, names ...string) Option {
	t := structType("IgnoreFields", typ)
	for _, n := range names {
		if _, ok := t.FieldByName(n); !ok || strings.Contains(n, ".") {
			panic(fmt.Sprintf("diff.IgnoreFields: %v has no field %q", t, n))
		}
		if f, _ := t.FieldByName(n); len(f.Index) != 1 {
			panic(fmt.Sprintf("diff.IgnoreFields: %q is promoted from an embedded field of %v; name the embedded struct's type instead", n, t))
		}
	}
	return optionFunc(func(c *config) {
		if c.ignoreFields == nil {
			c.ignoreFields = map[reflect.Type]map[string]bool{}
		}
		if c.ignoreFields[t] == nil {
			c.ignoreFields[t] = map[string]bool{}
		}
		for _, n := range names {
			c.ignoreFields[t][n] = true
		}
	})
}

// EquateEmpty makes a nil and an empty (non-nil, length 0) slice or map of
// the given types equal, each type given as a value such as []T(nil). With
// no types, it applies to every slice and map type.
func EquateEmpty(types ...any) Option {
	ts := make([]reflect.Type, len(types))
	for i, v := range types {
		t := reflect.TypeOf(v)
		if t == nil || (t.Kind() != reflect.Slice && t.Kind() != reflect.Map) {
			panic(fmt.Sprintf("diff.EquateEmpty: %v is not a slice or map type", t))
		}
		ts[i] = t
	}
	return optionFunc(func(c *config) {
		if len(ts) == 0 {
			c.equateEmptyAll = true
			return
		}
		if c.equateEmpty == nil {
			c.equateEmpty = map[reflect.Type]bool{}
		}
		for _, t := range ts {
			c.equateEmpty[t] = true
		}
	})
}

func structType(opt string, v any) reflect.Type {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("diff.%s: %v is not a struct type (pass a value such as T{})", opt, t))
	}
	return t
}

// as returns v, which must be readable (exported), as a T.
func as[T any](v reflect.Value) T {
	var x T
	reflect.ValueOf(&x).Elem().Set(v)
	return x
}

func (c *config) ignoreField(t reflect.Type, f reflect.StructField) bool {
	if !f.IsExported() && (c.ignoreAllUnexported || c.ignoreUnexported[t]) {
		return true
	}
	return c.ignoreFields[t][f.Name]
}

func (c *config) sorterFor(t reflect.Type) *sorter {
	for i := range c.sorts {
		if t.Elem().AssignableTo(c.sorts[i].elem) {
			return &c.sorts[i]
		}
	}
	return nil
}

func (c *config) emptyEqual(t reflect.Type) bool { return c.equateEmptyAll || c.equateEmpty[t] }
