package diff

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

type leaf struct {
	N  int
	p  *int
	tm time.Time
}

type nest struct {
	Name string
	L    []map[string]*leaf
	a    any
}

type embedded struct {
	leaf
	Tag string
}

type withFunc struct{ F func() }

type node struct {
	V    int
	Next *node
}

type bag struct {
	M map[string]any
	S []any
}

func ptr[T any](v T) *T { return &v }

func newNest(n int) nest {
	one := 1
	return nest{
		Name: "n",
		L: []map[string]*leaf{
			{"a": {N: 1}},
			{"k": {N: 1, p: &one, tm: time.Unix(5, 0).UTC()}, "z": nil},
		},
		a: leaf{N: n},
	}
}

func ring(vals ...int) *node {
	head := &node{V: vals[0]}
	n := head
	for _, v := range vals[1:] {
		n.Next = &node{V: v}
		n = n.Next
	}
	n.Next = head
	return head
}

// check asserts that Diff and Equal agree, and returns the report.
func check(t *testing.T, a, b any, opts ...Option) string {
	t.Helper()
	d := Diff(a, b, opts...)
	if eq := Equal(a, b, opts...); eq != (d == "") {
		t.Errorf("Equal = %v but Diff = %q", eq, d)
	}
	return d
}

func TestEqual(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if berlin == nil {
		berlin = time.FixedZone("CET", 3600)
	}
	instant := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	ch := make(chan int)
	x := 7
	now := time.Now()
	tests := []struct {
		name string
		a, b any
	}{
		{"nil", nil, nil},
		{"bool", true, true},
		{"int", 3, 3},
		{"int8", int8(-3), int8(-3)},
		{"uint64", uint64(1 << 63), uint64(1 << 63)},
		{"uintptr", uintptr(9), uintptr(9)},
		{"float64", 1.5, 1.5},
		{"zeros of both signs (==)", 0.0, math.Copysign(0, -1)},
		{"float32", float32(0.25), float32(0.25)},
		{"complex", complex(1, 2), complex(1, 2)},
		{"string", "a", "a"},
		{"named string", myString("a"), myString("a")},
		{"nil pointers", (*int)(nil), (*int)(nil)},
		{"pointers to equal values", ptr(3), ptr(3)},
		{"one pointer", &x, &x},
		{"nil slices", []int(nil), []int(nil)},
		{"empty slices", []int{}, []int{}},
		{"slices", []string{"a", "b"}, []string{"a", "b"}},
		{"bytes", []byte("ab"), []byte("ab")},
		{"arrays", [2]int{1, 2}, [2]int{1, 2}},
		{"byte arrays", [2]byte{1, 2}, [2]byte{1, 2}},
		{"nil maps", map[string]int(nil), map[string]int(nil)},
		{"maps", map[string]int{"a": 1, "b": 2}, map[string]int{"b": 2, "a": 1}},
		{"interfaces", []any{1, "a", nil, []int{1}}, []any{1, "a", nil, []int{1}}},
		{"nil funcs", withFunc{}, withFunc{}},
		{"nil chans", (chan int)(nil), (chan int)(nil)},
		{"one chan", ch, ch},
		{"time.Time, one instant in two locations", instant, instant.In(berlin)},
		{"time.Time with and without monotonic reading", now, now.Round(0)},
		{"time.Time inside a struct, unexported", leaf{tm: instant}, leaf{tm: instant.In(time.FixedZone("x", -7200))}},
		{"nested: pointer inside map inside slice inside struct", newNest(3), newNest(3)},
		{"embedded struct", embedded{leaf{N: 1, p: ptr(2)}, "t"}, embedded{leaf{N: 1, p: ptr(2)}, "t"}},
		{"cycles of one length", ring(1, 2, 3), ring(1, 2, 3)},
		{"map and slice of interfaces", bag{M: map[string]any{"x": leaf{N: 1, p: ptr(1)}}, S: []any{leaf{tm: instant}}},
			bag{M: map[string]any{"x": leaf{N: 1, p: ptr(1)}}, S: []any{leaf{tm: instant.Local()}}}},
		{"unexported struct in a map value", map[string]leaf{"a": {p: ptr(4), tm: instant}}, map[string]leaf{"a": {p: ptr(4), tm: instant}}},
		{"unsafe pointers", unsafe.Pointer(&x), unsafe.Pointer(&x)},
		{"empty structs", struct{}{}, struct{}{}},
		{"blank fields are skipped", newBlank(1, 2), newBlank(1, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := check(t, tt.a, tt.b); d != "" {
				t.Errorf("Diff of equal values:\n%s", d)
			}
		})
	}
}

