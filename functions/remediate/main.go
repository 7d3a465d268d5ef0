// Command remediate is the remediate Lambda function. It only wires: read
// the environment, build the AWS configuration and the handler
// (remediate.New), start the runtime.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognito-guard/cognito-guard/internal/awsenv"
	"github.com/cognito-guard/cognito-guard/internal/batch"
	"github.com/cognito-guard/cognito-guard/internal/logging"
	"github.com/cognito-guard/cognito-guard/internal/remediate"
	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/internal/trigger"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// maxAttempts per Cognito or SSM call, backoff and jitter by the SDK's
// standard retryer. What still fails returns an error, so Lambda retries
// the event and then keeps it in the on-failure queue.
const maxAttempts = 5

func main() {
	r := settings.NewReader(os.Getenv)
	cfg := remediate.Config{Common: settings.Read(r)}
	// Pacing: the function's share of Cognito's quotas (REMEDIATE_RATE of
	// the 15 reads and 15 updates per second, REMEDIATE_POOL_RATE of each
	// pool's 5), divided among REMEDIATE_MAX_CONCURRENCY containers.
	limits, err := remediate.Share(r.Float("REMEDIATE_RATE", remediate.DefaultRate), r.Float("REMEDIATE_POOL_RATE", remediate.DefaultPoolRate),
		r.Float("REMEDIATE_MAX_CONCURRENCY", remediate.DefaultMaxConcurrency))
	if err != nil {
		r.Fail(fmt.Errorf("REMEDIATE_RATE, REMEDIATE_POOL_RATE, REMEDIATE_MAX_CONCURRENCY: %w", err))
	}
	cfg.Limits = limits
	log := logging.New(os.Stdout, cfg.LogLevel)
	h, err := build(cfg, r.Err(), os.Stdout, log)
	if err != nil {
		// Fail every invocation with the reason rather than exit: the event
		// is kept for redrive and the reason is in the result and the log.
		log.Error("configuration error", "error", err.Error())
		lambda.Start(func(context.Context) error { return err })
		return
	}
	// A lambda.Handler: SQS batches from the event source mapping go to the
	// batch handler (one reconcile per client, partial batch responses);
	// a direct EventBridge event, the manual payload or an on-failure
	// record go to the single handler.
	lambda.Start(batch.Router{Single: h, Batch: &batch.Handler{Single: h, Own: h.Own, Log: log}})
}

func build(cfg remediate.Config, envErr error, stdout io.Writer, log *slog.Logger) (*remediate.Handler, error) {
	if envErr != nil {
		return nil, fmt.Errorf("remediate configuration: %w", envErr)
	}
	// Our own updates are recognised by the execution role, never by the
	// session name; without it a write could answer its own event forever.
	role, err := trigger.RoleARN(os.Getenv("EXECUTION_ROLE_ARN"))
	if err != nil {
		return nil, fmt.Errorf("remediate configuration: EXECUTION_ROLE_ARN: %w", err)
	}
	cfg.ExecutionRoleARN = role
	awsCfg, err := awsenv.Load(os.Getenv, appclient.Retryer(maxAttempts))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return remediate.New(cfg, awsCfg, stdout, log)
}
