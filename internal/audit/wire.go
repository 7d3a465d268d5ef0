package audit

import (
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/middleware"

	"github.com/cognito-guard/cognito-guard/internal/baseline"
	"github.com/cognito-guard/cognito-guard/internal/metrics"
	"github.com/cognito-guard/cognito-guard/internal/notify"
	"github.com/cognito-guard/cognito-guard/internal/notify/hub"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/s3object"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// New wires a Sweeper the one way functions/audit, the tests and
// cmd/auditbench use: a Cognito client from awsCfg (its retryer, its
// endpoint) with the pacer installed for cfg.Limits, the SSM baseline
// loader, the reconciler (writing only when cfg.Writes()), and the outputs:
// EMF metrics on stdout, EventBridge and SNS when configured, Security Hub
// when cfg.SecurityHub; and the S3 report when cfg.ReportBucket is set.
// The Sweeper's Meter is the pacer.
func New(cfg Config, awsCfg aws.Config, stdout io.Writer, log *slog.Logger) (*Sweeper, error) {
	var meter Meter
	var pace []func(*middleware.Stack) error
	if !cfg.Unpaced {
		pacer, err := appclient.NewPacer(cfg.Limits, nil)
		if err != nil {
			return nil, err
		}
		meter, pace = pacer, []func(*middleware.Stack) error{pacer.AddTo}
	}
	cognito := cognitoidentityprovider.NewFromConfig(awsCfg, func(o *cognitoidentityprovider.Options) {
		o.APIOptions = append(o.APIOptions, pace...)
	})
	clients := appclient.New(cognito)
	dryRun := !cfg.Writes()
	out := outputs.New(log).Add("metrics", metrics.New(stdout, cfg.MetricsNamespace, metrics.FunctionAudit, nil).WithLevel(cfg.LambdaLogLevel))
	// Security Hub only from the audit: each sweep sees every client, so
	// it can resolve findings as well as raise them.
	opt, on := notify.FromSettings(awsCfg, cfg.Common, metrics.FunctionAudit)
	if cfg.SecurityHub {
		sh := hub.NewClient(awsCfg) // signed HTTP requests, not the SDK's Security Hub client
		opt.SecurityHub, on = hub.New(hub.Options{SecurityHub: sh, Findings: sh, Workflow: sh}), true
	}
	if on {
		notify.New(opt).AddTo(out)
	}
	var reports *ReportWriter
	if cfg.ReportBucket != "" {
		reports = &ReportWriter{Store: s3object.New(awsCfg, cfg.ReportBucket, cfg.ReportEndpoint), Bucket: cfg.ReportBucket}
	}
	baselines := baseline.NewLoader(ssm.NewFromConfig(awsCfg), cfg.BaselineParameter, cfg.BaselineTTL, nil)
	list := cfg.Clients
	if list == "" {
		list = defaultClients(cfg.ReportBucket)
	}
	return &Sweeper{
		Baselines:   baselines,
		Lister:      clients,
		Reconciler:  &reconcile.Reconciler{Clients: clients, DryRun: dryRun, Log: log, Baselines: baselines},
		DryRun:      dryRun,
		Concurrency: cfg.Concurrency,
		Margin:      cfg.Margin,
		Clients:     list,
		Meter:       meter,
		Outputs:     out,
		Reports:     reports,
		Log:         log,
	}, nil
}