type myString string

type blank struct {
	A int
	_ int
}

// newBlank returns a blank whose _ field holds b.
func newBlank(a, b int) blank {
	v := blank{A: a}
	f := reflect.ValueOf(&v).Elem().Field(1)
	*(*int)(f.Addr().UnsafePointer()) = b
	return v
}

type secretive struct {
	Public string
	secret string
	inner  *leaf
	held   any
	when   time.Time
}

// TestOneDifference: values that differ in one place give a report that
// names that place.
func TestOneDifference(t *testing.T) {
	nan := math.NaN()
	instant := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	ch1, ch2 := make(chan int), make(chan int)
	x, y := 1, 1
	f := func() {}
	tests := []struct {
		name string
		a, b any
		want string // a line of the report
	}{
		{"bool", true, false, "  -true +false"},
		{"int", 1, 2, "  -1 +2"},
		{"int8", int8(1), int8(-1), "  -1 +-1"},
		{"uint", uint(1), uint(2), "  -1 +2"},
		{"float", 1.5, 1.25, "  -1.5 +1.25"},
		{"NaN differs from itself", nan, nan, "  -NaN +NaN"},
		{"NaN in a struct", struct{ F float64 }{nan}, struct{ F float64 }{nan}, "  .F: -NaN +NaN"},
		{"complex", complex(1, 2), complex(1, 3), "  -(1+2i) +(1+3i)"},
		{"string", "a", "b", `  -"a" +"b"`},
		{"named int", time.Duration(1), time.Duration(2), "  -time.Duration(1) +time.Duration(2)"},
		{"nil and non-nil pointer", (*int)(nil), ptr(0), "  -nil +&0"},
		{"pointers to different values", &x, ptr(2), "  -1 +2"},
		{"nested: pointer inside map inside slice inside struct", newNest(3), func() nest {
			n := newNest(3)
			n.L[1]["k"].N = 2
			return n
		}(), `  .L[1]["k"].N: -1 +2`},
		{"nested pointer set to nil", newNest(3), func() nest {
			n := newNest(3)
			n.L[1]["k"].p = nil
			return n
		}(), `  .L[1]["k"].p: -&1 +nil`},
		{"nested time.Time, unexported", newNest(3), func() nest {
			n := newNest(3)
			n.L[1]["k"].tm = n.L[1]["k"].tm.Add(time.Nanosecond)
			return n
		}(), `  .L[1]["k"].tm: -time.Time(1970-01-01T00:00:05Z) +time.Time(1970-01-01T00:00:05.000000001Z)`},
		{"unexported field", secretive{secret: "a"}, secretive{secret: "b"}, `  .secret: -"a" +"b"`},
		{"unexported pointer's unexported field", secretive{inner: &leaf{p: ptr(1)}}, secretive{inner: &leaf{p: ptr(2)}}, "  .inner.p: -1 +2"},
		{"unexported interface holding a struct", secretive{held: leaf{tm: instant}}, secretive{held: leaf{tm: instant.Add(1)}}, "  .held.tm: -time.Time(2026-01-02T03:04:05.000000006Z) +time.Time(2026-01-02T03:04:05.000000007Z)"},
		{"unexported interface's dynamic type", secretive{held: 1}, secretive{held: int64(1)}, "  .held: -int(1) +int64(1)"},
		{"unexported time.Time", secretive{when: instant}, secretive{when: instant.Add(time.Second)}, "  .when: -time.Time(2026-01-02T03:04:05.000000006Z) +time.Time(2026-01-02T03:04:06.000000006Z)"},
		{"interface dynamic type", []any{1}, []any{1.0}, "  [0]: -int(1) +float64(1)"},
		{"interface nil and non-nil", []any{nil}, []any{0}, "  [0]: -interface {}(nil) +int(0)"},
		{"interface typed nil", []any{nil}, []any{(*int)(nil)}, "  [0]: -interface {}(nil) +*int(nil)"},
		{"nil and empty slice", []int(nil), []int{}, "  -nil +[]int{}"},
		{"nil and empty slice in a struct", struct{ S []string }{}, struct{ S []string }{S: []string{}}, "  .S: -nil +[]string{}"},
		{"nil and empty map", map[string]int(nil), map[string]int{}, "  -nil +map[string]int{}"},
		{"slice element", []string{"a", "b", "c"}, []string{"a", "x", "c"}, `  [1]: -"b" +"x"`},
		{"slice element missing", []string{"a", "b", "c"}, []string{"a", "c"}, `  [1]: -"b"`},
		{"slice element extra", []string{"a", "c"}, []string{"a", "b", "c"}, `  [1]: +"b"`},
		{"struct slice element extra, shown whole", []leaf{{N: 1}}, []leaf{{N: 1}, {N: 2, p: ptr(3)}}, `  [1]: +diff.leaf{N: 2, p: &3}`},
		{"array element", [3]int{1, 2, 3}, [3]int{1, 2, 4}, "  [2]: -3 +4"},
		{"map value", map[string]int{"a": 1, "b": 2}, map[string]int{"a": 1, "b": 3}, `  ["b"]: -2 +3`},
		{"map key missing", map[string]int{"a": 1, "b": 2}, map[string]int{"a": 1}, `  ["b"]: -2`},
		{"map key extra, shown whole", map[int]leaf{}, map[int]leaf{7: {N: 1}}, `  [7]: +diff.leaf{N: 1}`},
		{"map of unexported structs", map[string]leaf{"a": {p: ptr(1)}}, map[string]leaf{"a": {p: ptr(2)}}, `  ["a"].p: -1 +2`},
		{"bytes", []byte("ab"), []byte("ac"), `  -[]uint8("ab") +[]uint8("ac")`},
		{"byte arrays", [2]byte{1, 2}, [2]byte{1, 3}, `  -[2]uint8{1, 2} +[2]uint8{1, 3}`},
		{"funcs are unequal unless both nil", withFunc{f}, withFunc{f}, "  .F: -func(){...} +func(){...}"},
		{"func and nil func", withFunc{f}, withFunc{}, "  .F: -func(){...} +nil"},
		{"chans", ch1, ch2, "  -chan int("},
		{"unsafe pointers", unsafe.Pointer(&x), unsafe.Pointer(&y), "  -unsafe.Pointer("},
		{"time.Time, two instants", instant, instant.Add(time.Nanosecond), "  -time.Time(2026-01-02T03:04:05.000000006Z) +time.Time(2026-01-02T03:04:05.000000007Z)"},
		{"cycles of different values", ring(1, 2, 3), ring(1, 2, 4), "  .Next.Next.V: -3 +4"},
		{"cycles of different lengths", ring(1, 1), ring(1, 1, 1), "  .Next.Next:\n    - &diff.node{V: 1, Next: &diff.node{V: 1, Next: &<cycle diff.node>}}\n"},
		{"cycles back to different depths (as go-cmp: unequal)", ring(1, 1), func() *node {
			n := &node{V: 1, Next: &node{V: 1}}
			n.Next.Next = n.Next
			return n
		}(), "  .Next.Next: -&diff.node{V: 1, Next: &diff.node{V: 1, Next: &<cycle diff.node>}} +&diff.node{V: 1, Next: &<cycle diff.node>}"},
		{"embedded field", embedded{leaf: leaf{N: 1}}, embedded{leaf: leaf{N: 2}}, "  .leaf.N: -1 +2"},
		{"map of interfaces", bag{M: map[string]any{"x": []int{1}}}, bag{M: map[string]any{"x": []int{2}}}, `  .M["x"][0]: -1 +2`},
		{"types", 1, "1", `  -int(1) +string("1")`},
		{"nil and a value", nil, 0, "  -interface {}(nil) +int(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := check(t, tt.a, tt.b)
			if d == "" {
				t.Fatal("Diff found no difference")
			}
			if !strings.Contains(d, "\n"+tt.want) {
				t.Errorf("report lacks a line starting %q:\n%s", tt.want, d)
			}
			if !strings.Contains(d, ": 1 difference\n") {
				t.Errorf("report counts more than one difference:\n%s", d)
			}
		})
	}
}

