package templatetest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// shortForm finds CloudFormation short-form tags (!Ref, !Sub, ...). A plain YAML parser reads
// "!Ref X" as the string "X" and the meaning is silently lost, so Load refuses them: the template
// uses the long forms ({"Ref": X}, Fn::Sub) instead.
var shortForm = regexp.MustCompile(`(^|[\s\[{,:-])!(Ref|Sub|GetAtt|If|Equals|Not|And|Or|Select|Split|Join|FindInMap|Base64|Cidr|ImportValue|GetAZs|Transform|Condition|ToJsonString|Length)\b`)

// Load reads a CloudFormation/SAM template written in YAML with long-form intrinsics and returns it
// as JSON-compatible data (map[string]any, []any, string, float64, bool, nil).
func Load(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for i, line := range strings.Split(string(data), "\n") {
		code, _, _ := strings.Cut(line, "#")
		if m := shortForm.FindString(code); m != "" {
			return nil, fmt.Errorf("%s:%d: short-form intrinsic %q; use the long form (Ref, Fn::Sub, ...)", path, i+1, strings.TrimSpace(m))
		}
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}

// Root returns the module root: the nearest directory at or above the working directory that holds
// go.mod (go test runs a package's tests in the package directory).
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}
