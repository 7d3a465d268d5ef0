package templatetest

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/metrics"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// TestUnfixableAlarmMatchesMetrics pins the alarm to what internal/metrics writes: an alarm on a metric
// name or dimension set nobody emits stays silent forever, and nothing else would notice.
func TestUnfixableAlarmMatchesMetrics(t *testing.T) {
	// UnknownMembers: the metric name given to internal/metrics for outcomes
	// with reconcile.Outcome.UnknownMembers.
	for alarm, name := range map[string]string{"UnfixableDriftAlarm": metrics.Unfixable, "FailedOutcomeAlarm": metrics.Failed, "UnknownMembersAlarm": metrics.UnknownMembers} {
		t.Run(alarm, func(t *testing.T) { checkAlarm(t, alarm, name) })
	}
}

func checkAlarm(t *testing.T, alarm, metricName string) {
	_, tmpl := loadTemplate(t)
	if got := dig(t, tmpl, "Parameters", "MetricsNamespace", "Default"); got != metrics.DefaultNamespace {
		t.Errorf("MetricsNamespace default = %v, want %s", got, metrics.DefaultNamespace)
	}
	var got []string
	for _, m := range dig(t, tmpl, "Resources", alarm, "Properties", "Metrics").([]any) {
		stat, ok := m.(map[string]any)["MetricStat"].(map[string]any)
		if !ok {
			continue
		}
		metric := stat["Metric"].(map[string]any)
		if fmt.Sprint(metric["Namespace"]) != "map[Ref:MetricsNamespace]" {
			t.Errorf("alarm metric namespace %v, want Ref MetricsNamespace", metric["Namespace"])
		}
		dims := map[string]string{}
		var names []string
		for _, d := range metric["Dimensions"].([]any) {
			d := d.(map[string]any)
			dims[d["Name"].(string)] = d["Value"].(string)
			names = append(names, d["Name"].(string))
		}
		sort.Strings(names)
		if !slices.Equal(names, []string{metrics.DimFunction, metrics.DimMode}) {
			t.Errorf("alarm dimensions %v, want exactly %s and %s", names, metrics.DimFunction, metrics.DimMode)
		}
		got = append(got, fmt.Sprintf("%s %s=%s %s=%s", metric["MetricName"], metrics.DimFunction, dims[metrics.DimFunction], metrics.DimMode, dims[metrics.DimMode]))
	}
	var want []string
	for _, fn := range []string{metrics.FunctionRemediate, metrics.FunctionAudit} {
		for _, mode := range []string{metrics.ModeEnforce, metrics.ModeDryRun} {
			want = append(want, fmt.Sprintf("%s %s=%s %s=%s", metricName, metrics.DimFunction, fn, metrics.DimMode, mode))
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("%s metrics (-want +got):\n%s", alarm, diff)
	}
}
