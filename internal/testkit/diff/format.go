package diff

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxReported bounds the differences a report lists.
const maxReported = 200

// wide is the length past which a difference's two values go on lines of
// their own.
const wide = 120

func (s *state) report() string {
	if len(s.diffs) == 0 {
		return ""
	}
	var b strings.Builder
	n := len(s.diffs)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	fmt.Fprintf(&b, "%s: %d difference%s\n", s.about, n, plural)
	for i, d := range s.diffs {
		if i == maxReported {
			fmt.Fprintf(&b, "  ... and %d more\n", n-i)
			break
		}
		writeDifference(&b, d)
	}
	return b.String()
}

func writeDifference(b *strings.Builder, d difference) {
	label := d.path
	if label != "" {
		label += ":"
	}
	if d.x.IsValid() && d.y.IsValid() && d.x.Kind() == reflect.String && d.y.Kind() == reflect.String && !d.typed &&
		(strings.Count(d.x.String(), "\n") > 1 || strings.Count(d.y.String(), "\n") > 1) {
		fmt.Fprintf(b, "  %s\n", strings.TrimSpace(d.path+" (lines):"))
		writeLineDiff(b, d.x.String(), d.y.String())
		return
	}
	var parts []string
	if d.x.IsValid() || !d.y.IsValid() {
		parts = append(parts, "-"+format(d.x, d.typed))
	}
	if d.y.IsValid() || !d.x.IsValid() {
		parts = append(parts, "+"+format(d.y, d.typed))
	}
	line := strings.Join(parts, " ")
	if len(line) <= wide && !strings.Contains(line, "\n") {
		if label == "" {
			fmt.Fprintf(b, "  %s\n", line)
		} else {
			fmt.Fprintf(b, "  %s %s\n", label, line)
		}
		return
	}
	if label != "" {
		fmt.Fprintf(b, "  %s\n", label)
	}
	for _, p := range parts {
		fmt.Fprintf(b, "    %s %s\n", p[:1], p[1:])
	}
}

// format prints v on one line, Go-like: strings quoted, structs with their
// non-zero fields, pointers as &value, maps with sorted keys, the elements
// of a slice, array or map without the type their container names. typed
// names the type of a value whose text would not show it. An invalid v
// (what a side lacks) prints as <missing>.
func format(v reflect.Value, typed bool) string {
	f := formatter{seen: map[visit]bool{}}
	m := plain
	if typed {
		m = withType
	}
	f.value(v, m)
	return f.b.String()
}

type formatter struct {
	b    strings.Builder
	seen map[visit]bool
}

// enter marks k as being printed; if it already is (a cycle), it prints the marker (a format
// of typ) instead and returns false. Each true is undone by leave(k).
func (f *formatter) enter(k visit, marker string, typ reflect.Type) bool {
	if f.seen[k] {
		fmt.Fprintf(&f.b, marker, typ)
		return false
	}
	f.seen[k] = true
	return true
}

func (f *formatter) leave(k visit) { delete(f.seen, k) }

// mode says whether to print a value's type.
type mode int

const (
	plain    mode = iota // the type of composite values and of named numbers
	withType             // every type
	elided               // no type: the container's names it
)

// elemMode is the mode of an element of static type t in a container.
func elemMode(t reflect.Type) mode {
	if t.Kind() == reflect.Interface {
		return plain
	}
	return elided
}

func (f *formatter) value(v reflect.Value, m mode) {
	if !v.IsValid() {
		f.b.WriteString("<missing>")
		return
	}
	v = export(v)
	t := v.Type()
	name := t.String()
	if m == elided {
		name = ""
	}
	switch v.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		if m == withType || (m == plain && t.PkgPath() != "" && v.Kind() != reflect.String) {
			f.b.WriteString(name + "(")
			defer f.b.WriteString(")")
		}
		f.scalar(v)
	case reflect.Chan, reflect.UnsafePointer:
		fmt.Fprintf(&f.b, "%v(%#x)", t, v.Pointer())
	case reflect.Func:
		if v.IsNil() {
			f.nil(t, m)
		} else {
			fmt.Fprintf(&f.b, "%v{...}", t)
		}
	case reflect.Pointer:
		if v.IsNil() {
			f.nil(t, m)
			return
		}
		if !f.enter(visit{t, v.UnsafePointer(), 0}, "&<cycle %v>", t.Elem()) {
			return
		}
		defer f.leave(visit{t, v.UnsafePointer(), 0})
		f.b.WriteString("&")
		if m != elided {
			m = plain
		}
		f.value(v.Elem(), m)
	case reflect.Interface:
		if v.IsNil() {
			f.nil(t, m)
			return
		}
		if m == elided {
			m = plain
		}
		f.value(v.Elem(), m)
	case reflect.Struct:
		v = addressable(v)
		if t == timeType {
			tm := v.Interface().(time.Time)
			f.b.WriteString("time.Time(" + tm.Format(time.RFC3339Nano) + ")")
			return
		}
		f.b.WriteString(name + "{")
		n := 0
		for i := range t.NumField() {
			if t.Field(i).Name == "_" || v.Field(i).IsZero() {
				continue
			}
			if n > 0 {
				f.b.WriteString(", ")
			}
			n++
			f.b.WriteString(t.Field(i).Name + ": ")
			f.value(v.Field(i), plain)
		}
		f.b.WriteString("}")
	case reflect.Array:
		v = addressable(v)
		f.b.WriteString(name)
		f.elems(v)
	case reflect.Slice:
		if v.IsNil() {
			f.nil(t, m)
			return
		}
		if t.Elem().Kind() == reflect.Uint8 {
			f.bytes(t, v.Bytes())
			return
		}
		if !f.enter(visit{t, v.UnsafePointer(), v.Len()}, "<cycle %v>", t) {
			return
		}
		defer f.leave(visit{t, v.UnsafePointer(), v.Len()})
		f.b.WriteString(name)
		f.elems(v)
	case reflect.Map:
		if v.IsNil() {
			f.nil(t, m)
			return
		}
		if !f.enter(visit{t, v.UnsafePointer(), 0}, "<cycle %v>", t) {
			return
		}
		defer f.leave(visit{t, v.UnsafePointer(), 0})
		keys := v.MapKeys()
		sortKeys(keys)
		f.b.WriteString(name + "{")
		for i, key := range keys {
			if i > 0 {
				f.b.WriteString(", ")
			}
			f.value(key, elemMode(t.Key()))
			f.b.WriteString(": ")
			f.value(v.MapIndex(key), elemMode(t.Elem()))
		}
		f.b.WriteString("}")
	default:
		fmt.Fprintf(&f.b, "<%v>", t)
	}
}

