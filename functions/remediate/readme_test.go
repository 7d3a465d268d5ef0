package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/certs"
	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
	"github.com/cognito-guard/cognito-guard/internal/testkit/sample"
)

// TestDocumentedLocalRuns runs the bootstrap with exactly the environment
// the README's "Run it by hand" gives (the RIE command line) and the one
// events/env.json gives `sam local invoke`, with only the emulator's address
// put in: a variable the function requires and the docs forget fails here
// (EXECUTION_ROLE_ARN once did), as does a sample that would write.
func TestDocumentedLocalRuns(t *testing.T) {
	t.Parallel() // its own emulator and RIE; it waits on the function
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	envJSON := readEvent(t, "env.json")
	var sam map[string]map[string]string
	if err := json.Unmarshal(envJSON, &sam); err != nil {
		t.Fatalf("events/env.json: %v", err)
	}
	fromSAM := map[string]string{}
	for _, section := range []string{"Parameters", "RemediateFunction"} {
		for k, v := range sam[section] {
			fromSAM[k] = v
		}
	}
	bootstrap := rie.Build(t, "./functions/remediate")
	byHand := readmeRIEEnv(t, string(readme))
	// The RIE hands the function the shell's whole environment, and shells behind a proxy that
	// inspects TLS set AWS_CA_BUNDLE (this build machine's does): the function must still run.
	byHand["AWS_CA_BUNDLE"] = certs.Bundle(t, certs.SelfSigned(t))
	for name, doc := range map[string]map[string]string{
		"README run by hand": byHand,
		"events/env.json":    fromSAM,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each its own emulator and RIE
			_, url := sample.Serve(t, readEvent(t, "baseline.json"))
			env := map[string]string{
				// What the shell (README: export ...) or sam local adds.
				"AWS_REGION": sample.Region, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
			}
			for k, v := range doc {
				env[k] = v
			}
			if env["AWS_ENDPOINT_URL"] == "" {
				t.Fatalf("%s sets no AWS_ENDPOINT_URL: it would run against a real account", name)
			}
			env["AWS_ENDPOINT_URL"] = url
			w := &world{env: env, fn: rie.Start(t, bootstrap, env)}
			for _, event := range []string{"manual.json", "update-user-pool-client.json"} {
				res, ferr := w.invoke(t, readEvent(t, event))
				if ferr != nil {
					t.Fatalf("%s: function error %v\nlogs:\n%s", event, ferr, w.fn.Logs())
				}
				if res.Outcome.Status != reconcile.Drift || !res.DryRun {
					t.Errorf("%s: outcome %q dryRun %v (%s), want a dry-run drift report", event, res.Outcome.Status, res.DryRun, res.Reason)
				}
			}
		})
	}
}

var assignment = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=(\S+)$`)

// readmeRIEEnv returns the NAME=value words of the README's shell command
// that starts `go tool aws-lambda-rie` (continuation lines joined).
func readmeRIEEnv(t *testing.T, readme string) map[string]string {
	t.Helper()
	joined := strings.ReplaceAll(readme, "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		if !strings.Contains(line, "go tool aws-lambda-rie") {
			continue
		}
		env := map[string]string{}
		for _, word := range strings.Fields(line) {
			m := assignment.FindStringSubmatch(word)
			if m == nil {
				break // the command itself
			}
			env[m[1]] = m[2]
		}
		return env
	}
	t.Fatal("README: no command starting go tool aws-lambda-rie")
	return nil
}
