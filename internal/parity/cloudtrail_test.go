package parity_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"golang.org/x/time/rate"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// The CloudTrail records the suite captures from a real account, with the
// sample in events/ each is compared with.
var captureEvents = map[string]string{
	"CreateUserPoolClient":       "create-user-pool-client.json",
	"UpdateUserPoolClient":       "update-user-pool-client.json",
	"AddUserPoolClientSecret":    "add-user-pool-client-secret.json",
	"DeleteUserPoolClientSecret": "delete-user-pool-client-secret.json",
}

const (
	masked        = "HIDDEN_DUE_TO_SECURITY_REASONS"
	sampleAccount = "123456789012"
	waitVar       = "COGNITO_GUARD_CLOUDTRAIL_WAIT" // how long to wait for delivery; default 15m
)

// captureCloudTrail waits for the records of the suite's own calls in the
// real pool, writes them scrubbed to testdata/captured/ and reports how
// their shape differs from the samples in events/.
func captureCloudTrail(t *testing.T, w *world) {
	t.Helper()
	wait := 15 * time.Minute
	if v := os.Getenv(waitVar); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("%s: %v", waitVar, err)
		}
		wait = d
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	// LookupEvents allows 2 requests per second per account and Region
	// (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html).
	lim := rate.NewLimiter(1.5, 1)
	found := map[string]map[string]any{}
	for len(found) < len(captureEvents) {
		for name := range captureEvents {
			if found[name] != nil {
				continue
			}
			if err := lim.Wait(ctx); err != nil {
				break
			}
			rec, err := lookup(ctx, w, name)
			if err != nil {
				t.Errorf("LookupEvents %s: %v", name, err)
				return
			}
			if rec != nil {
				found[name] = rec
			}
		}
		if len(found) == len(captureEvents) {
			break
		}
		// CloudTrail delivers "within an average of about 5 minutes"
		// (CloudTrail user guide): wait and look again.
		select {
		case <-ctx.Done():
			t.Errorf("CloudTrail: after %v only %d of %d records arrived; raise %s", wait, len(found), len(captureEvents), waitVar)
			return
		case <-time.After(30 * time.Second):
		}
	}
	dir := filepath.Join("testdata", "captured")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var diffs []string
	for name, rec := range found {
		clear := scrub(rec, w.poolID)
		for _, k := range clear {
			t.Errorf("CloudTrail record of %s holds %s in clear (the product assumes it is masked)", name, k)
		}
		env := envelope(rec)
		out, _ := json.MarshalIndent(env, "", "  ")
		path := filepath.Join(dir, captureEvents[name])
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		sample, err := readJSON(filepath.Join("..", "..", "events", captureEvents[name]))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range shapeDiff(sample, env) {
			diffs = append(diffs, name+": "+d)
		}
	}
	sort.Strings(diffs)
	body := "(no difference)"
	if len(diffs) > 0 {
		body = "- " + strings.Join(diffs, "\n- ")
	}
	report := "# Captured CloudTrail records against events/\n\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "DIFF.md"), []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Logf("sample differs from the real record: %s", d)
	}
}

// lookup returns the newest record of eventName for the suite's pool, or
// nil. It signs the LookupEvents call itself (awsJson1_1) so the module
// needs no CloudTrail SDK.
func lookup(ctx context.Context, w *world, eventName string) (map[string]any, error) {
	body, _ := json.Marshal(map[string]any{
		"LookupAttributes": []map[string]string{{"AttributeKey": "EventName", "AttributeValue": eventName}},
		"StartTime":        w.start.Add(-time.Minute).Unix(),
		"MaxResults":       50,
	})
	url := fmt.Sprintf("https://cloudtrail.%s.amazonaws.com/", w.cfg.Region)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents")
	creds, err := w.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "cloudtrail", w.cfg.Region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, raw)
	}
	var out struct {
		Events []struct{ CloudTrailEvent string }
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	for _, e := range out.Events {
		var rec map[string]any
		if json.Unmarshal([]byte(e.CloudTrailEvent), &rec) != nil {
			continue
		}
		if p, _ := rec["requestParameters"].(map[string]any); p != nil && p["userPoolId"] == w.poolID {
			return rec, nil
		}
	}
	return nil, nil
}

// envelope wraps a CloudTrail record the way EventBridge delivers it (the
// envelope fields are ours; LookupEvents returns only the record).
func envelope(rec map[string]any) map[string]any {
	return map[string]any{
		"version": "0", "id": "00000000-0000-0000-0000-000000000000", "detail-type": "AWS API Call via CloudTrail",
		"source": "aws.cognito-idp", "account": sampleAccount, "time": rec["eventTime"], "region": rec["awsRegion"],
		"resources": []any{}, "detail": rec,
	}
}

