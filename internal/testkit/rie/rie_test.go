package rie

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

const echoPkg = "./internal/testkit/rie/testdata/echo"

// leakCheck is a variable of the test process (TestMain sets it) that must not reach a function:
// Start's environment is explicit. Set for the whole process rather than with t.Setenv, which
// would keep TestInvoke from running beside the other tests.
const leakCheck = "LAMBDATEST_LEAK_CHECK"

func TestMain(m *testing.M) {
	if err := os.Setenv(leakCheck, "leaked"); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func TestInvoke(t *testing.T) {
	t.Parallel() // its own RIE
	if os.Getenv(leakCheck) != "leaked" {
		t.Fatalf("%s is not set in the test process: the leak check below would prove nothing", leakCheck)
	}
	f := Start(t, Build(t, echoPkg), map[string]string{
		"GREETING":                 "hello",
		"LOG_LEVEL":                "DEBUG", // the function's, not the RIE's: Start passes --log-level
		"AWS_LAMBDA_FUNCTION_NAME": "remediate",
	})

	tests := []struct {
		name    string
		payload string
		want    string
		wantErr *FunctionError
	}{
		{name: "echo object", payload: `{"echo":{"a":[1,2],"b":"c"}}`, want: `{"a":[1,2],"b":"c"}`},
		{name: "echo string", payload: `{"echo":"x"}`, want: `"x"`},
		{name: "env from Start", payload: `{"env":"GREETING"}`, want: `"hello"`},
		{name: "env override of an RIE default", payload: `{"env":"AWS_LAMBDA_FUNCTION_NAME"}`, want: `"remediate"`},
		{name: "LOG_LEVEL reaches the function", payload: `{"env":"LOG_LEVEL"}`, want: `"DEBUG"`},
		{name: "IMDS disabled by default", payload: `{"env":"AWS_EC2_METADATA_DISABLED"}`, want: `"true"`},
		{name: "test process env not inherited", payload: `{"env":"` + leakCheck + `"}`, want: `""`},
		{name: "RIE does not inject AWS_LAMBDA_FUNCTION_TIMEOUT", payload: `{"env":"AWS_LAMBDA_FUNCTION_TIMEOUT"}`, want: `""`},
		{
			name:    "handler error",
			payload: `{"error":"boom"}`,
			want:    `{"errorMessage":"boom","errorType":"errorString"}`,
			wantErr: &FunctionError{Status: 200, Type: "errorString", Message: "boom"},
		},
		{
			name:    "malformed payload",
			payload: `not json`,
			want:    `{"errorMessage":"invalid character 'o' in literal null (expecting 'u')","errorType":"SyntaxError"}`,
			wantErr: &FunctionError{Status: 200, Type: "SyntaxError", Message: "invalid character 'o' in literal null (expecting 'u')"},
		},
		{
			name:    "a result shaped almost like an error is a result",
			payload: `{"echo":{"errorType":"x","errorMessage":"y","outcome":"failed"}}`,
			want:    `{"errorType":"x","errorMessage":"y","outcome":"failed"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.Invoke(context.Background(), []byte(tt.payload))
			if diff := diff.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Invoke(%s) body mismatch (-want +got):\n%s", tt.payload, diff)
			}
			var fe *FunctionError
			if err != nil && !errors.As(err, &fe) {
				t.Fatalf("Invoke(%s) error = %v, want a *FunctionError or nil", tt.payload, err)
			}
			if diff := diff.Diff(tt.wantErr, fe); diff != "" {
				t.Errorf("Invoke(%s) error mismatch (-want +got):\n%s", tt.payload, diff)
			}
		})
	}

	t.Run("large response is not truncated", func(t *testing.T) {
		got, err := f.Invoke(context.Background(), []byte(`{"repeat":"ab","times":500000}`))
		if err != nil {
			t.Fatal(err)
		}
		var s string
		if err := json.Unmarshal(got, &s); err != nil {
			t.Fatalf("response is not a JSON string: %v", err)
		}
		if want := strings.Repeat("ab", 500000); s != want {
			t.Errorf("got %d characters, want %d", len(s), len(want))
		}
	})
}

func TestLogs(t *testing.T) {
	t.Parallel() // its own RIE
	f := Start(t, Build(t, echoPkg), nil)
	if _, err := f.Invoke(context.Background(), []byte(`{"log":"marker-7f3a"}`)); err != nil {
		t.Fatal(err)
	}
	logs := f.Logs()
	for _, want := range []string{"stdout: marker-7f3a\n", "stderr: marker-7f3a\n", "START RequestId: ", "REPORT RequestId: "} {
		if !strings.Contains(logs, want) {
			t.Errorf("Logs() lacks %q; logs:\n%s", want, logs)
		}
	}
	if strings.Contains(f.RIELogs(), "marker-7f3a") {
		t.Errorf("function output reached the RIE's own diagnostics:\n%s", f.RIELogs())
	}
}

func TestCrashAndTimeoutRecover(t *testing.T) {
	t.Parallel() // its own RIE
	f := Start(t, Build(t, echoPkg), map[string]string{"AWS_LAMBDA_FUNCTION_TIMEOUT": "1"})
	ctx := context.Background()

	steps := []struct {
		name     string
		payload  string
		wantType string // "" means success
		status   int
	}{
		{name: "deadline from AWS_LAMBDA_FUNCTION_TIMEOUT", payload: `{"deadline":true}`},
		{name: "crash", payload: `{"exit":3}`, wantType: "Runtime.ExitError", status: 502},
		{name: "next invoke restarts the runtime", payload: `{"echo":1}`},
		{name: "timeout", payload: `{"sleepMillis":1500}`, wantType: "Sandbox.Timedout", status: 200},
		{name: "next invoke after timeout", payload: `{"echo":2}`},
	}
	for _, s := range steps {
		_, err := f.Invoke(ctx, []byte(s.payload))
		var fe *FunctionError
		switch {
		case s.wantType == "" && err != nil:
			t.Errorf("%s: Invoke = %v, want success", s.name, err)
		case s.wantType != "" && !errors.As(err, &fe):
			t.Errorf("%s: Invoke error = %v, want *FunctionError %s", s.name, err, s.wantType)
		case s.wantType != "":
			if diff := diff.Diff([]any{s.wantType, s.status}, []any{fe.Type, fe.Status}); diff != "" {
				t.Errorf("%s: (-want +got):\n%s", s.name, diff)
			}
		}
	}
}

func TestConcurrentInvokesAreSerialised(t *testing.T) {
	t.Parallel() // its own RIE
	f := Start(t, Build(t, echoPkg), nil)
	const n = 4
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := f.Invoke(context.Background(), fmt.Appendf(nil, `{"echo":%d}`, i))
			got[i], errs[i] = string(b), err
		}()
	}
	wg.Wait()
	if diff := diff.Diff([]string{"0", "1", "2", "3"}, got); diff != "" {
		t.Errorf("responses (-want +got):\n%s", diff)
	}
	if err := errors.Join(errs...); err != nil {
		t.Errorf("concurrent invokes: %v", err)
	}
	if got, want := len(f.Latencies()), n; got != want {
		t.Errorf("len(Latencies()) = %d, want %d", got, want)
	}
	reports := f.Reports()
	ids := map[string]bool{}
	for _, r := range reports {
		ids[r.RequestID] = true
	}
	if len(reports) != n || len(ids) != n {
		t.Errorf("Reports() = %+v, want %d with distinct request IDs", reports, n)
	}
	if f.ColdStart() <= 0 || f.ColdStart() < f.Latencies()[0] {
		t.Errorf("ColdStart() = %v, want > 0 and >= the first invoke's latency %v", f.ColdStart(), f.Latencies()[0])
	}
}

func TestStopKillsBootstrap(t *testing.T) {
	t.Parallel() // its own RIE
	f := Start(t, Build(t, echoPkg), nil)
	if f.ColdStart() != 0 {
		t.Fatalf("ColdStart() = %v before any invoke, want 0", f.ColdStart())
	}
	if _, err := f.Invoke(context.Background(), []byte(`{"echo":1}`)); err != nil {
		t.Fatal(err)
	}
	children := childPIDs(f.cmd.Process.Pid)
	if len(children) != 1 {
		t.Fatalf("RIE children = %v, want exactly the bootstrap", children)
	}
	f.Stop()
	f.Stop() // idempotent
	deadline := time.Now().Add(5 * time.Second)
	for alive(children[0]) {
		if time.Now().After(deadline) {
			t.Fatalf("bootstrap pid %d still running after Stop", children[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := f.Invoke(context.Background(), []byte(`{"echo":1}`)); err == nil {
		t.Errorf("Invoke after Stop succeeded, want an error")
	}
}

// alive reports whether pid exists and is not a zombie (a container's PID 1 may never reap it).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && !strings.HasPrefix(s[i+1:], " Z") && !strings.HasPrefix(s[i+1:], " X")
}

func TestFunctionError(t *testing.T) {
	t.Parallel() // its own RIE
	tests := []struct {
		name   string
		status int
		body   string
		want   *FunctionError
	}{
		{"handler error", 200, `{"errorMessage":"m","errorType":"t"}`, &FunctionError{200, "t", "m"}},
		{"with stack trace", 200, `{"errorMessage":"m","errorType":"t","stackTrace":[]}`, &FunctionError{200, "t", "m"}},
		{"crash", 502, `{"errorType":"Runtime.ExitError","errorMessage":"x"}`, &FunctionError{502, "Runtime.ExitError", "x"}},
		{"timeout", 200, `Task timed out after 1.00 seconds`, &FunctionError{200, "Sandbox.Timedout", "Task timed out after 1.00 seconds"}},
		{"result with more fields", 200, `{"errorMessage":"m","errorType":"t","clientId":"c"}`, nil},
		{"errorType not a string", 200, `{"errorMessage":"m","errorType":1}`, nil},
		{"empty errorType", 200, `{"errorMessage":"m","errorType":""}`, nil},
		{"plain result", 200, `{"outcome":"compliant"}`, nil},
		{"JSON string", 200, `"Task timed out after 1.00 seconds"`, nil},
		{"not JSON", 400, ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := diff.Diff(tt.want, functionError(tt.status, []byte(tt.body))); diff != "" {
				t.Errorf("functionError(%d, %s) (-want +got):\n%s", tt.status, tt.body, diff)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3}, 3},
		{[]time.Duration{5, 1, 3}, 3},
		{[]time.Duration{4, 1, 3, 2}, 2},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// BenchmarkColdStart measures RIE process start to the first response of the echo bootstrap: the
// floor under any function's cold start on this machine.
func BenchmarkColdStart(b *testing.B) {
	bootstrap := Build(b, echoPkg)
	var all []time.Duration
	for b.Loop() {
		all = append(all, MeasureColdStart(b, bootstrap, nil, []byte(`{"echo":1}`)))
	}
	b.ReportMetric(float64(Median(all))/float64(time.Millisecond), "median-ms")
}

// BenchmarkWarmInvoke measures one warm round trip through the RIE.
func BenchmarkWarmInvoke(b *testing.B) {
	f := Start(b, Build(b, echoPkg), nil)
	payload := []byte(`{"echo":{"userPoolId":"us-east-1_EXAMPLE01","clientId":"6example0client0id0clean01"}}`)
	if _, err := f.Invoke(context.Background(), payload); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := f.Invoke(context.Background(), payload); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(Median(f.Latencies()[1:]))/float64(time.Millisecond), "median-ms")
}

func TestBuildRebuildsAVanishedBinary(t *testing.T) {
	t.Parallel()
	const vanishPkg = "./internal/testkit/rie/testdata/vanish"
	first := Build(t, vanishPkg)
	if err := os.Remove(first); err != nil {
		t.Fatal(err)
	}
	second := Build(t, vanishPkg)
	if second != first {
		t.Errorf("Build path changed from %s to %s", first, second)
	}
	if _, err := os.Stat(second); err != nil {
		t.Errorf("Build did not rebuild the removed binary: %v", err)
	}
}

func TestBootstrapPeakRSS(t *testing.T) {
	t.Parallel() // its own RIE
	f := Start(t, Build(t, echoPkg), nil)
	if _, err := f.BootstrapPeakRSS(); err == nil {
		t.Error("a peak RSS before the first invoke, when the RIE has not started the bootstrap yet")
	}
	if _, err := f.Invoke(context.Background(), []byte(`{"repeat":"x","times":4000000}`)); err != nil {
		t.Fatal(err)
	}
	rss, err := f.BootstrapPeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	// The echo bootstrap built a 4 MB string and marshalled it: its peak holds at least that.
	if rss < 4<<20 || rss > 1<<30 {
		t.Errorf("bootstrap peak RSS %d B, want at least the 4 MB response and less than 1 GB", rss)
	}
}
