package templatetest

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// samconfig is samconfig.toml as SAM CLI reads it: environment -> command -> key -> value.
type samconfig map[string]map[string]map[string]string

// parseSamconfig reads the subset of TOML samconfig.toml uses: comments, a version line,
// [env.command.parameters] tables and key = value lines whose value is a basic string, a boolean or
// a number. Anything else is an error, so a construct this reader does not know cannot slip by.
func parseSamconfig(text string) (samconfig, error) {
	cfg := samconfig{}
	header := regexp.MustCompile(`^\[([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.parameters\]$`)
	var table map[string]string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if m := header.FindStringSubmatch(line); m != nil {
			if cfg[m[1]] == nil {
				cfg[m[1]] = map[string]map[string]string{}
			}
			if cfg[m[1]][m[2]] != nil {
				return nil, fmt.Errorf("line %d: table %s repeated", i+1, line)
			}
			table = map[string]string{}
			cfg[m[1]][m[2]] = table
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || !regexp.MustCompile(`^[a-z0-9_]+$`).MatchString(key) {
			return nil, fmt.Errorf("line %d: not a table header or key = value: %q", i+1, line)
		}
		if strings.HasPrefix(value, `"`) {
			s, err := strconv.Unquote(value)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %v", i+1, key, err)
			}
			value = s
		} else if !regexp.MustCompile(`^(true|false|[0-9.]+)$`).MatchString(value) {
			return nil, fmt.Errorf("line %d: %s: unsupported value %q", i+1, key, value)
		}
		if table == nil {
			if key != "version" {
				return nil, fmt.Errorf("line %d: %s outside a table", i+1, key)
			}
			continue
		}
		table[key] = value
	}
	return cfg, nil
}

// parseOverrides splits a parameter_overrides string (Name=Value, Name="value with spaces").
func parseOverrides(s string) (map[string]string, error) {
	out := map[string]string{}
	re := regexp.MustCompile(`^([A-Za-z0-9]+)=("(?:[^"\\]|\\.)*"|\S*)(\s+|$)`)
	for s = strings.TrimSpace(s); s != ""; {
		m := re.FindStringSubmatch(s)
		if m == nil {
			return nil, fmt.Errorf("parameter_overrides: cannot read %q", s)
		}
		v := m[2]
		if strings.HasPrefix(v, `"`) {
			v = v[1 : len(v)-1]
		}
		out[m[1]] = v
		s = s[len(m[0]):]
	}
	return out, nil
}

// samconfigProblems checks the deployment rules: no default stack (a bare sam deploy names no
// stack); every environment names its stack and Region; the environments of one stack differ only
// in the enforcement switch (DryRun, AuditEnforce), and each stack has exactly one report-only
// environment (DryRun=true, AuditEnforce=false) to pause it with.
func samconfigProblems(cfg samconfig) []string {
	var problems []string
	for cmd, params := range cfg["default"] {
		if _, ok := params["stack_name"]; ok {
			problems = append(problems, fmt.Sprintf("default.%s names stack %q: a bare `sam %s` would act on it", cmd, params["stack_name"], cmd))
		}
	}
	type stack struct{ name, region string }
	byStack := map[stack][]string{}
	for _, env := range slices.Sorted(maps.Keys(cfg)) {
		if env == "default" {
			continue
		}
		g := cfg[env]["global"]
		if g["stack_name"] == "" || g["region"] == "" {
			problems = append(problems, fmt.Sprintf("%s: global stack_name and region must both be set", env))
			continue
		}
		byStack[stack{g["stack_name"], g["region"]}] = append(byStack[stack{g["stack_name"], g["region"]}], env)
	}
	for _, st := range slices.SortedFunc(maps.Keys(byStack), func(a, b stack) int { return strings.Compare(a.name+a.region, b.name+b.region) }) {
		envs := byStack[st]
		var reportOnly []string
		var first map[string]string
		for _, env := range envs {
			o, err := parseOverrides(cfg[env]["deploy"]["parameter_overrides"])
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", env, err))
				continue
			}
			switch {
			case o["DryRun"] == "true" && o["AuditEnforce"] == "false":
				reportOnly = append(reportOnly, env)
			case o["DryRun"] == "false":
			default:
				problems = append(problems, fmt.Sprintf("%s: DryRun=%q AuditEnforce=%q is neither report-only (true, false) nor enforcing (false, ...)", env, o["DryRun"], o["AuditEnforce"]))
			}
			// Everything but the switch must match across the stack's environments.
			deploy := maps.Clone(cfg[env]["deploy"])
			delete(deploy, "parameter_overrides")
			delete(o, "DryRun")
			delete(o, "AuditEnforce")
			for k, v := range o {
				deploy["override "+k] = v
			}
			if first == nil {
				first = deploy
			} else if diff := diff.Diff(first, deploy); diff != "" {
				problems = append(problems, fmt.Sprintf("%s and %s deploy stack %s differently beyond DryRun/AuditEnforce (-%s +%s):\n%s", envs[0], env, st.name, envs[0], env, diff))
			}
		}
		if len(reportOnly) != 1 {
			problems = append(problems, fmt.Sprintf("stack %s in %s: %d report-only environments %v, want exactly 1", st.name, st.region, len(reportOnly), reportOnly))
		}
	}
	return problems
}

