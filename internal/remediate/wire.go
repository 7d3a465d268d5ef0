package remediate

import (
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognito-guard/cognito-guard/internal/baseline"
	"github.com/cognito-guard/cognito-guard/internal/metrics"
	"github.com/cognito-guard/cognito-guard/internal/notify"
	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// Config is what the remediate function reads from its environment; main
// reads it (settings.Read, AWS_LAMBDA_FUNCTION_NAME) and passes it in.
type Config struct {
	settings.Common
	// FunctionName is AWS_LAMBDA_FUNCTION_NAME (see Handler.FunctionName).
	FunctionName string
}

// New wires the handler the one way functions/remediate, the tests and the
// benchmarks use: Cognito and SSM clients from awsCfg (its retryer, its
// endpoint), the baseline loader, the reconciler, and the outputs: EMF
// metrics on stdout, plus EventBridge and SNS when configured. Security
// Hub is the audit's (notify.FromSettings says why).
func New(cfg Config, awsCfg aws.Config, stdout io.Writer, log *slog.Logger) *Handler {
	out := outputs.New(log).Add("metrics", metrics.New(stdout, cfg.MetricsNamespace, metrics.FunctionRemediate, nil).WithLevel(cfg.LambdaLogLevel))
	if opt, on := notify.FromSettings(awsCfg, cfg.Common, metrics.FunctionRemediate); on {
		out.Add("notify", notify.New(opt))
	}
	return &Handler{
		Baselines: baseline.NewLoader(ssm.NewFromConfig(awsCfg), cfg.BaselineParameter, cfg.BaselineTTL, nil),
		Reconciler: &reconcile.Reconciler{
			Clients: appclient.New(cognitoidentityprovider.NewFromConfig(awsCfg)),
			DryRun:  cfg.DryRun,
			Log:     log,
		},
		ExpectedAccount: cfg.ExpectedAccount,
		DryRun:          cfg.DryRun,
		FunctionName:    cfg.FunctionName,
		Log:             log,
		Outputs:         out,
	}
}
