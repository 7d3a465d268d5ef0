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
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

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
	log := logging.New(os.Stdout, cfg.LogLevel)
	h, err := build(context.Background(), cfg, r.Err(), os.Stdout, log)
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

// limits reads the pacing of one container: REMEDIATE_RATE requests per
// second of the read and of the update budget (default 5 of Cognito's 15)
// and REMEDIATE_POOL_RATE per pool (default 3 of 5), both for the whole
// function, divided by REMEDIATE_MAX_CONCURRENCY (the event source
// mapping's maximum concurrency, default 2), so that all containers
// together stay within the share.
func limits(getenv func(string) string) (appclient.Limits, error) {
	num := func(name string, def, lo, hi float64) (float64, error) {
		v := getenv(name)
		if v == "" {
			return def, nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < lo || f > hi {
			return 0, fmt.Errorf("%s=%q: want a number from %g to %g", name, v, lo, hi)
		}
		return f, nil
	}
	rate, err := num("REMEDIATE_RATE", 5, 0.1, appclient.AccountRPS)
	if err != nil {
		return appclient.Limits{}, err
	}
	pool, err := num("REMEDIATE_POOL_RATE", 3, 0.1, appclient.PoolRPS)
	if err != nil {
		return appclient.Limits{}, err
	}
	conc, err := num("REMEDIATE_MAX_CONCURRENCY", 2, 1, 1000)
	if err != nil {
		return appclient.Limits{}, err
	}
	return appclient.Limits{Read: rate / conc, Update: rate / conc, Pool: pool / conc, ListPools: appclient.DefaultLimits.ListPools}, nil
}

func build(ctx context.Context, cfg remediate.Config, envErr error, stdout io.Writer, log *slog.Logger) (*remediate.Handler, error) {
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
	if cfg.Limits, err = limits(os.Getenv); err != nil {
		return nil, fmt.Errorf("remediate configuration: %w", err)
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRetryer(appclient.Retryer(maxAttempts)))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return remediate.New(cfg, awsCfg, stdout, log), nil
}
