package diff

import (
	"strings"
	"testing"
)

type flow string

type client struct {
	Name     string
	Scopes   []string
	Flows    []flow
	Counts   []int
	Modified string
	serde    struct{ n int }
	Inner    inner
}

type inner struct {
	Name  string
	Marks []string
	note  string
}

type other struct {
	Name     string
	Modified string
	hidden   int
}

var (
	byString = SortSlices(func(a, b string) bool { return a < b })
	byFlow   = SortSlices(func(a, b flow) bool { return a < b })
)

// optionCase is a pair of values and whether they are equal under opts.
type optionCase struct {
	name  string
	a, b  any
	opts  []Option
	equal bool
	want  string // with equal false: a line of the report
}

func runOptionCases(t *testing.T, tests []optionCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := check(t, tt.a, tt.b, tt.opts...)
			switch {
			case tt.equal && d != "":
				t.Errorf("want equal, got:\n%s", d)
			case !tt.equal && d == "":
				t.Errorf("want a difference, got none")
			case !tt.equal && !strings.Contains(d, "\n  "+tt.want):
				t.Errorf("report lacks a line starting %q:\n%s", tt.want, d)
			}
		})
	}
}

func TestSortSlices(t *testing.T) {
	runOptionCases(t, []optionCase{
		{name: "order of strings does not count", a: []string{"b", "a", "c"}, b: []string{"c", "b", "a"}, opts: []Option{byString}, equal: true},
		{name: "without the option it does", a: []string{"b", "a"}, b: []string{"a", "b"}, want: `[0]: -"b" +"a"`},
		{name: "number of each element counts", a: []string{"a", "a", "b"}, b: []string{"a", "b", "b"}, opts: []Option{byString}, want: `[1]: -"a" +"b"`},
		{name: "length counts", a: []string{"a", "b"}, b: []string{"b", "a", "a"}, opts: []Option{byString}, want: `[1]: +"a"`},
		{name: "an element's value counts", a: []string{"b", "a"}, b: []string{"a", "c"}, opts: []Option{byString}, want: `[1]: -"b" +"c"`},
		{name: "nil and empty still differ", a: []string(nil), b: []string{}, opts: []Option{byString}, want: "-nil +[]string{}"},
		{name: "nested slices sorted", a: client{Scopes: []string{"b", "a"}, Inner: inner{Marks: []string{"y", "x"}}},
			b: client{Scopes: []string{"a", "b"}, Inner: inner{Marks: []string{"x", "y"}}}, opts: []Option{byString}, equal: true},
		{name: "slices of another element type keep their order", a: client{Counts: []int{1, 2}}, b: client{Counts: []int{2, 1}}, opts: []Option{byString},
			want: ".Counts[0]: -1 +2"},
		{name: "a named element type is not sorted by its underlying type's order", a: client{Flows: []flow{"b", "a"}}, b: client{Flows: []flow{"a", "b"}},
			opts: []Option{byString}, want: `.Flows[0]: -"b" +"a"`},
		{name: "the named type's own order", a: client{Flows: []flow{"b", "a"}, Scopes: []string{"b", "a"}}, b: client{Flows: []flow{"a", "b"}, Scopes: []string{"a", "b"}},
			opts: []Option{byString, byFlow}, equal: true},
		{name: "arrays are not sorted", a: [2]string{"b", "a"}, b: [2]string{"a", "b"}, opts: []Option{byString}, want: `[0]: -"b" +"a"`},
		{name: "element type assignable to an interface", a: []any{2, 1}, b: []any{1, 2},
			opts: []Option{SortSlices(func(a, b any) bool { return a.(int) < b.(int) })}, equal: true},
	})
}

