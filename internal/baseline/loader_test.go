package baseline

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

const (
	name  = "/cognito-guard/baseline"
	good  = `{"version": 1, "rules": {"EnableTokenRevocation": true}}`
	good2 = `{"version": 1, "rules": {"EnableTokenRevocation": true, "AccessTokenValidity": {"max": "1h"}}}`
)

// setup returns the emulator and a real SSM client talking to it over HTTP.
func setup(t *testing.T) (*emulator.Emulator, *ssm.Client) {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	client := ssm.New(ssm.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "x", ""),
		RetryMaxAttempts: 1,
	})
	return emu, client
}

func gets(emu *emulator.Emulator) int {
	n := 0
	for _, c := range emu.Calls() {
		if c.Op == "GetParameter" {
			n++
		}
	}
	return n
}

func TestLoaderCachesForTTL(t *testing.T) {
	emu, client := setup(t)
	if _, _, err := emu.PutParameter(name, "SecureString", good, "", false); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	l := NewLoader(client, name, time.Minute, func() time.Time { return now })
	ctx := context.Background()

	first, err := l.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if b, err := l.Load(ctx); err != nil || b != first {
			t.Fatalf("warm load: %v, same baseline %v", err, b == first)
		}
	}
	if n := gets(emu); n != 1 {
		t.Errorf("%d GetParameter calls within the TTL, want 1", n)
	}

	// After the TTL: SSM is read again; an unchanged version is not re-parsed.
	now = now.Add(2 * time.Minute)
	if b, err := l.Load(ctx); err != nil || b != first {
		t.Fatalf("reload of the same version: %v, same baseline %v", err, b == first)
	}
	if n := gets(emu); n != 2 {
		t.Errorf("%d GetParameter calls after the TTL, want 2", n)
	}

	// A new version is picked up at the next expiry.
	if _, _, err := emu.PutParameter(name, "SecureString", good2, "", true); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if b, err := l.Load(ctx); err != nil || b == first {
		t.Fatalf("new version: %v, still the old baseline %v", err, b == first)
	}
}

func TestLoaderFailsClosed(t *testing.T) {
	tests := []struct {
		name    string
		value   string // "" leaves the parameter missing
		fault   string
		wantErr string
	}{
		{name: "missing", wantErr: "not found"},
		{name: "invalid", value: `{"version": 1, "rules": {"AccessTokenValidity": {"max": "2d"}}}`,
			wantErr: "rules.AccessTokenValidity.max: 2d exceeds Cognito's limit of 1d"},
		{name: "not JSON", value: `version: 1`, wantErr: "is invalid"},
		{name: "throttled", value: good, fault: "ThrottlingException", wantErr: "ThrottlingException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu, client := setup(t)
			if tt.value != "" {
				if _, _, err := emu.PutParameter(name, "String", tt.value, "", false); err != nil {
					t.Fatal(err)
				}
			}
			if tt.fault != "" {
				emu.Fail("GetParameter", 1, tt.fault)
			}
			l := NewLoader(client, name, time.Hour, nil)
			b, err := l.Load(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Load = %v, %v; want an error containing %q", b, err, tt.wantErr)
			}
			if b != nil {
				t.Errorf("a baseline came back with the error")
			}
			// Errors are not cached: the next Load reads SSM again.
			before := gets(emu)
			_, _ = l.Load(context.Background())
			if gets(emu) != before+1 {
				t.Errorf("a failed load was cached")
			}
		})
	}
}

// TestCurrentReadsTheVersionEveryTime: Current ignores the TTL (one
// GetParameter per call), keeps the parsed baseline while the version is the
// same, and returns the new one as soon as the parameter changes, which Load
// would only see after the TTL.
func TestCurrentReadsTheVersionEveryTime(t *testing.T) {
	emu, client := setup(t)
	if _, _, err := emu.PutParameter(name, "SecureString", good, "", false); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	l := NewLoader(client, name, time.Hour, func() time.Time { return now })
	ctx := context.Background()
	first, err := l.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, v, err := l.Current(ctx)
	if err != nil || b != first || v != 1 || l.Version(first) != 1 {
		t.Fatalf("Current = %p, %d, %v; want the loaded baseline (%p), version 1", b, v, err, first)
	}
	if _, _, err := emu.PutParameter(name, "SecureString", good2, "", true); err != nil {
		t.Fatal(err)
	}
	if b, _ := l.Load(ctx); b != first {
		t.Fatal("Load within the TTL returned a new baseline; the test needs the cached one")
	}
	b, v, err = l.Current(ctx)
	if err != nil || b == first || v != 2 {
		t.Fatalf("after a new version: Current = %p, %d, %v; want a new baseline, version 2", b, v, err)
	}
	if got, _ := l.Load(ctx); got != b {
		t.Error("Load after Current did not return the current baseline")
	}
	if l.Version(first) != 1 || l.Version(b) != 2 {
		t.Errorf("Version = %d, %d, want 1, 2", l.Version(first), l.Version(b))
	}
	if n := gets(emu); n != 3 {
		t.Errorf("%d GetParameter calls, want 3 (one Load, two Current)", n)
	}
}
