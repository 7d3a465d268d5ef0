package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// TestRun starts the server with the sample seed, talks to it with the
// real SDK, then stops it with SIGTERM.
func TestRun(t *testing.T) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-addr", "127.0.0.1:0", "-seed", "testdata/seed.json"}, pw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("startup line %q", line)
	}
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
		BaseEndpoint: aws.String(url),
	}
	ctx := context.Background()
	out, err := cip.NewFromConfig(cfg).DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String("us-east-1_EXAMPLE01"), ClientId: aws.String("6example0client0id0drift01"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.UserPoolClient.ClientName); got != "web-portal" {
		t.Errorf("ClientName = %q, want web-portal", got)
	}
	p, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/cognito-guard/example")})
	if err != nil || aws.ToString(p.Parameter.Value) != "seeded" {
		t.Errorf("seeded parameter: %v %v", p, err)
	}

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop after SIGTERM")
	}
}

func TestRunBadSeed(t *testing.T) {
	if err := run([]string{"-addr", "127.0.0.1:0", "-seed", "testdata/missing.json"}, io.Discard); err == nil {
		t.Error("missing seed file accepted")
	}
}

// TestRunAccounts serves two accounts with -accounts: each has the seed, a change in one is not
// seen in the other, and an unknown key is refused.
func TestRunAccounts(t *testing.T) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run([]string{"-addr", "127.0.0.1:0", "-seed", "testdata/seed.json", "-accounts", "AKIDA=111111111111,AKIDB=222222222222"}, pw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("startup line %q", line)
	}
	client := func(key string) *cip.Client {
		return cip.NewFromConfig(aws.Config{
			Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(key, "secret", ""),
			BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		})
	}
	ctx := context.Background()
	a, b := client("AKIDA"), client("AKIDB")
	created, err := a.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String("us-east-1_EXAMPLE01"), ClientName: aws.String("only-in-a")})
	if err != nil {
		t.Fatal(err)
	}
	count := func(c *cip.Client) int {
		out, err := c.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String("us-east-1_EXAMPLE01"), MaxResults: aws.Int32(60)})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.UserPoolClients)
	}
	if na, nb := count(a), count(b); na != nb+1 {
		t.Errorf("account A lists %d clients, B %d: want A to have B's seeded ones plus %s", na, nb, aws.ToString(created.UserPoolClient.ClientId))
	}
	d, err := b.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_EXAMPLE01")})
	if err != nil || !strings.Contains(aws.ToString(d.UserPool.Arn), ":222222222222:") {
		t.Errorf("account B's pool ARN %v (%v)", d, err)
	}
	if _, err := client("AKIDX").ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)}); err == nil || !strings.Contains(err.Error(), "UnrecognizedClientException") {
		t.Errorf("unknown key: %v", err)
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v after SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop after SIGTERM")
	}
}

func TestRunBadAccounts(t *testing.T) {
	for _, v := range []string{"AKIDA", "AKIDA=1234", "AKIDA=111111111111,AKIDA=222222222222"} {
		if err := run([]string{"-addr", "127.0.0.1:0", "-accounts", v}, io.Discard); err == nil {
			t.Errorf("-accounts %q accepted", v)
		}
	}
}