func TestIgnoreUnexported(t *testing.T) {
	ign := IgnoreUnexported(client{})
	runOptionCases(t, []optionCase{
		{name: "the type's unexported field", a: client{serde: struct{ n int }{1}}, b: client{serde: struct{ n int }{2}}, opts: []Option{ign}, equal: true},
		{name: "without the option it counts", a: client{serde: struct{ n int }{1}}, b: client{serde: struct{ n int }{2}}, want: ".serde.n: -1 +2"},
		{name: "the type's exported fields count", a: client{Name: "a", serde: struct{ n int }{1}}, b: client{Name: "b"}, opts: []Option{ign}, want: `.Name: -"a" +"b"`},
		{name: "a nested struct's unexported field counts", a: client{Inner: inner{note: "a"}}, b: client{Inner: inner{note: "b"}}, opts: []Option{ign},
			want: `.Inner.note: -"a" +"b"`},
		{name: "another type's unexported field counts", a: other{hidden: 1}, b: other{hidden: 2}, opts: []Option{ign}, want: ".hidden: -1 +2"},
		{name: "several types", a: []any{client{serde: struct{ n int }{1}}, other{hidden: 1}}, b: []any{client{}, other{}},
			opts: []Option{IgnoreUnexported(client{}, other{})}, equal: true},
	})
	mustPanic(t, "a pointer type", func() { IgnoreUnexported(&client{}) })
}

func TestIgnoreAllUnexported(t *testing.T) {
	all := IgnoreAllUnexported()
	runOptionCases(t, []optionCase{
		{name: "unexported fields at every depth", a: []any{client{serde: struct{ n int }{1}, Inner: inner{note: "a"}}, other{hidden: 1}},
			b: []any{client{}, other{}}, opts: []Option{all}, equal: true},
		{name: "exported fields count", a: client{Inner: inner{Name: "a", note: "a"}}, b: client{Inner: inner{Name: "b"}}, opts: []Option{all},
			want: `.Inner.Name: -"a" +"b"`},
		{name: "exported field of an unexported field's type still counts where reached", a: client{}, b: client{}, opts: []Option{all}, equal: true},
	})
}

func TestIgnoreFields(t *testing.T) {
	ign := IgnoreFields(client{}, "Modified")
	runOptionCases(t, []optionCase{
		{name: "the named field", a: client{Modified: "a"}, b: client{Modified: "b"}, opts: []Option{ign}, equal: true},
		{name: "without the option it counts", a: client{Modified: "a"}, b: client{Modified: "b"}, want: `.Modified: -"a" +"b"`},
		{name: "the type's other fields count", a: client{Modified: "a", Name: "a"}, b: client{Modified: "b", Name: "b"}, opts: []Option{ign}, want: `.Name: -"a" +"b"`},
		{name: "the same name in another type counts", a: other{Modified: "a"}, b: other{Modified: "b"}, opts: []Option{ign}, want: `.Modified: -"a" +"b"`},
		{name: "several names, unexported too", a: client{Modified: "a", Name: "a", serde: struct{ n int }{1}}, b: client{},
			opts: []Option{IgnoreFields(client{}, "Modified", "Name", "serde")}, equal: true},
		{name: "through pointers and slices", a: []*client{{Modified: "a"}}, b: []*client{{Modified: "b"}}, opts: []Option{ign}, equal: true},
	})
	mustPanic(t, "an unknown field", func() { IgnoreFields(client{}, "Nope") })
	mustPanic(t, "a path", func() { IgnoreFields(client{}, "Inner.Name") })
	mustPanic(t, "not a struct", func() { IgnoreFields("x", "Name") })
}