func TestEveryDifferenceReported(t *testing.T) {
	a := nest{Name: "a", L: []map[string]*leaf{{"k": {N: 1}}, {"k": {N: 1}}}, a: 1}
	b := nest{Name: "b", L: []map[string]*leaf{{"k": {N: 2}}, {"j": {N: 1}}}, a: 2}
	want := `diff.nest: 5 differences
  .Name: -"a" +"b"
  .L[0]["k"].N: -1 +2
  .L[1]["j"]: +&diff.leaf{N: 1}
  .L[1]["k"]: -&diff.leaf{N: 1}
  .a: -1 +2
`
	if d := check(t, a, b); d != want {
		t.Errorf("report:\n%s\nwant:\n%s", d, want)
	}
}

func TestReportLayout(t *testing.T) {
	long := strings.Repeat("x", 60)
	tests := []struct {
		name string
		a, b any
		want string
	}{
		{"slice edits aligned", []string{"a", "b", "c", "d"}, []string{"a", "c", "D", "d", "e"}, `[]string: 3 differences
  [1]: -"b"
  [2]: +"D"
  [4]: +"e"
`},
		{"changed element paired across a shift", []int{1, 2, 3}, []int{0, 1, 5, 3}, `[]int: 2 differences
  [0]: +0
  [1->2]: -2 +5
`},
		{"wide values on lines of their own", struct{ S string }{long}, struct{ S string }{long + "y"}, `struct { S string }: 1 difference
  .S:
    - "` + long + `"
    + "` + long + `y"
`},
		{"multi-line strings as a line diff", "a\nb\nc\nd\ne\nf\ng\n", "a\nb\nc\nD\ne\nf\ng \n", `string: 1 difference
  (lines):
      ... 1 identical lines
      b
      c
    - d
    + D
      e
      f
    - g
    + "g "

`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := check(t, tt.a, tt.b); d != tt.want {
				t.Errorf("report:\n%s\nwant:\n%s", d, tt.want)
			}
		})
	}
}

