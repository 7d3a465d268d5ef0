package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// Config is the audit function's environment (README "Configuration"): the
// settings both functions share, and the audit's own.
type Config struct {
	settings.Common
	// Enforce (AUDIT_ENFORCE, default false) lets the audit write; DryRun
	// (DRY_RUN, in Common) forbids every write, whatever Enforce says.
	Enforce bool
	// Limits: AUDIT_RATE (default 5, at most 15) is the share of both the
	// UserPoolClientRead and the UserPoolClientUpdate account budgets;
	// AUDIT_POOL_RATE (default 5, at most 5) caps each operation per pool.
	Limits      appclient.Limits
	Concurrency int           // AUDIT_CONCURRENCY, default 16
	Clients     ClientList    // AUDIT_REPORT_CLIENTS: attention (default), all, none
	Margin      time.Duration // AUDIT_DEADLINE_MARGIN, default 10s
	// ReportBucket (AUDIT_REPORT_BUCKET) receives each sweep's full report
	// (ReportWriter); empty writes none. ReportEndpoint
	// (AWS_ENDPOINT_URL_S3, the SDK's name for it) points the S3 requests at
	// another server, such as moto_server in tests; empty is the Region's
	// S3 endpoint.
	ReportBucket   string
	ReportEndpoint string
	// Unpaced leaves the pacer out (and Sweeper.Meter nil). Benchmarks
	// only (cmd/auditbench -unpaced measures memory against an emulator
	// without quotas); the environment cannot set it.
	Unpaced bool
}

// Writes reports whether the audit may write to Cognito: only when
// enforcing and not a dry run.
func (c Config) Writes() bool { return c.Enforce && !c.DryRun }

// ConfigFromEnv reads the configuration through getenv (os.Getenv),
// reporting every problem at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	e := settings.NewReader(getenv)
	c := Config{
		Common:         settings.Read(e),
		Enforce:        e.Bool("AUDIT_ENFORCE", false),
		Concurrency:    e.Int("AUDIT_CONCURRENCY", DefaultConcurrency),
		Clients:        ClientList(getenv("AUDIT_REPORT_CLIENTS")),
		Margin:         e.Duration("AUDIT_DEADLINE_MARGIN", 10*time.Second),
		ReportBucket:   strings.TrimSpace(getenv("AUDIT_REPORT_BUCKET")),
		ReportEndpoint: strings.TrimSpace(getenv("AWS_ENDPOINT_URL_S3")),
	}
	rate := e.Float("AUDIT_RATE", appclient.DefaultLimits.Read)
	c.Limits = appclient.Limits{Read: rate, Update: rate, Pool: e.Float("AUDIT_POOL_RATE", appclient.DefaultLimits.Pool), ListPools: appclient.DefaultLimits.ListPools}
	if err := c.Limits.Validate(); err != nil {
		e.Fail(fmt.Errorf("AUDIT_RATE/AUDIT_POOL_RATE: %w", err))
	}
	if c.Concurrency < 1 || c.Concurrency > 100 {
		e.Fail(fmt.Errorf("AUDIT_CONCURRENCY=%d: want 1 to 100", c.Concurrency))
	}
	switch c.Clients {
	case "":
		c.Clients = defaultClients(c.ReportBucket)
	case ClientsAll, ClientsAttention, ClientsNone:
	default:
		e.Fail(fmt.Errorf("AUDIT_REPORT_CLIENTS=%q: want all, attention or none", c.Clients))
	}
	if b := c.ReportBucket; b != "" && !validBucket(b) {
		e.Fail(fmt.Errorf("AUDIT_REPORT_BUCKET=%q: not an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens)", b))
	}
	if err := e.Err(); err != nil {
		return Config{}, fmt.Errorf("audit configuration: %w", err)
	}
	return c, nil
}

// DefaultConcurrency is how many pools a sweep works on at once. Pacing is
// global, so more pools in flight cost no extra requests; enough of them
// keep the account share, not the per-pool cap, the limit to the very last
// pools of a sweep (internal/audit/BENCH.md: 4 left a tail at 89 %, 16 reached 97 %).
const DefaultConcurrency = 16

// validBucket checks the general-purpose bucket naming rules that matter
// for a URL (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 || strings.Contains(b, "..") {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !alnum && (c != '.' && c != '-' || i == 0 || i == len(b)-1) {
			return false
		}
	}
	return true
}

// defaultClients is the ClientList when none is configured: attention, not
// all, because the report is the function's result and a Step Functions
// state holds at most 256 KB; with an S3 report, none: the result is the
// summary and the report's keys.
func defaultClients(bucket string) ClientList {
	if bucket != "" {
		return ClientsNone
	}
	return ClientsAttention
}
