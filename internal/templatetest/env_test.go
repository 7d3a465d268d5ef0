package templatetest

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEnvironment pins the variables each function gets (Globals merged with the function's own) to
// the names the functions read (DESIGN.md "Environment variables"), so a renamed variable or
// parameter fails here instead of silently falling back to a default in production.
func TestEnvironment(t *testing.T) {
	_, tmpl := loadTemplate(t)
	common := map[string]string{
		"BASELINE_PARAMETER":  "map[Ref:BaselineParameterName]",
		"BASELINE_CACHE_TTL":  "map[Ref:BaselineCacheTtl]",
		"DRY_RUN":             "map[Ref:DryRun]",
		"LOG_LEVEL":           "map[Ref:LogLevel]",
		"EXPECTED_ACCOUNT_ID": "map[Ref:AWS::AccountId]",
		"NOTIFY_EVENT_BUS":    "map[Ref:NotifyEventBusName]",
		"NOTIFY_TOPIC_ARN":    "map[Ref:NotifyTopicArn]",
		"SECURITY_HUB":        "map[Ref:EnableSecurityHub]",
		"METRICS_NAMESPACE":   "map[Ref:MetricsNamespace]",
	}
	audit := map[string]string{
		"AUDIT_ENFORCE":         "map[Ref:AuditEnforce]",
		"AUDIT_RATE":            "map[Ref:AuditRate]",
		"AUDIT_POOL_RATE":       "map[Ref:AuditPoolRate]",
		"AUDIT_CONCURRENCY":     "map[Ref:AuditConcurrency]",
		"AUDIT_DEADLINE_MARGIN": "map[Ref:AuditDeadlineMargin]",
	}
	for k, v := range common {
		audit[k] = v
	}
	globals := dig(t, tmpl, "Globals", "Function", "Environment", "Variables").(map[string]any)
	for fn, want := range map[string]map[string]string{"RemediateFunction": common, "AuditFunction": audit} {
		got := map[string]string{}
		for k, v := range globals {
			got[k] = sprint(v)
		}
		if env, ok := dig(t, tmpl, "Resources", fn, "Properties").(map[string]any)["Environment"]; ok {
			for k, v := range env.(map[string]any)["Variables"].(map[string]any) {
				got[k] = sprint(v)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s environment (-want +got):\n%s", fn, diff)
		}
	}
}

func sprint(v any) string {
	if m, ok := v.(map[string]any); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := "map["
		for i, k := range keys {
			if i > 0 {
				s += " "
			}
			s += k + ":" + sprint(m[k])
		}
		return s + "]"
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "?"
}
