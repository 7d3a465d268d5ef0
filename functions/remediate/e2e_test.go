package main

// End-to-end: the real bootstrap under the real Lambda Runtime Interface
// Emulator, talking over HTTP with the real AWS SDK to the Cognito+SSM
// emulator, driven by the files in events/.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/remediate"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
	"github.com/cognito-guard/cognito-guard/internal/testkit/sample"
)

const (
	describe = "DescribeUserPoolClient"
	update   = "UpdateUserPoolClient"
	getParam = "GetParameter"
)

type world struct {
	emu *emulator.Emulator
	fn  *rie.Function
	env map[string]string
}

// seed starts the emulator with the sample account and baseline (nil:
// events/baseline.json) and returns it with the function's environment
// pointing at it, at logLevel, plus env.
func seed(tb testing.TB, baseline []byte, logLevel string, env map[string]string) *world {
	tb.Helper()
	if baseline == nil {
		baseline = readEvent(tb, "baseline.json")
	}
	emu, url := sample.Serve(tb, baseline)
	vars := map[string]string{
		"AWS_ENDPOINT_URL":      url,
		"AWS_REGION":            sample.Region,
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "not-a-real-key",
		"BASELINE_PARAMETER":    sample.BaselineParameter,
		"EXECUTION_ROLE_ARN":    "arn:aws:iam::123456789012:role/cognito-guard-RemediateFunctionRole-1A2B3C",
		"LOG_LEVEL":             logLevel,
	}
	for k, v := range env {
		vars[k] = v
	}
	return &world{emu: emu, env: vars}
}

// startB is seed for benchmarks: quiet logs, no running function. With an
// earlier build beside (REMEDIATE_BEFORE_BOOTSTRAP) the baseline loses its
// "$schema" key, which builds before the JSON Schema refused, so that both
// builds read the same document.
func startB(b *testing.B) *world {
	if os.Getenv(beforeEnv) == "" {
		return seed(b, nil, "WARN", nil)
	}
	var doc map[string]any
	if err := json.Unmarshal(readEvent(b, "baseline.json"), &doc); err != nil {
		b.Fatal(err)
	}
	delete(doc, "$schema")
	baseline, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	return seed(b, baseline, "WARN", nil)
}

// start seeds the sample account and runs the remediate bootstrap under the
// RIE. baseline nil means events/baseline.json.
func start(t *testing.T, baseline []byte, env map[string]string) *world {
	t.Helper()
	// The whole quota for one container: these tests are about behaviour,
	// and pacing at the defaults (one call per second per pool) only makes
	// them wait. Pacing has its own tests (pkg/appclient, internal/batch)
	// and the benchmarks run at the defaults.
	fast := map[string]string{"REMEDIATE_RATE": "15", "REMEDIATE_POOL_RATE": "5", "REMEDIATE_MAX_CONCURRENCY": "1"}
	for k, v := range env {
		fast[k] = v
	}
	w := seed(t, baseline, "DEBUG", fast)
	w.fn = rie.Start(t, rie.Build(t, "./functions/remediate"), w.env)
	w.emu.ResetCalls()
	return w
}

func readEvent(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// invoke sends payload and returns the result, or the function error.
func (w *world) invoke(t *testing.T, payload []byte) (remediate.Result, *rie.FunctionError) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	body, err := w.fn.Invoke(ctx, payload)
	var ferr *rie.FunctionError
	if errors.As(err, &ferr) {
		return remediate.Result{}, ferr
	}
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	var res remediate.Result
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("result %s: %v", body, err)
	}
	if strings.Contains(string(body), sample.Secret) {
		t.Errorf("client secret in the result: %s", body)
	}
	return res, nil
}

// calls counts the emulator's answered calls of op, and failed ones.
func (w *world) calls(op string) (ok, failed int) {
	for _, c := range w.emu.Calls() {
		if c.Op == op {
			if c.Error == "" {
				ok++
			} else {
				failed++
			}
		}
	}
	return ok, failed
}

func (w *world) client(t *testing.T, id string) types.UserPoolClientType {
	t.Helper()
	c, ok := w.emu.Client(sample.PoolID, id)
	if !ok {
		t.Fatalf("client %s is gone", id)
	}
	return c
}