func (f *formatter) nil(t reflect.Type, m mode) {
	if m == withType {
		fmt.Fprintf(&f.b, "%v(nil)", t)
		return
	}
	f.b.WriteString("nil")
}

func (f *formatter) elems(v reflect.Value) {
	f.b.WriteString("{")
	em := elemMode(v.Type().Elem())
	for i := range v.Len() {
		if i > 0 {
			f.b.WriteString(", ")
		}
		f.value(v.Index(i), em)
	}
	f.b.WriteString("}")
}

func (f *formatter) bytes(t reflect.Type, p []byte) {
	if utf8.Valid(p) {
		fmt.Fprintf(&f.b, "%v(%q)", t, p)
		return
	}
	fmt.Fprintf(&f.b, "%v(0x%x)", t, p)
}

func (f *formatter) scalar(v reflect.Value) {
	switch v.Kind() {
	case reflect.Bool:
		f.b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f.b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		f.b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f.b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()))
	case reflect.Complex64, reflect.Complex128:
		f.b.WriteString(strconv.FormatComplex(v.Complex(), 'g', -1, v.Type().Bits()))
	case reflect.String:
		f.b.WriteString(strconv.Quote(v.String()))
	}
}

// writeLineDiff writes a line diff of two multi-line strings: the lines only
// x has with "-", those only y has with "+", and two lines of context around
// them.
func writeLineDiff(b *strings.Builder, x, y string) {
	a, c := strings.Split(x, "\n"), strings.Split(y, "\n")
	type line struct {
		mark byte
		text string
	}
	var lines []line
	pre := 0
	for pre < len(a) && pre < len(c) && a[pre] == c[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(c)-pre && a[len(a)-1-suf] == c[len(c)-1-suf] {
		suf++
	}
	for _, t := range a[:pre] {
		lines = append(lines, line{' ', t})
	}
	ma, mc := a[pre:len(a)-suf], c[pre:len(c)-suf]
	if len(ma)*len(mc) > 4<<20 {
		for _, t := range ma {
			lines = append(lines, line{'-', t})
		}
		for _, t := range mc {
			lines = append(lines, line{'+', t})
		}
	} else {
		lcs := make([][]int32, len(ma)+1)
		for i := range lcs {
			lcs[i] = make([]int32, len(mc)+1)
		}
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mc) - 1; j >= 0; j-- {
				if ma[i] == mc[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mc) {
			switch {
			case i < len(ma) && j < len(mc) && ma[i] == mc[j]:
				lines = append(lines, line{' ', ma[i]})
				i, j = i+1, j+1
			case j == len(mc) || (i < len(ma) && lcs[i+1][j] >= lcs[i][j+1]):
				lines = append(lines, line{'-', ma[i]})
				i++
			default:
				lines = append(lines, line{'+', mc[j]})
				j++
			}
		}
	}
	for _, t := range a[len(a)-suf:] {
		lines = append(lines, line{' ', t})
	}
	const context = 2
	show := make([]bool, len(lines))
	for i, l := range lines {
		if l.mark != ' ' {
			for k := max(0, i-context); k <= min(len(lines)-1, i+context); k++ {
				show[k] = true
			}
		}
	}
	skipped := 0
	for i, l := range lines {
		if !show[i] {
			skipped++
			continue
		}
		if skipped > 0 {
			fmt.Fprintf(b, "      ... %d identical lines\n", skipped)
			skipped = 0
		}
		fmt.Fprintln(b, strings.TrimRight(fmt.Sprintf("    %c %s", l.mark, lineText(l.text)), " "))
	}
	if skipped > 0 {
		fmt.Fprintf(b, "      ... %d identical lines\n", skipped)
	}
}

// lineText returns a line as it is, or quoted when it has what would not
// show: trailing blanks or characters that do not print.
func lineText(s string) string {
	if strings.TrimRight(s, " \t\r") != s || strings.IndexFunc(s, func(r rune) bool { return r != '\t' && !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
