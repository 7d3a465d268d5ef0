// Package settings reads the environment both functions share (the
// README's configuration table). Each function's main reads it and passes
// it to the function's constructor. Every
// problem is reported at once, so a misconfigured deploy shows all its
// mistakes in the first failed invocation.
package settings

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Common is the configuration both functions read.
type Common struct {
	BaselineParameter string        // BASELINE_PARAMETER, required
	BaselineTTL       time.Duration // BASELINE_CACHE_TTL, default 5m
	DryRun            bool          // DRY_RUN, default false
	LogLevel          string        // LOG_LEVEL (or AWS_LAMBDA_LOG_LEVEL)
	LambdaLogLevel    string        // AWS_LAMBDA_LOG_LEVEL: Lambda's ApplicationLogLevel, set by Lambda
	ExpectedAccount   string        // EXPECTED_ACCOUNT_ID, optional
	MetricsNamespace  string        // METRICS_NAMESPACE, default CognitoGuard
	NotifyEventBus    string        // NOTIFY_EVENT_BUS, optional
	NotifyTopicARN    string        // NOTIFY_TOPIC_ARN, optional
	SecurityHub       bool          // SECURITY_HUB, default false
}

// Read reads the common settings through r, recording problems in r.
func Read(r *Reader) Common {
	c := Common{
		BaselineParameter: r.Get("BASELINE_PARAMETER"),
		BaselineTTL:       r.Duration("BASELINE_CACHE_TTL", 5*time.Minute),
		DryRun:            r.Bool("DRY_RUN", false),
		LogLevel:          LogLevel(r.getenv),
		LambdaLogLevel:    r.Get("AWS_LAMBDA_LOG_LEVEL"),
		ExpectedAccount:   r.Get("EXPECTED_ACCOUNT_ID"),
		MetricsNamespace:  r.Get("METRICS_NAMESPACE"),
		NotifyEventBus:    r.Get("NOTIFY_EVENT_BUS"),
		NotifyTopicARN:    r.Get("NOTIFY_TOPIC_ARN"),
		SecurityHub:       r.Bool("SECURITY_HUB", false),
	}
	if c.MetricsNamespace == "" {
		c.MetricsNamespace = "CognitoGuard"
	}
	if c.BaselineParameter == "" {
		r.Fail(errors.New("BASELINE_PARAMETER is not set"))
	}
	return c
}

// LogLevel is LOG_LEVEL, or Lambda's AWS_LAMBDA_LOG_LEVEL when that is
// unset. A main calls it before the rest of its configuration is read, so
// that configuration errors are logged at the right level too.
func LogLevel(getenv func(string) string) string {
	if v := getenv("LOG_LEVEL"); v != "" {
		return v
	}
	return getenv("AWS_LAMBDA_LOG_LEVEL")
}

// Reader reads typed variables and collects what is wrong with them.
type Reader struct {
	getenv func(string) string
	errs   []error
}

// NewReader reads through getenv (os.Getenv in main, a map in tests).
func NewReader(getenv func(string) string) *Reader { return &Reader{getenv: getenv} }

// Get returns a variable as it is.
func (r *Reader) Get(name string) string { return r.getenv(name) }

// Fail records a problem found by the caller.
func (r *Reader) Fail(err error) { r.errs = append(r.errs, err) }

// Err returns every problem recorded, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

// Bool reads true or false.
func (r *Reader) Bool(name string, def bool) bool {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.Fail(fmt.Errorf("%s=%q: want true or false", name, v))
	}
	return b
}

// Duration reads a Go duration such as 5m.
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		r.Fail(fmt.Errorf("%s=%q: want a duration such as 5m", name, v))
	}
	return d
}

// Int reads a whole number.
func (r *Reader) Int(name string, def int) int {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.Fail(fmt.Errorf("%s=%q: want a whole number", name, v))
	}
	return n
}

// Float reads a number.
func (r *Reader) Float(name string, def float64) float64 {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.Fail(fmt.Errorf("%s=%q: want a number", name, v))
	}
	return f
}
