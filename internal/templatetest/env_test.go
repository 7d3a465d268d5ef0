package templatetest

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// TestEnvironment pins the variables each function gets (Globals merged with the function's own) to
// the names the functions read (internal/settings; the README's configuration table), so a renamed
// variable or parameter fails here instead of silently falling back to a default in production.
func TestEnvironment(t *testing.T) {
	_, tmpl := loadTemplate(t)
	common := map[string]string{
		// Fn::If [HasBaselineDocument, the stack's own parameter, BaselineParameterName]: TestBaselineDocument.
		"BASELINE_PARAMETER":  "map[Fn::If:?]",
		"BASELINE_CACHE_TTL":  "map[Ref:BaselineCacheTtl]",
		"DRY_RUN":             "map[Ref:DryRun]",
		"LOG_LEVEL":           "map[Ref:LogLevel]",
		"EXPECTED_ACCOUNT_ID": "map[Ref:AWS::AccountId]",
		"NOTIFY_EVENT_BUS":    "map[Ref:NotifyEventBusName]",
		"NOTIFY_TOPIC_ARN":    "map[Ref:NotifyTopicArn]",
		"METRICS_NAMESPACE":   "map[Ref:MetricsNamespace]",
		"AWS_ENDPOINT_URL":    "",
	}
	audit := map[string]string{
		"AUDIT_ENFORCE":         "map[Ref:AuditEnforce]",
		"AUDIT_RATE":            "map[Ref:AuditRate]",
		"AUDIT_POOL_RATE":       "map[Ref:AuditPoolRate]",
		"AUDIT_CONCURRENCY":     "map[Ref:AuditConcurrency]",
		"AUDIT_DEADLINE_MARGIN": "map[Ref:AuditDeadlineMargin]",
		"SECURITY_HUB":          "map[Ref:EnableSecurityHub]",
		"AUDIT_REPORT_CLIENTS":  "map[Ref:AuditReportClients]",
		"AUDIT_REPORT_BUCKET":   "map[Ref:AuditReportBucket]",
	}
	// The execution role's ARN recognises the remediate function's own updates; the pacing share is
	// divided by the same parameter that caps the event source mapping (TestRemediateQueue).
	remediate := map[string]string{
		"EXECUTION_ROLE_ARN":        "map[Fn::GetAtt:?]",
		"REMEDIATE_RATE":            "map[Ref:RemediateRate]",
		"REMEDIATE_POOL_RATE":       "map[Ref:RemediatePoolRate]",
		"REMEDIATE_MAX_CONCURRENCY": "map[Ref:RemediateMaxConcurrency]",
	}
	for k, v := range common {
		audit[k] = v
		remediate[k] = v
	}
	globals := dig(t, tmpl, "Globals", "Function", "Environment", "Variables").(map[string]any)
	for fn, want := range map[string]map[string]string{"RemediateFunction": remediate, "AuditFunction": audit} {
		got := map[string]string{}
		for k, v := range globals {
			got[k] = sprint(v)
		}
		if env, ok := dig(t, tmpl, "Resources", fn, "Properties").(map[string]any)["Environment"]; ok {
			for k, v := range env.(map[string]any)["Variables"].(map[string]any) {
				got[k] = sprint(v)
			}
		}
		if diff := diff.Diff(want, got); diff != "" {
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

// TestEnvJSONOverridesDeclaredVariables checks events/env.json (sam local invoke --env-vars) against
// the template: SAM CLI only overrides variables the function's template environment declares and
// silently drops every other one (aws/aws-sam-cli#1553), so an undeclared name there is a setting
// that never takes effect.
func TestEnvJSONOverridesDeclaredVariables(t *testing.T) {
	root, tmpl := loadTemplate(t)
	data, err := os.ReadFile(filepath.Join(root, "events", "env.json"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no events/env.json")
	}
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatalf("events/env.json: %v", err)
	}
	declared := func(fn string) map[string]bool {
		d := map[string]bool{}
		for k := range dig(t, tmpl, "Globals", "Function", "Environment", "Variables").(map[string]any) {
			d[k] = true
		}
		if e, ok := dig(t, tmpl, "Resources", fn, "Properties").(map[string]any)["Environment"]; ok {
			for k := range e.(map[string]any)["Variables"].(map[string]any) {
				d[k] = true
			}
		}
		return d
	}
	resources := dig(t, tmpl, "Resources").(map[string]any)
	for key, vars := range env {
		fns := []string{key}
		if key == "Parameters" { // applies to every function
			fns = []string{"RemediateFunction", "AuditFunction"}
		} else if _, ok := resources[key]; !ok {
			t.Errorf("events/env.json: %s is not a resource of template.yaml", key)
			continue
		}
		for _, fn := range fns {
			d := declared(fn)
			for name := range vars {
				if !d[name] {
					t.Errorf("events/env.json %s.%s: not declared in %s's environment, so sam local invoke drops it", key, name, fn)
				}
			}
		}
	}
}

// TestEnvJSONIsDryRun keeps the sample environment of `sam local invoke` report-only: with
// AWS_ENDPOINT_URL removed it runs against a real account, where it must not write. Each
// function's own entry overrides "Parameters", so both levels are checked.
func TestEnvJSONIsDryRun(t *testing.T) {
	root, _ := loadTemplate(t)
	data, err := os.ReadFile(filepath.Join(root, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(map[string]string{"RemediateFunction": "true", "AuditFunction": "true"}, dryRunByFunction(t, data)); diff != "" {
		t.Errorf("events/env.json DRY_RUN by function (-want +got):\n%s", diff)
	}
	// The same reading of a file that writes must say so, or the check above proves nothing.
	writes := []byte(`{"Parameters": {"DRY_RUN": "true"}, "AuditFunction": {"DRY_RUN": "false"}}`)
	if diff := diff.Diff(map[string]string{"RemediateFunction": "true", "AuditFunction": "false"}, dryRunByFunction(t, writes)); diff != "" {
		t.Errorf("a file whose audit writes (-want +got):\n%s", diff)
	}
}

// dryRunByFunction is the DRY_RUN each function gets from an env.json ("" when unset: the code's
// default, false).
func dryRunByFunction(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var env map[string]map[string]string
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatalf("env.json: %v", err)
	}
	got := map[string]string{}
	for _, fn := range []string{"RemediateFunction", "AuditFunction"} {
		got[fn] = env["Parameters"]["DRY_RUN"]
		if v, ok := env[fn]["DRY_RUN"]; ok {
			got[fn] = v
		}
	}
	return got
}
