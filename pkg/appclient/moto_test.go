package appclient_test

import (
	"context"
	"fmt"
	"github.com/cognito-guard/cognito-guard/internal/testkit/python"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// startMoto runs moto_server on a free local port and returns its URL.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not on PATH (pip install 'moto[server]'); skipping the second-opinion wire test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	l.Close()

	argv := []string{bin}
	if filepath.Base(filepath.Dir(bin)) == "shims" { // pyenv's: run its interpreter without the shim
		argv = []string{python.Interpreter(), "-m", "moto.server"}
	}
	cmd := exec.Command(argv[0], append(argv[1:], "-H", "127.0.0.1", "-p", port)...)
	// Its own process group: moto_server may be a pyenv shim in front of
	// python, and the cleanup must end whatever it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not listen on %s within 30s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMoto checks Describe, Update and the list calls over moto's
// implementation of the wire protocol, a second opinion on the emulator's.
// moto merges an update into the stored client instead of replacing it, so
// this test cannot show that Update is lossless; the emulator tests do.
func TestMoto(t *testing.T) {
	t.Parallel() // waits on its own server, not the CPU
	sdk := newSDK(startMoto(t))
	ctx := context.Background()

	pool, err := sdk.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("guard")})
	if err != nil {
		t.Fatal(err)
	}
	pid := aws.ToString(pool.UserPool.Id)
	in := richClient("web-portal")
	in.UserPoolId = aws.String(pid)
	in.AnalyticsConfiguration = nil // moto does not model Pinpoint
	created, err := sdk.CreateUserPoolClient(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	cid := aws.ToString(created.UserPoolClient.ClientId)
	ac := appclient.New(sdk)

	before, err := ac.Describe(ctx, pid, cid)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(before.ClientSecret) != appclient.RedactedSecret {
		t.Errorf("ClientSecret = %q, want it redacted", aws.ToString(before.ClientSecret))
	}
	fixed, err := ac.Describe(ctx, pid, cid)
	if err != nil {
		t.Fatal(err)
	}
	fixed.AccessTokenValidity = aws.Int32(15)
	if _, err := ac.Update(ctx, fixed); err != nil {
		t.Fatalf("Update over moto: %v", err)
	}
	after, err := ac.Describe(ctx, pid, cid)
	if err != nil {
		t.Fatal(err)
	}
	want := before
	want.AccessTokenValidity = aws.Int32(15)
	if diff := cmp.Diff(want, after, sameClient); diff != "" {
		t.Errorf("described after the fix (-want +got):\n%s", diff)
	}

	var pools []string
	if err := ac.PoolPages(ctx, "", func(page []types.UserPoolDescriptionType, _ string) error {
		for _, p := range page {
			pools = append(pools, aws.ToString(p.Id))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pools, pid) {
		t.Errorf("PoolPages = %v, want it to contain %s", pools, pid)
	}
	var clients []string
	if err := ac.ClientPages(ctx, pid, "", func(page []types.UserPoolClientDescription, _ string) error {
		for _, c := range page {
			clients = append(clients, fmt.Sprintf("%s/%s", aws.ToString(c.ClientId), aws.ToString(c.ClientName)))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{cid + "/web-portal"}, clients); diff != "" {
		t.Errorf("ClientPages (-want +got):\n%s", diff)
	}

	if _, err := ac.Describe(ctx, pid, "0000000000000000000000000a"); appclient.Classify(err) != appclient.NotFound {
		t.Errorf("Describe of a missing client: Classify(%v) = %s, want not-found", err, appclient.Classify(err))
	}
}
