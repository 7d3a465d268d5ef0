package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/internal/testkit/waitbound"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fleetSecret is the client secret seeded in testdata/fleet.json; no output
// may contain it.
const fleetSecret = "s3cr3tFleetValue0OnlyForTests0aB1cD2eF3gH4iJ5kL6mN7oP"

// now is the instant of every golden run: the candidate's exemption ends
// in 14 days, warnings.json has one expired and one far-off exemption.
var now = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

// TestMain keeps the developer's AWS setup out of the tests: the SDK reads
// the process environment and shared files besides what run is given.
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			os.Unsetenv(k)
		}
	}
	dir, err := os.MkdirTemp("", "cognito-guard-test")
	if err != nil {
		panic(err)
	}
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	// The golden cases wait on their pacers, not the CPU (waitbound says why).
	waitbound.Raise(8)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

// invoke runs the command in process with env as its whole environment.
func invoke(t *testing.T, clock func() time.Time, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		getenv: func(k string) string { return env[k] },
		now:    clock,
		// Throttling retries back off for seconds by default.
		retryer: func() aws.Retryer { return retry.AddWithMaxBackoffDelay(appclient.Retryer(3)(), time.Millisecond) },
	}
	code := a.main(context.Background(), args)
	r := result{code: code, stdout: out.String(), stderr: errOut.String()}
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, fleetSecret) {
			t.Fatalf("output contains the client secret:\n%s", s)
		}
	}
	return r
}

func fixed() time.Time { return now }

// stepping returns a clock that advances one second per reading.
func stepping() func() time.Time {
	var mu sync.Mutex
	t := now
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// startFleet serves an emulator seeded with testdata/fleet.json and
// returns the environment that points the command at it.
func startFleet(t *testing.T) (*emulator.Emulator, map[string]string) {
	t.Helper()
	emu := emulator.New(emulator.Options{Now: fixed})
	seed, err := os.ReadFile("testdata/fleet.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := emu.Seed(seed); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, map[string]string{
		"AWS_REGION":            "us-east-1",
		"AWS_ACCESS_KEY_ID":     "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_ENDPOINT_URL":      srv.URL,
	}
}

func golden(t *testing.T, name string, args []string, r result) {
	t.Helper()
	got := fmt.Sprintf("$ cognito-guard %s\nexit: %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := diff.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

type cmdCase struct {
	name  string
	args  []string
	stdin string
	// fleet starts the emulator; setup then changes it (faults, SSM).
	fleet bool
	setup func(*emulator.Emulator)
	// env edits the environment (after the fleet's).
	env   func(map[string]string)
	clock func() time.Time
	code  int
}

func runCases(t *testing.T, cases []cmdCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case has its own emulator, pacer and clock
			env := map[string]string{}
			if tc.fleet {
				var emu *emulator.Emulator
				emu, env = startFleet(t)
				if tc.setup != nil {
					tc.setup(emu)
				}
			}
			if tc.env != nil {
				tc.env(env)
			}
			clock := tc.clock
			if clock == nil {
				clock = fixed
			}
			r := invoke(t, clock, env, tc.stdin, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			golden(t, tc.name, tc.args, r)
		})
	}
}

func TestUsage(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "usage_none", args: nil, code: 1},
		{name: "usage_unknown", args: []string{"aply"}, code: 1},
		{name: "usage_help", args: []string{"help"}, code: 0},
	})
}

// run is the entry point main uses; it must wire the same app.
func TestRunEntryPoint(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"validate", "testdata/baselines/current.json"}, strings.NewReader(""), &out, &errOut, func(string) string { return "" })
	if code != 0 || out.String() != "testdata/baselines/current.json: valid\n" {
		t.Errorf("run = %d, %q, %q", code, out.String(), errOut.String())
	}
}

// A fake that fails the test on any request it was not told about.
func strictServer(t *testing.T, routes map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`)
			return
		}
		if strings.HasPrefix(body, "<Error>") {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}
