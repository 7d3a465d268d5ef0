package diff

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// The property test builds two equal values from one seed, changes one place
// of the second, and checks that Diff reports that place and Equal says
// unequal; unchanged, they must be equal.

type pLeaf struct {
	N    int
	s    string
	F    float64
	When time.Time
	ok   bool
}

type pNode struct {
	Name  string
	count uint16
	Ptr   *pLeaf
	Items []pLeaf
	ByKey map[string]*pLeaf
	Any   any
	Arr   [2]int8
	Kids  []*pNode
	raw   []byte
	tags  map[int]string
}

func genLeaf(r *rand.Rand) pLeaf {
	return pLeaf{N: r.IntN(5), s: fmt.Sprint(r.IntN(3)), F: float64(r.IntN(4)) / 2, When: time.Unix(int64(r.IntN(3)), 0).UTC(), ok: r.IntN(2) == 0}
}

func genNode(r *rand.Rand, depth int) *pNode {
	n := &pNode{Name: fmt.Sprint("n", r.IntN(4)), count: uint16(r.IntN(9)), Arr: [2]int8{int8(r.IntN(3)), int8(r.IntN(3))}}
	if r.IntN(3) > 0 {
		l := genLeaf(r)
		n.Ptr = &l
	}
	for range r.IntN(3) {
		n.Items = append(n.Items, genLeaf(r))
	}
	if r.IntN(3) > 0 {
		n.ByKey = map[string]*pLeaf{}
		for i := range r.IntN(3) {
			l := genLeaf(r)
			n.ByKey[fmt.Sprint("k", i)] = &l
		}
	}
	switch r.IntN(4) {
	case 1:
		n.Any = genLeaf(r)
	case 2:
		n.Any = r.IntN(3)
	case 3:
		n.Any = []string{"a", fmt.Sprint(r.IntN(3))}
	}
	if depth > 0 {
		for range r.IntN(3) {
			n.Kids = append(n.Kids, genNode(r, depth-1))
		}
	}
	if r.IntN(2) == 0 {
		n.raw = []byte{byte(r.IntN(3)), 7}
	}
	if r.IntN(2) == 0 {
		n.tags = map[int]string{1: "x", r.IntN(4): "y"}
	}
	return n
}

// mutation is one change to a value and the path that names it.
type mutation struct {
	path   string
	change func()
}

// mutations lists the changes that can be made to v, addressable, at path.
func mutations(v reflect.Value, path string) []mutation {
	v = reflect.NewAt(v.Type(), v.Addr().UnsafePointer()).Elem() // settable, unexported or not
	var ms []mutation
	add := func(p string, f func()) { ms = append(ms, mutation{p, f}) }
	switch v.Kind() {
	case reflect.Int, reflect.Int8:
		add(path, func() { v.SetInt(v.Int() + 1) })
	case reflect.Uint16, reflect.Uint8:
		add(path, func() { v.SetUint(v.Uint() + 1) })
	case reflect.Float64:
		add(path, func() { v.SetFloat(v.Float() + 0.25) })
	case reflect.String:
		add(path, func() { v.SetString(v.String() + "!") })
	case reflect.Bool:
		add(path, func() { v.SetBool(!v.Bool()) })
	case reflect.Pointer:
		if v.IsNil() {
			add(path, func() { v.Set(reflect.New(v.Type().Elem())) })
			break
		}
		add(path, func() { v.Set(reflect.Zero(v.Type())) })
		ms = append(ms, mutations(v.Elem(), path)...)
	case reflect.Interface:
		if v.IsNil() {
			add(path, func() { v.Set(reflect.ValueOf(0)) })
			break
		}
		add(path, func() { v.Set(reflect.ValueOf(int64(1))) })
		e := reflect.New(v.Elem().Type()).Elem()
		e.Set(v.Elem())
		for _, m := range mutations(e, path) {
			add(m.path, func() { m.change(); v.Set(e) })
		}
	case reflect.Struct:
		if v.Type() == timeType {
			add(path, func() { v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Nanosecond))) })
			break
		}
		for i := range v.NumField() {
			ms = append(ms, mutations(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
	case reflect.Array:
		for i := range v.Len() {
			ms = append(ms, mutations(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Slice:
		if v.IsNil() {
			add(path, func() { v.Set(reflect.MakeSlice(v.Type(), 0, 0)) })
			break
		}
		add(path, func() { v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem()))) })
		if v.Len() == 0 {
			add(path, func() { v.Set(reflect.Zero(v.Type())) })
		}
		for i := range v.Len() {
			p := fmt.Sprintf("%s[%d]", path, i)
			if v.Type().Elem().Kind() == reflect.Uint8 {
				p = path // reported as a whole
			}
			ms = append(ms, mutations(v.Index(i), p)...)
		}
	case reflect.Map:
		if v.IsNil() {
			add(path, func() { v.Set(reflect.MakeMap(v.Type())) })
			break
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			p := path + "[" + format(k, false) + "]"
			add(p, func() { v.SetMapIndex(k, reflect.Value{}) })
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			for _, m := range mutations(e, p) {
				add(m.path, func() { m.change(); v.SetMapIndex(k, e) })
			}
		}
		// An entry added (or, where the zero key is there, changed).
		add(path+"[", func() { v.SetMapIndex(reflect.Zero(v.Type().Key()), reflect.Zero(v.Type().Elem())) })
	default:
		panic(fmt.Sprintf("no mutation for %v", v.Type()))
	}
	return ms
}

func TestChangedPlaceReported(t *testing.T) {
	total := 0
	for seed := range uint64(16) {
		gen := func() *pNode { return genNode(rand.New(rand.NewPCG(seed, 1)), 2) }
		a := gen()
		if d := check(t, a, gen()); d != "" {
			t.Fatalf("seed %d: two values built alike differ:\n%s", seed, d)
		}
		n := len(mutations(reflect.ValueOf(gen()).Elem(), ""))
		for i := range n {
			b := gen()
			m := mutations(reflect.ValueOf(b).Elem(), "")[i]
			m.change()
			total++
			d := check(t, a, b)
			if d == "" {
				t.Errorf("seed %d: change at %s not reported", seed, m.path)
				continue
			}
			if !strings.Contains(d, "\n  "+m.path) {
				t.Errorf("seed %d: change at %s reported elsewhere:\n%s", seed, m.path, d)
			}
		}
	}
	if total < 800 {
		t.Errorf("only %d changes tried", total)
	}
}
