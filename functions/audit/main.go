// Command audit is the audit Lambda function. It only wires: read the
// environment, build the AWS clients (the Cognito one with the audit's
// pacer), the sweeper, and start the runtime. The sweep lives in internal/audit.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognito-guard/cognito-guard/internal/audit"
	"github.com/cognito-guard/cognito-guard/internal/baseline"
	"github.com/cognito-guard/cognito-guard/internal/logging"
	"github.com/cognito-guard/cognito-guard/internal/metrics"
	"github.com/cognito-guard/cognito-guard/internal/notify"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// maxAttempts per Cognito call. The pacer spaces the attempts, so a
// throttled call is retried at the pace Cognito allows; what still fails
// is retried by the sweeper later in the run or left in the cursor.
const maxAttempts = 6

func main() {
	log := logging.New(os.Stdout, settings.LogLevel(os.Getenv))
	s, err := build(context.Background(), log)
	if err != nil {
		// A configuration error: fail every invocation with the reason.
		log.Error("configuration error", "error", err.Error())
		lambda.Start(func(context.Context) error { return err })
		return
	}
	lambda.Start(s.Handle)
}

func build(ctx context.Context, log *slog.Logger) (*audit.Sweeper, error) {
	cfg, err := audit.ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRetryer(appclient.Retryer(maxAttempts)))
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	pacer, err := audit.NewPacer(cfg.Limits)
	if err != nil {
		return nil, err
	}
	cognito := cognitoidentityprovider.NewFromConfig(awsCfg, func(o *cognitoidentityprovider.Options) {
		o.APIOptions = append(o.APIOptions, pacer.AddTo)
	})
	clients := appclient.New(cognito)
	dryRun := !cfg.Writes()
	baselines := baseline.NewLoader(ssm.NewFromConfig(awsCfg), cfg.BaselineParameter, cfg.BaselineTTL, nil)
	s := &audit.Sweeper{
		Baselines:   baselines,
		Lister:      clients,
		Reconciler:  &reconcile.Reconciler{Clients: clients, DryRun: dryRun, Log: log, Baselines: baselines},
		DryRun:      dryRun,
		Concurrency: cfg.Concurrency,
		Margin:      cfg.Margin,
		Clients:     cfg.Clients,
		Meter:       pacer,
		Metrics:     metrics.New(os.Stdout, cfg.MetricsNamespace, "audit", nil),
		Log:         log,
	}
	// Security Hub only from the audit: each sweep sees every client, so
	// it can resolve findings as well as raise them.
	opt, on := notify.FromSettings(awsCfg, cfg.Common, "audit")
	if cfg.SecurityHub {
		hub := securityhub.NewFromConfig(awsCfg)
		opt.SecurityHub, opt.Findings, on = hub, hub, true
	}
	if on {
		s.Notify = notify.New(opt)
	}
	return s, nil
}
