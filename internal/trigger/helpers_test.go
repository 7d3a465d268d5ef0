package trigger_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/trigger"
)

// eventsDir holds the sample inputs shared with `sam local invoke -e`.
const eventsDir = "../../events"

// kind is the class of result a test expects from Parse.
type kind int

const (
	isRequest kind = iota
	isSkip
	isError
)

func (k kind) String() string {
	return [...]string{"request", "skip", "error"}[k]
}

// outcome is what Parse returned, reduced to what the tables pin.
type outcome struct {
	Kind    kind
	Request trigger.Request
	// Message is the skip reason or the error text.
	Message string
}

func classify(r trigger.Request, err error) outcome {
	var s *trigger.SkipError
	switch {
	case err == nil:
		return outcome{Kind: isRequest, Request: r}
	case errors.As(err, &s):
		return outcome{Kind: isSkip, Request: r, Message: s.Reason}
	default:
		return outcome{Kind: isError, Request: r, Message: err.Error()}
	}
}

func readEvent(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(eventsDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// edit changes one dot-separated path of a JSON document; del removes it.
type edit struct {
	path  string
	value any
	del   bool
}

func set(path string, v any) edit { return edit{path: path, value: v} }
func del(path string) edit        { return edit{path: path, del: true} }

// mutate returns the events/ file name with the edits applied, so that each
// case states only how it differs from a realistic event.
func mutate(tb testing.TB, name string, edits ...edit) []byte {
	tb.Helper()
	var doc map[string]any
	if err := json.Unmarshal(readEvent(tb, name), &doc); err != nil {
		tb.Fatal(err)
	}
	for _, e := range edits {
		keys := strings.Split(e.path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		last := keys[len(keys)-1]
		if e.del {
			delete(m, last)
		} else {
			m[last] = e.value
		}
	}
	b, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
