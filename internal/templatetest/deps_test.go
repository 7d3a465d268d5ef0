package templatetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A function binary must not link a package its configuration cannot use: every byte of it is
// deployed, and every package's init runs at each cold start. Two checks per function, on the
// packages `go list -deps` names for the deployed build (the Makefile's LAMBDA_ENV and the
// lambda.norpc tag of LAMBDA_FLAGS):
//   - an AWS service client (github.com/aws/aws-sdk-go-v2/service/<name>) is linked only when
//     the function's IAM role may call that service with every optional feature of the template
//     on. The functions build their aws.Config with internal/awsenv, so the clients of the SDK's
//     default credential chain (config.LoadDefaultConfig: STS, SSO, SSO OIDC, Sign-In) count like
//     any other: the roles call none of them;
//   - a deny list per function of packages it must never link (test and tool packages, the
//     other function's code).

// functionPackages maps each function of the template to the package the Makefile builds for it.
var functionPackages = map[string]string{
	"RemediateFunction": "./functions/remediate",
	"AuditFunction":     "./functions/audit",
}

// serviceIAM maps the SDK's service client packages to the IAM action prefix of the service.
// A linked client missing here fails the test until it is added.
var serviceIAM = map[string]string{
	"cognitoidentityprovider": "cognito-idp",
	"eventbridge":             "events",
	"kms":                     "kms",
	"s3":                      "s3",
	"securityhub":             "securityhub",
	"sns":                     "sns",
	"sqs":                     "sqs",
	"ssm":                     "ssm",
}

// allFeatures are template parameters that turn every optional grant on.
var allFeatures = map[string]string{
	"DryRun": "false", "AuditEnforce": "true", "NotifyTopicArn": "arn:aws:sns:us-east-1:123456789012:cognito-drift",
	"EnableSecurityHub": "true", "NotifyEventBusName": "guard-bus",
	"BaselineKmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
}

const module = "github.com/cognito-guard/cognito-guard/"

// denied lists, per function, packages (and everything under them) it must not link.
var denied = map[string][]string{
	"RemediateFunction": {
		"github.com/aws/aws-sdk-go-v2/service/s3",
		"github.com/aws/aws-sdk-go-v2/service/sqs", // Lambda polls the queue; the function calls no SQS API
		module + "internal/notify/hub",
		module + "internal/audit",
		module + "internal/report",
		module + "internal/s3object",
	},
	"AuditFunction": {
		"github.com/aws/aws-sdk-go-v2/service/sqs",
		module + "internal/remediate",
		module + "internal/batch",
	},
}

// deniedEverywhere are test, tool and command packages, net/rpc (aws-lambda-go's legacy mode,
// off with lambda.norpc), and the SDK's shared-config loader with the credential providers only it
// uses (internal/awsenv reads what Lambda sets instead).
var deniedEverywhere = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds",
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds",
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds",
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds",
	// The schema tables of schema-based (de)serialization, built at package init of every client
	// that has them (SSM from v1.80.0: 1.4 MB and ~8,000 allocations at each cold start). go.mod
	// holds SSM before them; Cognito has none yet. A dependency update that brings them back
	// fails here, so that the cost is weighed, not inherited.
	"github.com/aws/aws-sdk-go-v2/service/ssm/schemas",
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/schemas",
	module + "cmd",
	module + "internal/testkit",
	module + "internal/templatetest",
	module + "internal/parity",
	module + "internal/tools",
	"github.com/aws/aws-lambda-runtime-interface-emulator",
	"github.com/chromedp",
	"github.com/google/go-cmp",
	"github.com/santhosh-tekuri/jsonschema",
	"sigs.k8s.io/yaml",
	"net/rpc",
	// internal/notify sends PutEvents and Publish, and internal/notify/hub (the audit's alone:
	// EnableSecurityHub grants only the audit) BatchImportFindings, BatchUpdateFindings and
	// GetFindings, as signed HTTP requests (internal/awsreq): no function links these SDK clients.
	"github.com/aws/aws-sdk-go-v2/service/eventbridge", "github.com/aws/aws-sdk-go-v2/service/sns",
	"github.com/aws/aws-sdk-go-v2/service/securityhub",
}

