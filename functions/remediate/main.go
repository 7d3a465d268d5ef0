// Command remediate is the remediate Lambda function. It only wires: read
// the environment, build the AWS clients and the handler, start the runtime.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/baseline"
	"github.com/cognito-guard/cognito-guard/pkg/logging"
	"github.com/cognito-guard/cognito-guard/pkg/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/remediate"
)

func main() {
	log := logging.New(os.Stdout, envOr("LOG_LEVEL", os.Getenv("AWS_LAMBDA_LOG_LEVEL")))
	h, err := build(context.Background(), log)
	if err != nil {
		// A configuration error: fail every invocation with the reason
		// rather than exiting, so the event is kept and the reason shows.
		log.Error("configuration error", "error", err.Error())
		lambda.Start(func(context.Context) error { return err })
		return
	}
	lambda.Start(h.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*remediate.Handler, error) {
	param := os.Getenv("BASELINE_PARAMETER")
	if param == "" {
		return nil, fmt.Errorf("BASELINE_PARAMETER is not set")
	}
	dryRun, err := boolEnv("DRY_RUN", false)
	if err != nil {
		return nil, err
	}
	ttl, err := durationEnv("BASELINE_CACHE_TTL", 5*time.Minute)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRetryer(appclient.Retryer(5)))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return &remediate.Handler{
		Baselines: baseline.NewLoader(ssm.NewFromConfig(cfg), param, ttl, nil),
		Reconciler: &reconcile.Reconciler{
			Clients: appclient.New(cognitoidentityprovider.NewFromConfig(cfg)),
			DryRun:  dryRun,
			Log:     log,
		},
		ExpectedAccount: os.Getenv("EXPECTED_ACCOUNT_ID"),
		Log:             log,
	}, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func boolEnv(name string, def bool) (bool, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", name, v)
	}
	return b, nil
}

func durationEnv(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: want a duration such as 5m", name, v)
	}
	return d, nil
}