func TestRemediateDriftedClientThenConverge(t *testing.T) {
	t.Parallel() // its own emulator and RIE; it waits on the function
	w := start(t, nil, nil)
	before := w.client(t, sample.DriftedID)

	res, ferr := w.invoke(t, readEvent(t, "update-user-pool-client.json"))
	if ferr != nil {
		t.Fatalf("function error: %v\nlogs:\n%s", ferr, w.fn.Logs())
	}
	if res.Outcome.Status != reconcile.Remediated {
		t.Fatalf("outcome %q (%s), want remediated", res.Outcome.Status, res.Reason)
	}
	// Right before the update: the baseline version (GetParameter) and the
	// client (Describe) are read again.
	if got := w.ops(); !slices.Equal(got, []string{getParam, describe, getParam, describe, update, describe}) {
		t.Errorf("calls = %v, want GetParameter, Describe, GetParameter, Describe, Update, Describe", got)
	}

	// Exactly the four drifted settings moved; everything else is as it was.
	after := w.client(t, sample.DriftedID)
	want := before
	want.EnableTokenRevocation = aws.Bool(true)
	want.RefreshTokenValidity = 30
	want.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeCode}
	want.CallbackURLs = []string{"https://portal.example.com/callback"}
	if diff := diff.Diff(want, after, clientCmp...); diff != "" {
		t.Errorf("client after remediation (-want +got):\n%s", diff)
	}
	var changed []string
	for _, c := range res.Changes {
		changed = append(changed, c.Field)
	}
	slices.Sort(changed)
	if diff := diff.Diff([]string{"AllowedOAuthFlows", "CallbackURLs", "EnableTokenRevocation", "RefreshTokenValidity"}, changed); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}

	// The function's own update comes back as an event (and EventBridge may
	// deliver the original twice): it must find nothing to do.
	w.emu.ResetCalls()
	for _, file := range []string{"update-user-pool-client.json", "update-user-pool-client.json", "create-user-pool-client.json"} {
		res, ferr = w.invoke(t, readEvent(t, file))
		if ferr != nil || res.Outcome.Status != reconcile.Compliant {
			t.Fatalf("replay of %s: outcome %q, error %v, want compliant", file, res.Outcome.Status, ferr)
		}
	}
	if got := w.ops(); !slices.Equal(got, []string{describe, describe, describe}) {
		t.Errorf("calls on replay = %v, want one Describe each and nothing else (baseline cached)", got)
	}
	if strings.Contains(w.fn.Logs(), sample.Secret) {
		t.Errorf("client secret in the function's logs")
	}
}

// ops lists the operations the emulator answered or refused, in order.
func (w *world) ops() []string {
	var ops []string
	for _, c := range w.emu.Calls() {
		ops = append(ops, c.Op)
	}
	return ops
}

var clientCmp = diff.Options{
	diff.IgnoreUnexported(types.UserPoolClientType{}, types.TokenValidityUnitsType{}, types.RefreshTokenRotationType{}, types.AnalyticsConfigurationType{}),
	diff.IgnoreFields(types.UserPoolClientType{}, "LastModifiedDate"),
	diff.SortSlices(func(a, b string) bool { return a < b }),
	diff.SortSlices(func(a, b types.OAuthFlowType) bool { return a < b }),
	diff.SortSlices(func(a, b types.ExplicitAuthFlowsType) bool { return a < b }),
}

// TestRuntimeFailures runs, through the real runtime, the two ways an
// invocation fails before or without an outcome: a configuration error
// (main fails every invocation with the reason) and an invalid baseline
// (a function error Lambda retries, then keeps). The whole fault table runs
// in process, against the same emulator, in internal/remediate (TestFaults).
func TestRuntimeFailures(t *testing.T) {
	t.Parallel() // its own emulator and RIE; it waits on the function
	manual := readEvent(t, "manual.json")
	tests := []struct {
		name     string
		baseline []byte
		env      map[string]string
		fault    func(*emulator.Emulator)
		payload  []byte
		want     reconcile.Status // "" when the invocation must fail
		wantMsg  string           // in the reason or the error
		writes   int              // successful UpdateUserPoolClient calls
	}{
		{name: "baseline invalid", baseline: []byte(`{"version":1,"rules":{"AccessTokenValidity":{"max":"2d"}}}`),
			payload: manual, wantMsg: "rules.AccessTokenValidity.max"},
		{name: "missing BASELINE_PARAMETER", env: map[string]string{"BASELINE_PARAMETER": ""}, payload: manual,
			wantMsg: "BASELINE_PARAMETER"},
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| fault | expected | seen | updates written |\n|---|---|---|---|\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := start(t, tt.baseline, tt.env)
			if tt.fault != nil {
				tt.fault(w.emu)
			}
			before := w.client(t, sample.DriftedID)
			res, ferr := w.invoke(t, tt.payload)
			expected, seen := string(tt.want), string(res.Outcome.Status)
			text := res.Reason
			if tt.want == "" {
				expected = "invocation fails (event kept)"
			}
			if ferr != nil {
				seen, text = "invocation fails (event kept)", ferr.Message
			}
			writes, _ := w.calls(update)
			fmt.Fprintf(&table, "| %s | %s | %s | %d |\n", tt.name, expected, seen, writes)
			if seen != expected {
				t.Errorf("seen %q (%s), want %q", seen, text, expected)
			}
			if !strings.Contains(text, tt.wantMsg) {
				t.Errorf("reason %q does not mention %q", text, tt.wantMsg)
			}
			if writes != tt.writes {
				t.Errorf("%d updates written, want %d", writes, tt.writes)
			}
			if tt.writes == 0 {
				if diff := diff.Diff(before, w.client(t, sample.DriftedID), clientCmp...); diff != "" {
					t.Errorf("client changed without a write (-before +after):\n%s", diff)
				}
			}
			if strings.Contains(w.fn.Logs(), sample.Secret) || strings.Contains(text, sample.Secret) {
				t.Errorf("client secret leaked")
			}
		})
	}
	t.Logf("fault-injection table:\n%s", table.String())
}