func TestNoPanicOnUnexported(t *testing.T) {
	// Values reached only through unexported fields and non-addressable
	// places (map values, interfaces) are read, never Interface'd as is.
	type deep struct {
		m map[string]secretive
		i any
		a [1]secretive
	}
	a := deep{m: map[string]secretive{"k": {held: leaf{p: ptr(1)}}}, i: deep{a: [1]secretive{{when: time.Unix(1, 0).UTC()}}}}
	b := deep{m: map[string]secretive{"k": {held: leaf{p: ptr(2)}}}, i: deep{a: [1]secretive{{when: time.Unix(2, 0).UTC()}}}}
	d := check(t, a, b)
	for _, want := range []string{`  .m["k"].held.p: -1 +2`, "  .i.a[0].when: -time.Time(1970-01-01T00:00:01Z) +time.Time(1970-01-01T00:00:02Z)"} {
		if !strings.Contains(d, "\n"+want) {
			t.Errorf("report lacks %q:\n%s", want, d)
		}
	}
	if d := check(t, a, a); d != "" {
		t.Errorf("a value and itself:\n%s", d)
	}
}

func TestDoesNotModify(t *testing.T) {
	a, b := []string{"b", "a"}, []string{"a", "b"}
	check(t, a, b, SortSlices(func(x, y string) bool { return x < y }))
	if a[0] != "b" {
		t.Errorf("SortSlices sorted the slice compared: %v", a)
	}
}
