package diff

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
	"unsafe"
)

var timeType = reflect.TypeFor[time.Time]()

// maxAlign bounds the element comparisons spent aligning two slices of
// different lengths for the report; past it, elements are paired by index.
const maxAlign = 1 << 16

// state is one comparison. With all false it stops at the first difference
// (Equal); with all true it records every one (Diff).
type state struct {
	cfg   *config
	all   bool
	diffs []difference
	path  []string
	// x and y map each pointer, map and slice being compared (on the current
	// path) to its depth there: the cycle guard.
	x, y  map[visit]int
	depth int
	// about names what the report is about: the type of the values compared.
	about string
}

type visit struct {
	t reflect.Type
	p unsafe.Pointer
	n int
}

// difference is one path whose values differ. An invalid x or y is an
// element or entry that side lacks. typed asks the formatter to name the
// values' types (the dynamic types of two interfaces differ).
type difference struct {
	path  string
	x, y  reflect.Value
	typed bool
}

func newState(opts []Option, all bool) *state {
	c := &config{}
	Options(opts).apply(c)
	return &state{cfg: c, all: all, x: map[visit]int{}, y: map[visit]int{}}
}

// sub returns a state that answers only whether two values on the current
// path are equal (aligning slices), sharing the cycle guard.
func (s *state) sub() *state {
	return &state{cfg: s.cfg, x: s.x, y: s.y, depth: s.depth}
}

func (s *state) root(a, b any) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	s.about = fmt.Sprint(ta)
	if ta != tb {
		s.about = fmt.Sprintf("values of different types (%v, %v)", ta, tb)
	}
	if a == nil || b == nil {
		if a == nil && b == nil {
			return true
		}
		// The interfaces themselves, so that nil prints as nil.
		s.differ(reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem(), true)
		return false
	}
	x, y := reflect.ValueOf(a), reflect.ValueOf(b)
	if x.Type() != y.Type() {
		s.differ(x, y, true)
		return false
	}
	return s.compare(addressable(x), addressable(y))
}

func (s *state) differ(x, y reflect.Value, typed bool) {
	if s.all {
		s.diffs = append(s.diffs, difference{path: strings.Join(s.path, ""), x: x, y: y, typed: typed})
	}
}

// leaf records a difference at the current path unless eq.
func (s *state) leaf(x, y reflect.Value, eq bool) bool {
	if !eq {
		s.differ(x, y, false)
	}
	return eq
}

// at compares x and y at the current path extended by step.
func (s *state) at(step string, x, y reflect.Value) bool {
	s.path = append(s.path, step)
	eq := s.compare(x, y)
	s.path = s.path[:len(s.path)-1]
	return eq
}