// depProblems returns what is wrong with the packages deps of function fn whose role grants the
// IAM actions granted.
func depProblems(fn string, deps, granted []string) []string {
	var problems []string
	deny := append(slices.Clone(deniedEverywhere), denied[fn]...)
	for _, dep := range deps {
		for _, d := range deny {
			if dep == d || strings.HasPrefix(dep, d+"/") {
				problems = append(problems, fn+" links "+dep+" (denied: "+d+")")
			}
		}
		name, ok := strings.CutPrefix(dep, "github.com/aws/aws-sdk-go-v2/service/")
		if !ok || strings.Contains(name, "/") || name == "internal" {
			continue
		}
		prefix, known := serviceIAM[name]
		if !known {
			problems = append(problems, fn+" links the "+name+" client, which serviceIAM does not map to an IAM prefix")
			continue
		}
		if !slices.ContainsFunc(granted, func(a string) bool { return strings.HasPrefix(a, prefix+":") }) {
			problems = append(problems, fn+" links the "+name+" client, but its role may call no "+prefix+" action")
		}
	}
	return problems
}

// TestFunctionDeps runs go list -deps for each function as the Makefile builds it and checks the
// packages against the function's IAM grants and deny lists.
func TestFunctionDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	t.Parallel() // waits on go list, beside the tests that wait on the checkers
	root, tmpl := loadTemplate(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	// The deployed build's environment and tags, as the Makefile states them.
	env := regexp.MustCompile(`(?m)^LAMBDA_ENV\s*:=\s*(.+)$`).FindSubmatch(mk)
	tags := regexp.MustCompile(`(?m)^LAMBDA_FLAGS\s*:=.*-tags (\S+)`).FindSubmatch(mk)
	if env == nil || tags == nil {
		t.Fatal("Makefile: no LAMBDA_ENV, or no -tags in LAMBDA_FLAGS")
	}
	buildEnv := strings.Fields(string(env[1]))
	if !slices.Contains(buildEnv, "GOARCH=arm64") || !slices.Contains(buildEnv, "CGO_ENABLED=0") || string(tags[1]) != "lambda.norpc" {
		t.Fatalf("Makefile: LAMBDA_ENV %q, tags %q; this test and the README assume linux/arm64, no cgo, lambda.norpc", env[1], tags[1])
	}
	ev, err := New(tmpl, allFeatures)
	if err != nil {
		t.Fatal(err)
	}
	for fn, pkg := range functionPackages {
		t.Run(fn, func(t *testing.T) {
			// The Makefile target sam build calls for the function builds this package: through
			// lambda_build, whose go build uses $(LAMBDA_FLAGS) on its argument.
			target := regexp.MustCompile(`(?m)^build-` + fn + `:\n\t\$\(call lambda_build,` + regexp.QuoteMeta(pkg) + `\)\n`)
			define := regexp.MustCompile(`(?m)^define lambda_build\n(?:\t.*\n)*?\t.*\$\(GO\) build \$\(LAMBDA_FLAGS\) .* \$\(1\)\nendef\n`)
			if !target.Match(mk) || !define.Match(mk) {
				t.Fatalf("Makefile: build-%s does not build %s with $(LAMBDA_FLAGS) through lambda_build", fn, pkg)
			}
			var granted []string
			for _, g := range grants(t, ev, tmpl, fn) {
				granted = append(granted, g.Actions...)
			}
			cmd := exec.Command("go", "list", "-deps", "-tags", string(tags[1]), pkg)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), buildEnv...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			deps := strings.Fields(string(out))
			if !slices.Contains(deps, "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider") || !slices.Contains(deps, "runtime") {
				t.Fatalf("go list output does not look like the function's dependencies:\n%.500s", out)
			}
			for _, p := range depProblems(fn, deps, granted) {
				t.Error(p)
			}
		})
	}
}