func TestIgnoreMapEntries(t *testing.T) {
	noTimestamp := IgnoreMapEntries(func(k string, _ any) bool { return k == "timestamp" })
	runOptionCases(t, []optionCase{
		{name: "the entry on both sides", a: map[string]any{"timestamp": 1, "level": "WARN"}, b: map[string]any{"timestamp": 2, "level": "WARN"},
			opts: []Option{noTimestamp}, equal: true},
		{name: "the entry on one side", a: map[string]any{"level": "WARN"}, b: map[string]any{"timestamp": 2, "level": "WARN"},
			opts: []Option{noTimestamp}, equal: true},
		{name: "without the option it counts", a: map[string]any{"timestamp": 1}, b: map[string]any{"timestamp": 2}, want: `["timestamp"]: -1 +2`},
		{name: "other entries count", a: map[string]any{"timestamp": 1, "level": "WARN"}, b: map[string]any{"timestamp": 2, "level": "INFO"},
			opts: []Option{noTimestamp}, want: `["level"]: -"WARN" +"INFO"`},
		{name: "a missing entry counts", a: map[string]any{"level": "WARN"}, b: map[string]any{"timestamp": 2},
			opts: []Option{noTimestamp}, want: `["level"]: -"WARN"`},
		{name: "maps whose values are assignable", a: map[string]string{"timestamp": "1"}, b: map[string]string{"timestamp": "2"},
			opts: []Option{noTimestamp}, equal: true},
		{name: "maps of other key types count", a: map[flow]any{"timestamp": 1}, b: map[flow]any{"timestamp": 2},
			opts: []Option{noTimestamp}, want: `["timestamp"]: -1 +2`},
		{name: "the discard function sees the value", a: map[string]int{"a": 1, "b": 5}, b: map[string]int{"a": 2, "b": 6},
			opts: []Option{IgnoreMapEntries(func(_ string, v int) bool { return v < 5 })}, want: `["b"]: -5 +6`},
		{name: "nil and empty still differ", a: map[string]any(nil), b: map[string]any{"timestamp": 1}, opts: []Option{noTimestamp},
			want: "-nil +map[string]interface {}{"},
	})
}

func TestEquateEmpty(t *testing.T) {
	type change struct{ Before any }
	changes := EquateEmpty([]change(nil))
	runOptionCases(t, []optionCase{
		{name: "nil and empty slice of the type", a: []change(nil), b: []change{}, opts: []Option{changes}, equal: true},
		{name: "without the option they differ", a: []change(nil), b: []change{}, want: "-nil +[]diff.change{}"},
		{name: "an empty and a non-empty slice differ", a: []change(nil), b: []change{{}}, opts: []Option{changes}, want: "-nil +[]diff.change{{}}"},
		{name: "nil and empty slices of other types differ", a: []change{{Before: []string(nil)}}, b: []change{{Before: []string{}}}, opts: []Option{changes},
			want: "[0].Before: -nil +[]string{}"},
		{name: "maps of the type", a: map[string]int(nil), b: map[string]int{}, opts: []Option{EquateEmpty(map[string]int(nil))}, equal: true},
		{name: "with no type, every slice and map", a: client{Scopes: []string{}, Inner: inner{Marks: nil}}, b: client{Scopes: nil, Inner: inner{Marks: []string{}}},
			opts: []Option{EquateEmpty()}, equal: true},
		{name: "with no type, maps too", a: map[string]any{"m": map[int]int{}}, b: map[string]any{"m": map[int]int(nil)}, opts: []Option{EquateEmpty()}, equal: true},
	})
	mustPanic(t, "not a slice or map", func() { EquateEmpty("x") })
}

func TestOptionsList(t *testing.T) {
	opts := Options{IgnoreFields(client{}, "Modified"), Options{byString, nil}}
	runOptionCases(t, []optionCase{
		{name: "options of a list and of a nested list apply", a: client{Modified: "a", Scopes: []string{"b", "a"}}, b: client{Modified: "b", Scopes: []string{"a", "b"}},
			opts: []Option{opts}, equal: true},
		{name: "and no more", a: client{Modified: "a", Name: "x"}, b: client{Modified: "b", Name: "y"}, opts: []Option{opts}, want: `.Name: -"x" +"y"`},
	})
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("no panic for %s", what)
		}
	}()
	f()
}
