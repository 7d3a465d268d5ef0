package outputs

import "testing"

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"web-portal", "web-portal"},
		{"app name+x=y,z.@-", "app name+x=y,z.@-"},
		{"café ünïcode 名前", "café ünïcode 名前"},
		{"app\nOutcome: compliant", `app\nOutcome: compliant`},
		{"a\r\nb\tc", `a\r\nb\tc`},
		{"bell\x07 esc\x1b[31m del\x7f c1\u0085", `bell\u0007 esc\u001b[31m del\u007f c1\u0085`},
		{"line\u2028sep\u2029", `line\u2028sep\u2029`},
		{"evil\u202egnp.exe \u2066iso\u2069 \u200f", `evil\u202egnp.exe \u2066iso\u2069 \u200f`},
		{`already\nescaped`, `already\nescaped`},
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPrintableJSON(t *testing.T) {
	in := "{\n  \"name\": \"evil\u202egnp.exe\",\n  \"x\": \"a\\nb\"\n}"
	want := "{\n  \"name\": \"evil\\u202egnp.exe\",\n  \"x\": \"a\\nb\"\n}"
	if got := string(PrintableJSON([]byte(in))); got != want {
		t.Errorf("PrintableJSON = %q, want %q", got, want)
	}
}
