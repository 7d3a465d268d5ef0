package remediate

import (
	"fmt"
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
// reads it (settings.Read, EXECUTION_ROLE_ARN, REMEDIATE_*) and passes it in.
type Config struct {
	settings.Common
	// ExecutionRoleARN is EXECUTION_ROLE_ARN (see Handler.ExecutionRoleARN).
	ExecutionRoleARN string
	// Limits paces this container's Cognito calls (its share of the
	// account's quotas divided by the event source mapping's maximum
	// concurrency); zero Limits means no pacing.
	Limits appclient.Limits
}

// New wires the handler the one way functions/remediate, the tests and the
// benchmarks use: Cognito and SSM clients from awsCfg (its retryer, its
// endpoint), the baseline loader, the reconciler, and the outputs: EMF
// metrics on stdout, plus EventBridge and SNS when configured. Security
// Hub is the audit's (notify.FromSettings says why).
func New(cfg Config, awsCfg aws.Config, stdout io.Writer, log *slog.Logger) (*Handler, error) {
	out := outputs.New(log).Add("metrics", metrics.New(stdout, cfg.MetricsNamespace, metrics.FunctionRemediate, nil).WithLevel(cfg.LambdaLogLevel))
	if opt, on := notify.FromSettings(awsCfg, cfg.Common, metrics.FunctionRemediate); on {
		notify.New(opt).AddTo(out)
	}
	baselines := baseline.NewLoader(ssm.NewFromConfig(awsCfg), cfg.BaselineParameter, cfg.BaselineTTL, nil)
	var optFns []func(*cognitoidentityprovider.Options)
	if cfg.Limits != (appclient.Limits{}) {
		pacer, err := appclient.NewPacer(cfg.Limits, nil)
		if err != nil {
			return nil, fmt.Errorf("remediate pacing: %w", err)
		}
		optFns = append(optFns, func(o *cognitoidentityprovider.Options) { o.APIOptions = append(o.APIOptions, pacer.AddTo) })
	}
	return &Handler{
		Baselines: baselines,
		Reconciler: &reconcile.Reconciler{
			Clients:   appclient.New(cognitoidentityprovider.NewFromConfig(awsCfg, optFns...)),
			DryRun:    cfg.DryRun,
			Log:       log,
			Baselines: baselines, // the version is checked before each write
		},
		ExpectedAccount:  cfg.ExpectedAccount,
		DryRun:           cfg.DryRun,
		ExecutionRoleARN: cfg.ExecutionRoleARN,
		Log:              log,
		Outputs:          out,
	}, nil
}

// The defaults of REMEDIATE_RATE, REMEDIATE_POOL_RATE and
// REMEDIATE_MAX_CONCURRENCY, as template.yaml's RemediateRate,
// RemediatePoolRate and RemediateMaxConcurrency: 5 of the account's 15
// reads (and updates) per second, 2 of a pool's 5 (3 left to others on
// that pool), over Lambda's minimum of 2 concurrent batches.
const (
	DefaultRate           = 5
	DefaultPoolRate       = 2
	DefaultMaxConcurrency = 2
)

// Share is the pacing of one container when the function as a whole may use
// rate requests per second of Cognito's read budget and of its update budget
// (each 15 per account) and poolRate per pool (5 per pool), spread over
// concurrency containers: the event source mapping's maximum concurrency.
func Share(rate, poolRate, concurrency float64) (appclient.Limits, error) {
	switch {
	case !(concurrency >= 1):
		return appclient.Limits{}, fmt.Errorf("maximum concurrency %v: want at least 1", concurrency)
	case !(rate > 0 && rate <= appclient.AccountRPS):
		return appclient.Limits{}, fmt.Errorf("rate %v: want more than 0 and at most %d requests per second", rate, appclient.AccountRPS)
	case !(poolRate > 0 && poolRate <= appclient.PoolRPS):
		return appclient.Limits{}, fmt.Errorf("pool rate %v: want more than 0 and at most %d requests per second", poolRate, appclient.PoolRPS)
	}
	l := appclient.Limits{Read: rate / concurrency, Update: rate / concurrency, Pool: poolRate / concurrency, ListPools: appclient.DefaultLimits.ListPools}
	return l, l.Validate()
}
