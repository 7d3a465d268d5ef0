// Package common holds what the notification channels share: the source
// name, the wording of values and error codes, secret redaction, ARN
// partitions and the retry pause. It imports no AWS service client, so
// that package notify (EventBridge, SNS; both functions) and package hub
// (Security Hub; the audit only) can share it without the remediate
// binary linking the Security Hub client.
package common

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// Source is the tool's name in events, messages and findings.
const Source = "cognito-guard"

// MaxAttempts bounds the tries for entries that PutEvents,
// BatchImportFindings or BatchUpdateFindings reject one by one (the SDK
// retries whole requests itself, not entries of a partially failed batch).
const MaxAttempts = 3

// Redacted replaces the values of a finding or change on a secret field.
// No rule looks at ClientSecret today; this keeps a future one from putting
// the secret in a notification.
const Redacted = "[redacted]"

// SecretField reports whether a field's values are redacted.
func SecretField(field string) bool {
	return strings.Contains(strings.ToLower(field), "secret") && !strings.EqualFold(field, "GenerateSecret")
}

// Action defaults an empty action to enforce, as the baseline does.
func Action(f policy.Finding) policy.Action {
	if f.Action == "" {
		return policy.Enforce
	}
	return f.Action
}

// Summary renders error-code counts deterministically: "InternalFailure x2, ThrottlingException x1".
func Summary(codes map[string]int) string {
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s x%d", k, codes[k]))
	}
	return strings.Join(parts, ", ")
}

// Value renders a normalised value as JSON: strings quoted, lists in brackets.
func Value(v any) string {
	b, err := EncodeJSON(v, false)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// EncodeJSON marshals without HTML escaping, so that "<= 1h" reads as
// written in a message rather than as "\u003c= 1h". encoding/json escapes
// control characters and U+2028/U+2029 in strings, but not the
// bidirectional formatting characters, which can only occur inside
// strings: those are escaped too (outputs.PrintableJSON), so the JSON part
// of a message reads as the data is.
func EncodeJSON(v any, indent bool) ([]byte, error) {
	b, err := EncodeRawJSON(v, indent)
	if err != nil {
		return nil, err
	}
	return outputs.PrintableJSON(b), nil
}

// EncodeRawJSON is EncodeJSON without the escaping of bidirectional
// formatting characters.
func EncodeRawJSON(v any, indent bool) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Partition maps a region to its ARN partition; the commercial one unless
// the region says otherwise.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

// PoolARN is the user pool's ARN, or "" when account or region is unknown.
func PoolARN(account, region, poolID string) string {
	if account == "" || region == "" || poolID == "" {
		return ""
	}
	return fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", Partition(region), region, account, poolID)
}

// Sleep waits d before a retry, or returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