// TestDepProblemsFails: the checks above do fail on a denied package and on a client the role
// cannot use (synthetic package lists, so that a passing TestFunctionDeps is not vacuous).
func TestDepProblemsFails(t *testing.T) {
	remediateGrants := []string{"cognito-idp:DescribeUserPoolClient", "ssm:GetParameter", "events:PutEvents", "sns:Publish"}
	base := []string{"runtime", "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider",
		"github.com/aws/aws-sdk-go-v2/service/ssm", "github.com/aws/aws-sdk-go-v2/service/internal/checksum"}
	if p := depProblems("RemediateFunction", base, remediateGrants); len(p) != 0 {
		t.Fatalf("a clean list has problems: %v", p)
	}
	tests := []struct {
		name, fn string
		extra    []string
		want     []string // each a substring of one problem
	}{
		{"securityhub in remediate", "RemediateFunction",
			[]string{"github.com/aws/aws-sdk-go-v2/service/securityhub", "github.com/aws/aws-sdk-go-v2/service/securityhub/types"},
			[]string{"links github.com/aws/aws-sdk-go-v2/service/securityhub (denied", "links github.com/aws/aws-sdk-go-v2/service/securityhub/types (denied",
				"links the securityhub client, but its role may call no securityhub action"}},
		{"the audit's code in remediate", "RemediateFunction", []string{module + "internal/notify/hub"},
			[]string{"links " + module + "internal/notify/hub (denied"}},
		{"a client no grant covers", "AuditFunction", []string{"github.com/aws/aws-sdk-go-v2/service/kms"},
			[]string{"links the kms client, but its role may call no kms action"}},
		{"an unmapped client", "AuditFunction", []string{"github.com/aws/aws-sdk-go-v2/service/dynamodb"},
			[]string{"serviceIAM does not map"}},
		{"a test package", "AuditFunction", []string{module + "internal/testkit/emulator"},
			[]string{"(denied: " + module + "internal/testkit)"}},
		{"net/rpc", "AuditFunction", []string{"net/rpc"}, []string{"links net/rpc (denied"}},
		{"the default config loader", "RemediateFunction",
			[]string{"github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/service/sts"},
			[]string{"links github.com/aws/aws-sdk-go-v2/config (denied", "links the sts client, which serviceIAM does not map"}},
	}
	for _, tt := range tests {
		got := depProblems(tt.fn, append(slices.Clone(base), tt.extra...), remediateGrants)
		for _, w := range tt.want {
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
				t.Errorf("%s: no problem says %q; got %q", tt.name, w, got)
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d problems, want %d: %q", tt.name, len(got), len(tt.want), got)
		}
	}
	// The SDK's Security Hub client in the audit, whose role (EnableSecurityHub) may call Security
	// Hub: the IAM check passes, the deny list alone fails it.
	auditGrants := append(slices.Clone(remediateGrants), "securityhub:BatchImportFindings", "securityhub:GetFindings", "securityhub:BatchUpdateFindings")
	got := depProblems("AuditFunction", append(slices.Clone(base), "github.com/aws/aws-sdk-go-v2/service/securityhub", "github.com/aws/aws-sdk-go-v2/service/securityhub/types"), auditGrants)
	want := []string{
		"AuditFunction links github.com/aws/aws-sdk-go-v2/service/securityhub (denied: github.com/aws/aws-sdk-go-v2/service/securityhub)",
		"AuditFunction links github.com/aws/aws-sdk-go-v2/service/securityhub/types (denied: github.com/aws/aws-sdk-go-v2/service/securityhub)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("securityhub in the audit: problems %q, want %q", got, want)
	}
}