// compare compares x and y, two values of the same type.
//
// Unexported fields are read with reflect, which forbids Interface and Set on
// what it reads through them. Every value compared here is either readable or
// addressable (a field of an addressable struct, an element of a slice or of
// an addressable array, what a pointer points to), and an addressable one is
// made readable by export. A struct or array that is not addressable (a map
// value, an interface's dynamic value) is copied first, so that its fields
// and elements are.
func (s *state) compare(x, y reflect.Value) bool {
	x, y = export(x), export(y)
	switch x.Kind() {
	case reflect.Bool:
		return s.leaf(x, y, x.Bool() == y.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return s.leaf(x, y, x.Int() == y.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return s.leaf(x, y, x.Uint() == y.Uint())
	case reflect.Float32, reflect.Float64:
		return s.leaf(x, y, x.Float() == y.Float())
	case reflect.Complex64, reflect.Complex128:
		return s.leaf(x, y, x.Complex() == y.Complex())
	case reflect.String:
		return s.leaf(x, y, x.String() == y.String())
	case reflect.Chan:
		return s.leaf(x, y, x.Pointer() == y.Pointer())
	case reflect.UnsafePointer:
		return s.leaf(x, y, x.UnsafePointer() == y.UnsafePointer())
	case reflect.Func:
		return s.leaf(x, y, x.IsNil() && y.IsNil())
	case reflect.Pointer:
		if x.IsNil() || y.IsNil() {
			return s.leaf(x, y, x.IsNil() && y.IsNil())
		}
		if eq, cycle := s.enter(x, y, 0); cycle {
			return s.leaf(x, y, eq)
		}
		defer s.leave(x, y, 0)
		return s.compare(x.Elem(), y.Elem())
	case reflect.Interface:
		if x.IsNil() || y.IsNil() {
			eq := x.IsNil() && y.IsNil()
			if !eq {
				s.differ(x, y, true)
			}
			return eq
		}
		ex, ey := x.Elem(), y.Elem()
		if ex.Type() != ey.Type() {
			s.differ(ex, ey, true)
			return false
		}
		return s.compare(ex, ey)
	case reflect.Struct:
		return s.compareStruct(addressable(x), addressable(y))
	case reflect.Array:
		x, y = addressable(x), addressable(y)
		if x.Type().Elem().Kind() == reflect.Uint8 {
			return s.leaf(x, y, bytes.Equal(x.Bytes(), y.Bytes()))
		}
		return s.compareElems(x, y)
	case reflect.Slice:
		return s.compareSlice(x, y)
	case reflect.Map:
		return s.compareMap(x, y)
	}
	panic(fmt.Sprintf("diff: values of kind %v", x.Kind()))
}

// enter pushes the pointer, map or slice pair x, y (n its length) on the
// cycle guard, unless one of them is already there: then cycle is true, and
// eq is whether both are, at the same depth.
func (s *state) enter(x, y reflect.Value, n int) (eq, cycle bool) {
	kx, ky := visit{x.Type(), x.UnsafePointer(), n}, visit{y.Type(), y.UnsafePointer(), n}
	dx, okx := s.x[kx]
	dy, oky := s.y[ky]
	if okx || oky {
		return okx && oky && dx == dy, true
	}
	s.depth++
	s.x[kx], s.y[ky] = s.depth, s.depth
	return false, false
}

func (s *state) leave(x, y reflect.Value, n int) {
	delete(s.x, visit{x.Type(), x.UnsafePointer(), n})
	delete(s.y, visit{y.Type(), y.UnsafePointer(), n})
	s.depth--
}

func (s *state) compareStruct(x, y reflect.Value) bool {
	t := x.Type()
	if t == timeType {
		return s.leaf(x, y, x.Interface().(time.Time).Equal(y.Interface().(time.Time)))
	}
	eq := true
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "_" || s.cfg.ignoreField(t, f) {
			continue
		}
		if !s.at("."+f.Name, x.Field(i), y.Field(i)) {
			eq = false
			if !s.all {
				return false
			}
		}
	}
	return eq
}

// compareElems compares two arrays, or two slices of one length, element by
// element.
func (s *state) compareElems(x, y reflect.Value) bool {
	eq := true
	for i := range x.Len() {
		if !s.at(fmt.Sprintf("[%d]", i), x.Index(i), y.Index(i)) {
			eq = false
			if !s.all {
				return false
			}
		}
	}
	return eq
}

func (s *state) compareSlice(x, y reflect.Value) bool {
	if x.Len() == 0 && y.Len() == 0 && s.cfg.emptyEqual(x.Type()) {
		return true
	}
	if x.IsNil() || y.IsNil() {
		return s.leaf(x, y, x.IsNil() && y.IsNil())
	}
	if srt := s.cfg.sorterFor(x.Type()); srt != nil {
		x, y = sorted(x, srt), sorted(y, srt)
	} else if x.Type().Elem().Kind() == reflect.Uint8 {
		return s.leaf(x, y, bytes.Equal(x.Bytes(), y.Bytes()))
	}
	n := max(x.Len(), y.Len())
	if eq, cycle := s.enter(x, y, n); cycle {
		return s.leaf(x, y, eq)
	}
	defer s.leave(x, y, n)
	if x.Len() == y.Len() {
		return s.compareElems(x, y)
	}
	if !s.all {
		return false
	}
	s.reportSlice(x, y)
	return false
}

// sorted returns a sorted copy of the slice v.
func sorted(v reflect.Value, srt *sorter) reflect.Value {
	c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	reflect.Copy(c, v)
	sort.SliceStable(c.Interface(), func(i, j int) bool { return srt.less(c.Index(i), c.Index(j)) })
	return c
}

// reportSlice reports the differences of two slices of different lengths: it
// aligns their equal elements (a longest common subsequence), pairs the
// unequal ones between them index by index and reports the rest as missing
// or extra. Paths name the index in x, and "[i->j]" where it is j in y.
func (s *state) reportSlice(x, y reflect.Value) {
	nx, ny := x.Len(), y.Len()
	type op struct{ i, j int } // i or j -1: only the other side has the element
	var ops []op
	if nx*ny <= maxAlign {
		// lcs[i][j]: length of the longest common subsequence of x[i:], y[j:].
		lcs := make([][]int, nx+1)
		for i := range lcs {
			lcs[i] = make([]int, ny+1)
		}
		eq := make([][]bool, nx)
		for i := nx - 1; i >= 0; i-- {
			eq[i] = make([]bool, ny)
			for j := ny - 1; j >= 0; j-- {
				eq[i][j] = s.sub().compare(x.Index(i), y.Index(j))
				if eq[i][j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		var dels, ins []int
		flush := func() {
			k := 0
			for ; k < len(dels) && k < len(ins); k++ {
				ops = append(ops, op{dels[k], ins[k]})
			}
			for _, i := range dels[k:] {
				ops = append(ops, op{i, -1})
			}
			for _, j := range ins[k:] {
				ops = append(ops, op{-1, j})
			}
			dels, ins = dels[:0], ins[:0]
		}
		i, j := 0, 0
		for i < nx || j < ny {
			switch {
			case i < nx && j < ny && eq[i][j]:
				flush()
				i, j = i+1, j+1
			case j == ny || (i < nx && lcs[i+1][j] >= lcs[i][j+1]):
				dels = append(dels, i)
				i++
			default:
				ins = append(ins, j)
				j++
			}
		}
		flush()
	} else {
		for k := range max(nx, ny) {
			switch {
			case k >= nx:
				ops = append(ops, op{-1, k})
			case k >= ny:
				ops = append(ops, op{k, -1})
			default:
				ops = append(ops, op{k, k})
			}
		}
	}
	for _, o := range ops {
		switch {
		case o.j < 0:
			s.path = append(s.path, fmt.Sprintf("[%d]", o.i))
			s.differ(x.Index(o.i), reflect.Value{}, false)
			s.path = s.path[:len(s.path)-1]
		case o.i < 0:
			s.path = append(s.path, fmt.Sprintf("[%d]", o.j))
			s.differ(reflect.Value{}, y.Index(o.j), false)
			s.path = s.path[:len(s.path)-1]
		case o.i == o.j:
			s.at(fmt.Sprintf("[%d]", o.i), x.Index(o.i), y.Index(o.j))
		default:
			s.at(fmt.Sprintf("[%d->%d]", o.i, o.j), x.Index(o.i), y.Index(o.j))
		}
	}
}

func (s *state) compareMap(x, y reflect.Value) bool {
	if x.Len() == 0 && y.Len() == 0 && s.cfg.emptyEqual(x.Type()) {
		return true
	}
	if x.IsNil() || y.IsNil() {
		return s.leaf(x, y, x.IsNil() && y.IsNil())
	}
	if eq, cycle := s.enter(x, y, 0); cycle {
		return s.leaf(x, y, eq)
	}
	defer s.leave(x, y, 0)
	keep := s.mapFilter(x.Type())
	keys := x.MapKeys()
	for _, k := range y.MapKeys() {
		if !x.MapIndex(k).IsValid() {
			keys = append(keys, k)
		}
	}
	if s.all {
		sortKeys(keys)
	}
	eq := true
	for _, k := range keys {
		vx, vy := x.MapIndex(k), y.MapIndex(k)
		if vx.IsValid() && !keep(k, vx) {
			vx = reflect.Value{}
		}
		if vy.IsValid() && !keep(k, vy) {
			vy = reflect.Value{}
		}
		step := "[" + format(k, false) + "]"
		switch {
		case !vx.IsValid() && !vy.IsValid():
			continue
		case vx.IsValid() && vy.IsValid():
			if s.at(step, vx, vy) {
				continue
			}
		default:
			s.path = append(s.path, step)
			s.differ(vx, vy, false)
			s.path = s.path[:len(s.path)-1]
		}
		eq = false
		if !s.all {
			return false
		}
	}
	return eq
}

// mapFilter returns whether to keep an entry of a map of type t.
func (s *state) mapFilter(t reflect.Type) func(k, v reflect.Value) bool {
	var fs []mapFilter
	for _, f := range s.cfg.mapFilters {
		if t.Key().AssignableTo(f.key) && t.Elem().AssignableTo(f.elem) {
			fs = append(fs, f)
		}
	}
	return func(k, v reflect.Value) bool {
		for _, f := range fs {
			if f.discard(k, v) {
				return false
			}
		}
		return true
	}
}

// sortKeys orders map keys by how they are printed, for a stable report.
func sortKeys(keys []reflect.Value) {
	text := make(map[int]string, len(keys))
	idx := make([]int, len(keys))
	for i, k := range keys {
		idx[i] = i
		text[i] = format(k, false)
	}
	sort.SliceStable(idx, func(a, b int) bool { return text[idx[a]] < text[idx[b]] })
	sortedKeys := make([]reflect.Value, len(keys))
	for i, j := range idx {
		sortedKeys[i] = keys[j]
	}
	copy(keys, sortedKeys)
}

// export returns v readable: v itself, or, when v was read through an
// unexported field, the same memory seen without that mark. v must then be
// addressable, as every value compare sees is.
func export(v reflect.Value) reflect.Value {
	if !v.IsValid() || v.CanInterface() {
		return v
	}
	if !v.CanAddr() {
		panic("diff: an unreadable value that is not addressable")
	}
	return reflect.NewAt(v.Type(), v.Addr().UnsafePointer()).Elem()
}

// addressable returns v, or a copy of it that is addressable, so that its
// fields and elements can be exported.
func addressable(v reflect.Value) reflect.Value {
	if v.CanAddr() {
		return v
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(export(v))
	return c
}
