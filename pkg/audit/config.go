package audit

import (
	"fmt"
	"strconv"
	"time"
)

// Config is the audit function's environment (DESIGN.md, README).
type Config struct {
	BaselineParameter string        // BASELINE_PARAMETER, required
	BaselineTTL       time.Duration // BASELINE_CACHE_TTL, default 5m
	// Enforce (AUDIT_ENFORCE, default false) lets the audit write; DryRun
	// (DRY_RUN, default false) forbids every write, whatever Enforce says.
	Enforce          bool
	DryRun           bool
	LogLevel         string // LOG_LEVEL
	ExpectedAccount  string // EXPECTED_ACCOUNT_ID
	MetricsNamespace string // METRICS_NAMESPACE
	NotifyEventBus   string // NOTIFY_EVENT_BUS
	NotifyTopicARN   string // NOTIFY_TOPIC_ARN
	SecurityHub      bool   // SECURITY_HUB
	// Limits: AUDIT_RATE (default 5, at most 15) is the share of both the
	// UserPoolClientRead and the UserPoolClientUpdate account budgets;
	// AUDIT_POOL_RATE (default 5, at most 5) caps each operation per pool.
	Limits      Limits
	Concurrency int           // AUDIT_CONCURRENCY, default 4
	Clients     ClientList    // AUDIT_REPORT_CLIENTS: all (default), attention, none
	Margin      time.Duration // AUDIT_DEADLINE_MARGIN, default 10s
}

// Writes reports whether the audit may write to Cognito: only when
// enforcing and not a dry run.
func (c Config) Writes() bool { return c.Enforce && !c.DryRun }

// ConfigFromEnv reads the configuration through getenv (os.Getenv).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	e := envReader{getenv: getenv}
	c := Config{
		BaselineParameter: getenv("BASELINE_PARAMETER"),
		BaselineTTL:       e.duration("BASELINE_CACHE_TTL", 5*time.Minute),
		Enforce:           e.bool("AUDIT_ENFORCE", false),
		DryRun:            e.bool("DRY_RUN", false),
		LogLevel:          getenv("LOG_LEVEL"),
		ExpectedAccount:   getenv("EXPECTED_ACCOUNT_ID"),
		MetricsNamespace:  getenv("METRICS_NAMESPACE"),
		NotifyEventBus:    getenv("NOTIFY_EVENT_BUS"),
		NotifyTopicARN:    getenv("NOTIFY_TOPIC_ARN"),
		SecurityHub:       e.bool("SECURITY_HUB", false),
		Concurrency:       e.int("AUDIT_CONCURRENCY", 4),
		Clients:           ClientList(getenv("AUDIT_REPORT_CLIENTS")),
		Margin:            e.duration("AUDIT_DEADLINE_MARGIN", 10*time.Second),
	}
	rate := e.float("AUDIT_RATE", DefaultLimits.Read)
	c.Limits = Limits{Read: rate, Update: rate, Pool: e.float("AUDIT_POOL_RATE", DefaultLimits.Pool), ListPools: DefaultLimits.ListPools}
	if c.BaselineParameter == "" {
		e.errs = append(e.errs, fmt.Errorf("BASELINE_PARAMETER is not set"))
	}
	if err := c.Limits.validate(); err != nil {
		e.errs = append(e.errs, fmt.Errorf("AUDIT_RATE/AUDIT_POOL_RATE: %w", err))
	}
	if c.Concurrency < 1 || c.Concurrency > 100 {
		e.errs = append(e.errs, fmt.Errorf("AUDIT_CONCURRENCY=%d: want 1 to 100", c.Concurrency))
	}
	switch c.Clients {
	case "":
		c.Clients = ClientsAll
	case ClientsAll, ClientsAttention, ClientsNone:
	default:
		e.errs = append(e.errs, fmt.Errorf("AUDIT_REPORT_CLIENTS=%q: want all, attention or none", c.Clients))
	}
	if len(e.errs) > 0 {
		return Config{}, fmt.Errorf("audit configuration: %w", joinErrs(e.errs))
	}
	return c, nil
}

type envReader struct {
	getenv func(string) string
	errs   []error
}

func (e *envReader) bool(name string, def bool) bool {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want true or false", name, v))
	}
	return b
}

func (e *envReader) duration(name string, def time.Duration) time.Duration {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a duration such as 10s", name, v))
	}
	return d
}

func (e *envReader) int(name string, def int) int {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number", name, v))
	}
	return n
}

func (e *envReader) float(name string, def float64) float64 {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a number of requests per second", name, v))
	}
	return f
}

func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msg := errs[0].Error()
	for _, e := range errs[1:] {
		msg += "; " + e.Error()
	}
	return fmt.Errorf("%s", msg)
}