var (
	accountRe = regexp.MustCompile(`\b[0-9]{12}\b`)
	ipv4Re    = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,3}){3}$`)
)

// scrub replaces, in place, what identifies the account or its people:
// 12-digit account IDs, IP addresses, access key IDs, principal IDs, user
// and session names; the throwaway pool ID becomes the sample pool. It
// masks any client secret found in clear and returns the keys where it
// found one.
func scrub(v any, poolID string) (clear []string) {
	var walk func(key string, v any) any
	walk = func(key string, v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				x[k] = walk(k, val)
			}
			return x
		case []any:
			for i := range x {
				x[i] = walk(key, x[i])
			}
			return x
		case string:
			switch key {
			case "clientSecret", "clientSecretValue", "ClientSecret":
				if x != masked && x != "" {
					clear = append(clear, key)
					return masked
				}
				return x
			case "sourceIPAddress":
				if ipv4Re.MatchString(x) || strings.Contains(x, ":") {
					return "192.0.2.10"
				}
				return x
			case "accessKeyId":
				return "ASIAEXAMPLEEXAMPLE00"
			case "principalId":
				return "AROAEXAMPLEEXAMPLE000:parity"
			case "userName":
				return "parity"
			case "arn":
				if strings.Contains(x, ":assumed-role/") {
					return "arn:aws:sts::" + sampleAccount + ":assumed-role/ParityRole/parity"
				}
				if strings.Contains(x, ":role/") {
					return "arn:aws:iam::" + sampleAccount + ":role/ParityRole"
				}
				if strings.Contains(x, ":user/") {
					return "arn:aws:iam::" + sampleAccount + ":user/parity"
				}
			}
			x = strings.ReplaceAll(x, poolID, "us-east-1_EXAMPLE01")
			return accountRe.ReplaceAllString(x, sampleAccount)
		}
		return v
	}
	walk("", v)
	return clear
}

// shapeDiff lists the JSON paths (array indices folded to []) that only one
// of a and b has, or that have different JSON types.
func shapeDiff(a, b any) []string {
	pa, pb := map[string]string{}, map[string]string{}
	flatten("", a, pa)
	flatten("", b, pb)
	var out []string
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range []map[string]string{pa, pb} {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}) {
		ta, ina := pa[p]
		tb, inb := pb[p]
		switch {
		case !inb:
			out = append(out, "only in the sample: "+p)
		case !ina:
			out = append(out, "only in the real record: "+p)
		case ta != tb:
			out = append(out, fmt.Sprintf("%s: %s in the sample, %s in the real record", p, ta, tb))
		}
	}
	return out
}

func flatten(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, val := range x {
			flatten(strings.TrimPrefix(path+"."+k, "."), val, out)
		}
	case []any:
		out[path] = "array"
		for _, val := range x {
			flatten(path+"[]", val, out)
		}
	case string:
		out[path] = "string"
	case float64:
		out[path] = "number"
	case bool:
		out[path] = "boolean"
	case nil:
		out[path] = "null"
	}
}

func readJSON(path string) (any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v any
	return v, json.Unmarshal(raw, &v)
}

func TestScrubRemovesIdentifiersAndSecrets(t *testing.T) {
	rec := map[string]any{
		"userIdentity": map[string]any{
			"type": "AssumedRole", "principalId": "AROA1234567890EXAMPLE:jane@example.com",
			"arn": "arn:aws:sts::987654321098:assumed-role/AWSReservedSSO_Admin_abc/jane@example.com", "accountId": "987654321098",
			"accessKeyId": "ASIA1234567890ABCDEF",
			"sessionContext": map[string]any{"sessionIssuer": map[string]any{
				"arn": "arn:aws:iam::987654321098:role/aws-reserved/AWSReservedSSO_Admin_abc", "userName": "AWSReservedSSO_Admin_abc", "accountId": "987654321098"}},
		},
		"sourceIPAddress":    "203.0.113.77",
		"recipientAccountId": "987654321098",
		"requestParameters":  map[string]any{"userPoolId": "eu-west-1_Ab12Cd34E", "clientId": "abc"},
		"responseElements":   map[string]any{"userPoolClient": map[string]any{"clientSecret": "realsecretvalue0123456789abcdef", "userPoolId": "eu-west-1_Ab12Cd34E"}},
	}
	clear := scrub(rec, "eu-west-1_Ab12Cd34E")
	if d := diff.Diff([]string{"clientSecret"}, clear); d != "" {
		t.Errorf("secrets found in clear (-want +got):\n%s", d)
	}
	out, _ := json.Marshal(rec)
	for _, leak := range []string{"987654321098", "203.0.113.77", "jane@example.com", "ASIA1234567890ABCDEF", "realsecretvalue", "AWSReservedSSO", "Ab12Cd34E"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("scrubbed record still holds %q: %s", leak, out)
		}
	}
}

func TestShapeDiffAgainstSamples(t *testing.T) {
	sample, err := readJSON("../../events/update-user-pool-client.json")
	if err != nil {
		t.Fatal(err)
	}
	if d := shapeDiff(sample, sample); len(d) != 0 {
		t.Errorf("a sample differs from itself: %v", d)
	}
	other, _ := readJSON("../../events/update-user-pool-client.json")
	detail := other.(map[string]any)["detail"].(map[string]any)
	delete(detail, "tlsDetails")
	detail["responseElements"] = nil
	detail["additionalEventData"] = map[string]any{"x": "y"}
	got := shapeDiff(sample, other)
	for _, want := range []string{
		"only in the sample: detail.tlsDetails",
		"only in the sample: detail.tlsDetails.cipherSuite",
		"detail.responseElements: object in the sample, null in the real record",
		"only in the sample: detail.responseElements.userPoolClient",
		"only in the real record: detail.additionalEventData",
		"only in the real record: detail.additionalEventData.x",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("shapeDiff lacks %q; got:\n%s", want, strings.Join(got, "\n"))
		}
	}
}
