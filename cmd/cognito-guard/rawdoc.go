package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// doc is a baseline document that policy.Parse accepted, read again as
// plain JSON for what the engine keeps unexported: the warnings of
// validate and the rule-by-rule comparison of diff look at the document
// as written.
type doc struct {
	Rules      map[string]json.RawMessage `json:"rules"`
	Overrides  []docOverride              `json:"overrides"`
	Exemptions []docExemption             `json:"exemptions"`
}

type docOverride struct {
	Match match                      `json:"match"`
	Rules map[string]json.RawMessage `json:"rules"`
}

type docExemption struct {
	Match   match    `json:"match"`
	Fields  []string `json:"fields"`
	Expires string   `json:"expires"`
	Reason  string   `json:"reason"`
}

type match struct {
	UserPoolID string `json:"userPoolId,omitempty"`
	ClientID   string `json:"clientId,omitempty"`
	ClientName string `json:"clientName,omitempty"`
}

func (m match) String() string {
	var parts []string
	for _, kv := range [][2]string{{"userPoolId", m.UserPoolID}, {"clientId", m.ClientID}, {"clientName", m.ClientName}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func readDoc(data []byte) (*doc, error) {
	var d doc
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// expiry reads an exemption's expiry as policy does: a date is the start
// of that day in UTC.
func expiry(s string) (time.Time, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	t, err := time.Parse(time.RFC3339, s)
	return t.UTC(), err == nil
}

// ruleText describes one rule as the engine reads it ("max 1h (enforce)"),
// by parsing it alone in a baseline of its own, so that "1h", "60m" and
// {"equals": "1h"} read the same. null (in an override) removes the rule.
func ruleText(field string, raw json.RawMessage) string {
	if raw == nil {
		return ""
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		return "no rule (null removes it)"
	}
	src := fmt.Sprintf(`{"version":1,"rules":{%q:%s}}`, field, raw)
	b, err := policy.Parse([]byte(src))
	if err != nil {
		return compactJSON(raw)
	}
	for _, r := range b.Resolve(policy.Target{}, time.Time{}).Rules {
		if r.Field == field {
			return strings.TrimPrefix(r.String(), field+" ")
		}
	}
	return compactJSON(raw)
}

func compactJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// form is one rule read for the warnings: the forms that say how strict
// it is. Durations are in seconds.
type form struct {
	present      bool
	null         bool
	action       string
	hasEquals    bool
	equals       string // canonical JSON
	min, max     *int64
	require      []string
	forbid       []string
	allow        []string
	hasAllow     bool
	requireHTTPS bool
	pattern      string
}

func readForm(raw json.RawMessage) form {
	f := form{present: raw != nil, action: string(policy.Enforce)}
	if raw == nil {
		return f
	}
	t := bytes.TrimSpace(raw)
	if string(t) == "null" {
		f.null = true
		return f
	}
	if len(t) == 0 || t[0] != '{' {
		f.hasEquals, f.equals = true, canonical(t)
		return f
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(t, &m) != nil {
		return f
	}
	for k, v := range m {
		switch k {
		case "action":
			_ = json.Unmarshal(v, &f.action)
		case "equals":
			f.hasEquals, f.equals = true, canonical(v)
		case "min":
			f.min = bound(v)
		case "max":
			f.max = bound(v)
		case "require":
			_ = json.Unmarshal(v, &f.require)
		case "forbid":
			_ = json.Unmarshal(v, &f.forbid)
		case "allow":
			f.hasAllow = true
			_ = json.Unmarshal(v, &f.allow)
		case "requireHttps":
			_ = json.Unmarshal(v, &f.requireHTTPS)
		case "pattern":
			_ = json.Unmarshal(v, &f.pattern)
		}
	}
	return f
}

// canonical re-encodes a JSON value with sorted keys; lists of strings
// (sets in the engine) are sorted too.
func canonical(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	if l, ok := v.([]any); ok {
		s := make([]string, 0, len(l))
		for _, e := range l {
			b, _ := json.Marshal(e)
			s = append(s, string(b))
		}
		sort.Strings(s)
		return "[" + strings.Join(s, ",") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

var unitSeconds = map[byte]int64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400}

// bound reads a duration ("1h") or a number (RetryGracePeriodSeconds).
func bound(raw json.RawMessage) *int64 {
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return &n
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || len(s) < 2 {
		return nil
	}
	mult, ok := unitSeconds[s[len(s)-1]]
	if !ok {
		return nil
	}
	if _, err := fmt.Sscanf(s[:len(s)-1], "%d", &n); err != nil {
		return nil
	}
	n *= mult
	return &n
}
