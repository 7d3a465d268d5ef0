package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/outputs"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// Metric names, the contract with the alarms in template.yaml and the README.
const (
	DriftFound     = "DriftFound"
	Remediated     = "Remediated"
	Unfixable      = "Unfixable"
	Failed         = "Failed"
	Skipped        = "Skipped"
	ClientsAudited = "ClientsAudited"
	// UnknownMembers counts clients left unwritten because Describe
	// returned a setting the bundled SDK does not know (an upgrade is due).
	UnknownMembers = "UnknownMembers"
)

// Dimension names and values.
const (
	DimFunction = "Function"
	DimMode     = "Mode"

	FunctionRemediate = "remediate"
	FunctionAudit     = "audit"

	ModeEnforce = "enforce"
	ModeDryRun  = "dryrun"
)

// DefaultNamespace is used when New is given an empty namespace
// (METRICS_NAMESPACE's default).
const DefaultNamespace = "CognitoGuard"

// Limits from the EMF specification: a directive holds at most 100 metrics
// and a dimension set at most 30 dimensions.
const (
	maxMetrics    = 100
	maxDimensions = 30
)

// Recorder counts outcomes and writes them as EMF lines on Flush. It is safe
// for concurrent use: the audit function records from several goroutines.
type Recorder struct {
	w         io.Writer
	namespace string
	function  string
	now       func() time.Time
	level     string

	mu     sync.Mutex
	counts map[string]*counts // by mode
}

type counts struct {
	driftFound, remediated, unfixable, failed, skipped, audited, unknown int
}

// New returns a Recorder writing to w (os.Stdout in Lambda). function is the
// Function dimension ("remediate" or "audit"); only the audit function emits
// ClientsAudited. An empty namespace means DefaultNamespace; a nil now means
// time.Now.
func New(w io.Writer, namespace, function string, now func() time.Time) *Recorder {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	if now == nil {
		now = time.Now
	}
	return &Recorder{w: w, namespace: namespace, function: function, now: now, level: LineLevel(""), counts: map[string]*counts{}}
}

// WithLevel sets the level written on every EMF line from the function's
// Lambda application log level (AWS_LAMBDA_LOG_LEVEL); see LineLevel.
func (r *Recorder) WithLevel(lambdaLogLevel string) *Recorder {
	r.level = LineLevel(lambdaLogLevel)
	return r
}

// LineLevel is the level an EMF line carries so that Lambda's log-level
// filtering never drops it. With the JSON log format, Lambda keeps an
// application log line only at or above the function's
// ApplicationLogLevel, and "if the "level" value field is invalid or
// missing, Lambda will assign the log output the level INFO"; a line
// without a valid RFC 3339 timestamp is assigned INFO as well
// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
// A bare EMF line is therefore dropped at WARN, and the alarms on its
// metrics go blind. So each line states a level and a timestamp: the
// configured threshold itself, which Lambda passes to the function as
// AWS_LAMBDA_LOG_LEVEL, so the line passes whatever the threshold is
// without claiming to be an error; and FATAL, the highest level, which
// passes any threshold, when that variable is unset or unknown.
func LineLevel(lambdaLogLevel string) string {
	l := strings.ToUpper(strings.TrimSpace(lambdaLogLevel))
	switch l {
	case "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL":
		return l
	}
	return "FATAL"
}

// Send records the batch's outcomes and flushes them: a Recorder is an
// outputs.Sink. A batch that will be retried is counted too (Failed).
func (r *Recorder) Send(_ context.Context, b outputs.Batch) error {
	r.Record(b.Outcomes()...)
	return r.Flush()
}

// Record counts outcomes. The Mode dimension comes from each outcome's DryRun
// flag, which the reconciler sets on every outcome it returns.
func (r *Recorder) Record(outcomes ...reconcile.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range outcomes {
		mode := ModeEnforce
		if o.DryRun {
			mode = ModeDryRun
		}
		c := r.counts[mode]
		if c == nil {
			c = &counts{}
			r.counts[mode] = c
		}
		c.audited++
		if len(o.UnknownMembers) > 0 {
			c.unknown++
		}
		switch o.Status {
		case reconcile.Drift:
			c.driftFound++
		case reconcile.Remediated:
			c.driftFound++
			c.remediated++
		case reconcile.Unfixable:
			c.driftFound++
			c.unfixable++
		case reconcile.Failed:
			c.failed++
		case reconcile.Skipped:
			c.skipped++
		}
	}
}