func TestSamconfig(t *testing.T) {
	root, _ := loadTemplate(t)
	data, err := os.ReadFile(filepath.Join(root, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	tests := []struct {
		name string
		edit func(string) string
		want []string
	}{
		{name: "samconfig.toml as written", edit: func(s string) string { return s }},
		{
			name: "a default stack",
			edit: func(s string) string {
				return s + "\n[default.deploy.parameters]\nstack_name = \"cognito-guard\"\n"
			},
			want: []string{"default.deploy names stack \"cognito-guard\": a bare `sam deploy` would act on it"},
		},
		{
			name: "enforcing twin with another log level",
			edit: func(s string) string {
				i := strings.Index(s, "[prod-enforce.deploy.parameters]")
				return s[:i] + strings.Replace(s[i:], "LogLevel=INFO", "LogLevel=DEBUG", 1)
			},
			want: []string{"prod and prod-enforce deploy stack cognito-guard-prod differently beyond DryRun/AuditEnforce"},
		},
		{
			name: "no report-only environment to pause with",
			edit: func(s string) string {
				i := strings.Index(s, "[prod.deploy.parameters]")
				return s[:i] + strings.Replace(s[i:], "DryRun=true AuditEnforce=false", "DryRun=false AuditEnforce=true", 1)
			},
			want: []string{"stack cognito-guard-prod in us-east-1: 0 report-only environments [], want exactly 1"},
		},
		{
			name: "no region",
			edit: func(s string) string {
				return strings.Replace(s, "[dev.global.parameters]\nstack_name = \"cognito-guard-dev\"\nregion = \"us-east-1\"\n", "[dev.global.parameters]\nstack_name = \"cognito-guard-dev\"\n", 1)
			},
			want: []string{
				"dev: global stack_name and region must both be set",
				"stack cognito-guard-dev in us-east-1: 0 report-only environments [], want exactly 1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(text)
			if tt.name != "samconfig.toml as written" && edited == text {
				t.Fatal("the edit changed nothing; samconfig.toml no longer has what it looks for")
			}
			cfg, err := parseSamconfig(edited)
			if err != nil {
				t.Fatal(err)
			}
			got := samconfigProblems(cfg)
			// The diff of a mismatch is long: compare on its first line.
			for i, p := range got {
				got[i], _, _ = strings.Cut(p, " (-")
			}
			if diff := diff.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// samCommand finds sam commands that act on a deployed stack.
var samCommand = regexp.MustCompile(`\bsam (deploy|delete|sync|logs|list|remote)\b[^\n` + "`" + `]*`)

// TestReadmeNamesEnvironments checks that every sam command in the README that acts on a stack
// names an environment of samconfig.toml with --config-env, so none acts on whichever stack a
// default would pick.
func TestReadmeNamesEnvironments(t *testing.T) {
	root, _ := loadTemplate(t)
	data, err := os.ReadFile(filepath.Join(root, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseSamconfig(string(data))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(text string) []string {
		var bad []string
		for _, cmd := range samCommand.FindAllString(text, -1) {
			m := regexp.MustCompile(`--config-env[ =]([A-Za-z0-9_-]+)`).FindStringSubmatch(cmd)
			if m == nil || m[1] == "default" || cfg[m[1]] == nil {
				bad = append(bad, strings.TrimSpace(cmd))
			}
		}
		return bad
	}
	if bad := check(string(readme)); len(bad) > 0 {
		t.Errorf("README.md: sam commands without --config-env <an environment of samconfig.toml>:\n%s", strings.Join(bad, "\n"))
	}
	if diff := diff.Diff([]string{"sam deploy --parameter-overrides DryRun=true", "sam delete --config-env staging"},
		check("`sam deploy --parameter-overrides DryRun=true` then `sam delete --config-env staging`, `sam deploy --config-env prod`")); diff != "" {
		t.Errorf("the check itself (-want +got):\n%s", diff)
	}
}
