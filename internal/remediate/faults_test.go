package remediate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/internal/testkit/sample"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

const (
	opDescribe = "DescribeUserPoolClient"
	opUpdate   = "UpdateUserPoolClient"
	opGetParam = "GetParameter"
)

func readEvent(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// noBackoff is the production retryer (same attempts, same errors
// retried) without the pause between attempts, so a fault that exhausts
// the retries costs no wall-clock time.
type noBackoff struct{ aws.RetryerV2 }

func (noBackoff) RetryDelay(int, error) (time.Duration, error) { return 0, nil }

// inProcess is the handler as remediate.New wires it, talking over HTTP
// with the real SDK to the emulator seeded with the sample account.
type inProcess struct {
	emu  *emulator.Emulator
	h    *Handler
	logs *bytes.Buffer
}

func newInProcess(t *testing.T, baseline []byte, cfg Config) *inProcess {
	t.Helper()
	if baseline == nil {
		baseline = readEvent(t, "baseline.json")
	}
	emu, url := sample.Serve(t, baseline)
	awsCfg := aws.Config{
		Region:       sample.Region,
		BaseEndpoint: aws.String(url),
		Credentials:  aws.AnonymousCredentials{},
		Retryer:      func() aws.Retryer { return noBackoff{appclient.Retryer(5)().(aws.RetryerV2)} },
	}
	if cfg.BaselineParameter == "" {
		cfg.BaselineParameter = sample.BaselineParameter
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := New(cfg, awsCfg, logs, log)
	if err != nil {
		t.Fatal(err)
	}
	return &inProcess{emu: emu, h: h, logs: logs}
}

func (w *inProcess) writes() int {
	n := 0
	for _, c := range w.emu.Calls() {
		if c.Op == opUpdate && c.Error == "" {
			n++
		}
	}
	return n
}

var clientCmp = diff.Options{
	diff.IgnoreUnexported(types.UserPoolClientType{}, types.TokenValidityUnitsType{}, types.RefreshTokenRotationType{}, types.AnalyticsConfigurationType{}),
	diff.IgnoreFields(types.UserPoolClientType{}, "LastModifiedDate"),
}

// TestFaults is the fault-injection suite of issue 6, in process: for each
// fault, nothing is written that should not be, nothing is lost (the
// invocation fails so Lambda retries it and then keeps it in the on-failure
// queue), and the reason is clear. The table it logs is the one in the
// README. functions/remediate runs a few of these through the real runtime.
func TestFaults(t *testing.T) {
	manual := readEvent(t, "manual.json")
	const fails = "invocation fails (event kept)"
	tests := []struct {
		name     string
		baseline []byte
		cfg      Config
		fault    func(*emulator.Emulator)
		payload  []byte
		want     reconcile.Status // "" when the invocation must fail
		wantMsg  string           // in the reason or the error
		writes   int              // successful UpdateUserPoolClient calls
	}{
		{name: "describe throttled twice", fault: fail(opDescribe, 2, "TooManyRequestsException"),
			payload: manual, want: reconcile.Remediated, writes: 1},
		{name: "describe throttled beyond the retries", fault: fail(opDescribe, 50, "TooManyRequestsException"),
			payload: manual, wantMsg: "TooManyRequestsException"},
		{name: "Cognito 5xx beyond the retries", fault: fail(opDescribe, 50, "InternalErrorException"),
			payload: manual, wantMsg: "InternalErrorException"},
		{name: "update ConcurrentModificationException once", fault: fail(opUpdate, 1, "ConcurrentModificationException"),
			payload: manual, want: reconcile.Remediated, writes: 1},
		{name: "update ConcurrentModificationException persists", fault: fail(opUpdate, 50, "ConcurrentModificationException"),
			payload: manual, wantMsg: "ConcurrentModificationException"},
		{name: "client deleted between describe and update", fault: fail(opUpdate, 1, "ResourceNotFoundException"),
			payload: manual, want: reconcile.Skipped, wantMsg: "no longer exists"},
		{name: "update rejected by Cognito", fault: fail(opUpdate, 1, "InvalidParameterException"),
			payload: manual, want: reconcile.Failed, wantMsg: "update rejected"},
		{name: "client does not exist", payload: []byte(`{"userPoolId":"us-east-1_EXAMPLE01","clientId":"nosuchclient"}`),
			want: reconcile.Skipped, wantMsg: "no longer exists"},
		{name: "SSM throttled beyond the retries", fault: fail(opGetParam, 50, "ThrottlingException"),
			payload: manual, wantMsg: "baseline unavailable"},
		{name: "baseline parameter missing", cfg: Config{Common: settings.Common{BaselineParameter: "/no/such/parameter"}},
			payload: manual, wantMsg: "not found"},
		{name: "baseline invalid", baseline: []byte(`{"version":1,"rules":{"AccessTokenValidity":{"max":"2d"}}}`),
			payload: manual, wantMsg: "rules.AccessTokenValidity.max"},
		{name: "baseline has an unknown field", baseline: []byte(`{"version":1,"rules":{"EnableTokenRevokation":true}}`),
			payload: manual, wantMsg: "EnableTokenRevocation"},
		{name: "malformed event", payload: []byte(`{"detail-type": "AWS API Call via CloudTrail", "source": "aws.cognito-idp", "detail": `),
			wantMsg: "invalid input"},
		{name: "app-client event without IDs", payload: []byte(`{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.cognito-idp","account":"123456789012","time":"2026-11-26T07:00:00Z","region":"us-east-1","resources":[],"detail":{"eventSource":"cognito-idp.amazonaws.com","eventName":"UpdateUserPoolClient","eventType":"AwsApiCall","requestParameters":{}}}`),
			wantMsg: "invalid input"},
		{name: "failed call event", payload: readEvent(t, "update-user-pool-client-failed.json"),
			want: reconcile.Skipped, wantMsg: "InvalidParameterException"},
		{name: "another service's event", payload: readEvent(t, "other-service.json"), want: reconcile.Skipped},
		{name: "event from another account", cfg: Config{Common: settings.Common{ExpectedAccount: "210987654321"}},
			payload: readEvent(t, "update-user-pool-client.json"), want: reconcile.Skipped, wantMsg: "another account"},
		{name: "dry run", cfg: Config{Common: settings.Common{DryRun: true}}, payload: manual,
			want: reconcile.Drift, wantMsg: "would remediate"},
	}
	var (
		mu    sync.Mutex
		table strings.Builder
	)
	fmt.Fprintf(&table, "| fault | expected | seen | updates written |\n|---|---|---|---|\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newInProcess(t, tt.baseline, tt.cfg)
			w.emu.ResetCalls()
			if tt.fault != nil {
				tt.fault(w.emu)
			}
			before, _ := w.emu.Client(sample.PoolID, sample.DriftedID)
			body, err := w.h.Invoke(context.Background(), tt.payload)
			res, _ := decodeResult(body)
			expected, seen, text := string(tt.want), string(res.Outcome.Status), res.Reason
			if tt.want == "" {
				expected = fails
			}
			if err != nil {
				seen, text = fails, err.Error()
			}
			writes := w.writes()
			mu.Lock()
			fmt.Fprintf(&table, "| %s | %s | %s | %d |\n", tt.name, expected, seen, writes)
			mu.Unlock()
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
				after, _ := w.emu.Client(sample.PoolID, sample.DriftedID)
				if diff := diff.Diff(before, after, clientCmp...); diff != "" {
					t.Errorf("client changed without a write (-before +after):\n%s", diff)
				}
			}
			if strings.Contains(w.logs.String(), sample.Secret) || strings.Contains(text, sample.Secret) || bytes.Contains(body, []byte(sample.Secret)) {
				t.Errorf("client secret leaked")
			}
		})
	}
	t.Cleanup(func() { t.Logf("fault-injection table:\n%s", table.String()) })
}

func decodeResult(body []byte) (Result, error) {
	var res Result
	if body == nil {
		return res, errors.New("no result")
	}
	return res, json.Unmarshal(body, &res)
}

func fail(op string, n int, errorType string) func(*emulator.Emulator) {
	return func(e *emulator.Emulator) { e.Fail(op, n, errorType) }
}