// Flush writes one EMF line per mode recorded since the last Flush, enforce
// first, and resets the counts. Nothing is written when nothing was recorded.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.counts) == 0 {
		return nil
	}
	now := r.now()
	var buf bytes.Buffer
	for _, mode := range []string{ModeEnforce, ModeDryRun} {
		c := r.counts[mode]
		if c == nil {
			continue
		}
		line, err := r.line(now, mode, c)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	// One Write for all lines, so that lines from concurrent writers to the
	// same stdout are not interleaved mid-line.
	if _, err := r.w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write metrics: %w", err)
	}
	r.counts = map[string]*counts{}
	return nil
}

func (r *Recorder) line(now time.Time, mode string, c *counts) ([]byte, error) {
	values := []Value{
		{DriftFound, float64(c.driftFound)},
		{Remediated, float64(c.remediated)},
		{Unfixable, float64(c.unfixable)},
		{Failed, float64(c.failed)},
		{Skipped, float64(c.skipped)},
		{UnknownMembers, float64(c.unknown)},
	}
	if r.function == FunctionAudit {
		values = append(values, Value{ClientsAudited, float64(c.audited)})
	}
	return encode(r.namespace, now, r.level, map[string]string{DimFunction: r.function, DimMode: mode}, values)
}

// Value is one metric of an EMF line.
type Value struct {
	Name  string
	Value float64
}

// Encode builds one EMF line (without the newline): one directive in
// namespace, one dimension set made of every key of dims (sorted), and
// values, all with unit Count. It rejects what CloudWatch would reject or
// drop silently: more than 100 metrics or 30 dimensions, and a metric name
// that repeats or clashes with a dimension or "_aws".
func Encode(namespace string, timestampMS int64, dims map[string]string, values []Value) ([]byte, error) {
	return encode(namespace, time.UnixMilli(timestampMS), "", dims, values)
}

// Keys a line carries for Lambda's log-level filtering (LineLevel).
const (
	keyLevel     = "level"
	keyTimestamp = "timestamp"
)

// encode is Encode with, when level is set, the level and an RFC 3339
// timestamp at the root of the line.
func encode(namespace string, ts time.Time, level string, dims map[string]string, values []Value) ([]byte, error) {
	timestampMS := ts.UnixMilli()
	if len(dims) > maxDimensions {
		return nil, fmt.Errorf("emf: %d dimensions, at most %d", len(dims), maxDimensions)
	}
	if len(values) > maxMetrics {
		return nil, fmt.Errorf("emf: %d metrics, at most %d", len(values), maxMetrics)
	}
	type metric struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
	root := map[string]any{}
	if level != "" {
		root[keyLevel] = level
		root[keyTimestamp] = ts.UTC().Format(time.RFC3339Nano)
	}
	for k, v := range dims {
		if _, taken := root[k]; taken || k == "_aws" {
			return nil, fmt.Errorf("emf: dimension name %q is reserved", k)
		}
		root[k] = v
	}
	metrics := make([]metric, 0, len(values))
	for _, v := range values {
		if _, taken := root[v.Name]; taken || v.Name == "_aws" {
			return nil, fmt.Errorf("emf: metric name %q is already used", v.Name)
		}
		root[v.Name] = v.Value
		metrics = append(metrics, metric{Name: v.Name, Unit: "Count"})
	}
	root["_aws"] = map[string]any{
		"Timestamp": timestampMS,
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  namespace,
			"Dimensions": [][]string{slices.Sorted(maps.Keys(dims))},
			"Metrics":    metrics,
		}},
	}
	// encoding/json sorts map keys, so a line is deterministic.
	return json.Marshal(root)
}
