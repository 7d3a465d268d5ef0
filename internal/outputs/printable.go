package outputs

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
)

// Printable escapes what a reader of text could be fooled by in a string
// someone else controls: control characters (newlines included), Unicode
// line and paragraph separators, and the bidirectional formatting
// characters that reorder text on screen. Each becomes a visible Go-style
// escape (\n, \t, \u202e), so a client named "app\nOutcome: compliant"
// cannot add a line to a message (a literal backslash stays as it is: it
// cannot break a line or reorder text). Cognito's ClientName pattern
// [\w\s+=,.@-]+ admits any whitespace, including newlines
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html).
//
// JSON outputs (the log lines, the EventBridge detail) escape control
// characters themselves; Printable is for text people read as text: SNS
// bodies, Security Hub titles and descriptions, free-text log values.
func Printable(s string) string {
	if strings.IndexFunc(s, needsEscape) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case needsEscape(r):
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PrintableJSON escapes, in encoded JSON, the characters Printable escapes
// that encoding/json leaves as they are: the bidirectional formatting
// characters. They can occur only inside JSON strings, where \uXXXX is a
// valid escape of the same value, so the result is the same JSON; its
// indentation (raw newlines) is kept.
func PrintableJSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, reorders) {
		return b
	}
	var out bytes.Buffer
	for _, r := range string(b) {
		if reorders(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.WriteRune(r)
		}
	}
	return out.Bytes()
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || reorders(r) // C0, DEL, C1
}

// reorders reports a character that breaks or reorders a line on screen
// without being a control character.
func reorders(r rune) bool {
	switch {
	case r == '\u2028' || r == '\u2029': // line and paragraph separators
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
		// Bidirectional embeddings, overrides, isolates and marks.
		return true
	}
	return false
}
