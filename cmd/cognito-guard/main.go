// Command cognito-guard is the tool for the people who write baselines:
// check a baseline before it is stored, preview what it would change on the
// live fleet, render audit reports, and compare two baselines.
//
//	cognito-guard validate [--strict] [--json] FILE...
//	cognito-guard plan --baseline FILE [--current FILE | --current-parameter NAME]
//	                   [--pools ID,...] [--rate N] [--detailed-exitcode] [--json] [-q]
//	cognito-guard report [--format html|csv|md|jsonl] [-o OUT] FILE|s3://BUCKET/KEY|-
//	cognito-guard diff [--fleet] [--json] OLD NEW
//
// It uses the same policy engine (pkg/policy), Cognito adapter
// (pkg/appclient), pacer and report renderer (internal/report) as the Lambda
// functions, the standard AWS credential chain, Region and AWS_ENDPOINT_URL.
// plan and diff --fleet only read: ListUserPools, ListUserPoolClients,
// DescribeUserPoolClient, and ssm:GetParameter for --current-parameter.
//
// Exit status: 0 success, 1 an error (or, for validate --strict, a
// warning), 2 for plan --detailed-exitcode when the candidate changes
// something.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := (&app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, now: time.Now}).main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run is the whole command with its surroundings passed in, so tests run it
// in process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	return (&app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: env, now: time.Now}).main(context.Background(), args)
}

// app is one invocation. now is the clock for exemption expiry and
// progress estimates; tests fix it.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	// retryer builds the AWS SDK retryer; nil means appclient.Retryer
	// with maxAttempts. Tests shorten its backoff.
	retryer func() aws.Retryer
}

const usage = `cognito-guard: check, preview and report Cognito app-client baselines

Usage:
  cognito-guard validate [--strict] [--json] FILE...
  cognito-guard plan --baseline FILE [--current FILE | --current-parameter NAME]
                     [--pools ID,...] [--rate N] [--detailed-exitcode] [--json] [-q]
  cognito-guard report [--format html|csv|md|jsonl] [-o OUT] FILE|s3://BUCKET/KEY|-
  cognito-guard diff [--fleet [--pools ID,...] [--rate N]] [--json] OLD NEW

Run "cognito-guard COMMAND -h" for a command's flags.
`

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan --detailed-exitcode
)

func (a *app) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(a.stderr, usage)
		return exitError
	}
	cmds := map[string]func(context.Context, []string) int{
		"validate": a.validate,
		"plan":     a.plan,
		"report":   a.report,
		"diff":     a.diff,
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(a.stderr, "cognito-guard: unknown command %q\n\n%s", args[0], usage)
		return exitError
	}
	return cmd(ctx, args[1:])
}

// fail prints an error for the command and returns exitError.
func (a *app) fail(cmd string, err error) int {
	fmt.Fprintf(a.stderr, "cognito-guard %s: %v\n", cmd, err)
	return exitError
}
