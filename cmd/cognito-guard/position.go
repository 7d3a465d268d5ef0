package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Position is a place in a file, 1-based; the column counts characters.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func (p Position) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// positionAt converts a byte offset of data into a line and column.
func positionAt(data []byte, off int) Position {
	off = min(max(off, 0), len(data))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return Position{Line: line, Column: utf8.RuneCount(before[start:]) + 1}
}

// locator maps the JSON paths of pkg/policy's problems ("rules.X.max",
// "overrides[0].match", "exemptions[1].fields[0]") to where they are in the
// document: the key of an object member, the first character of an array
// element. It walks the document once with encoding/json's Decoder, whose
// InputOffset gives the offset after each token.
type locator struct {
	data []byte
	at   map[string]int
}

func newLocator(data []byte) *locator {
	l := &locator{data: data, at: map[string]int{"": l0(data)}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	_ = l.walk(dec, "") // a syntax error leaves the paths seen so far
	return l
}

func l0(data []byte) int { return skipSpace(data, 0) }

// skipSpace returns the offset of the next token at or after off: past
// white space and the separators the Decoder consumes silently.
func skipSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

func (l *locator) walk(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		for dec.More() {
			off := skipSpace(l.data, int(dec.InputOffset()))
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			p := joinPath(path, tok.(string))
			if _, seen := l.at[p]; !seen {
				l.at[p] = off
			} else if _, seen := l.at[p+dupSuffix]; !seen {
				l.at[p+dupSuffix] = off // the parser keeps the first and reports the second
			}
			if err := l.walk(dec, p); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			l.at[p] = skipSpace(l.data, int(dec.InputOffset()))
			if err := l.walk(dec, p); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// dupSuffix marks the second occurrence of a key in the locator.
const dupSuffix = "\x00dup"

// findProblem is find for a problem of pkg/policy: a duplicate key is
// reported where it is repeated.
func (l *locator) findProblem(path, message string) Position {
	if off, ok := l.at[path+dupSuffix]; ok && message == "duplicate key" {
		return positionAt(l.data, off)
	}
	return l.find(path)
}

// find returns the position of path, or of its nearest ancestor present
// in the document (a required key that is missing is reported where its
// object starts).
func (l *locator) find(path string) Position {
	if path == "(document)" {
		path = ""
	}
	for {
		if off, ok := l.at[path]; ok {
			return positionAt(l.data, off)
		}
		if path == "" {
			return positionAt(l.data, 0)
		}
		path = parentPath(path)
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parentPath drops the last element of a path: "a.b[2]" -> "a.b" -> "a".
// Field names with a dot ("RefreshTokenRotation.Feature") are found whole
// first, since the locator records them under the same joined path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// syntaxError returns the position of a JSON syntax error in data, if data
// is not valid JSON.
func syntaxError(data []byte) (Position, error) {
	var v any
	err := json.Unmarshal(data, &v)
	if err == nil {
		return Position{}, nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset is the number of bytes read before the error: the
		// offending character is the last one read.
		return positionAt(data, int(se.Offset)-1), err
	}
	return positionAt(data, len(data)), err
}

// parseFlags parses flags given before, between or after the positional
// arguments, which flag.FlagSet alone stops at.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
