package policy_test

import (
	"testing"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// BenchmarkEvaluate measures one client against the example
// baseline with 5 overrides and 5 exemptions, resolving included.
func BenchmarkEvaluate(b *testing.B) {
	base, err := policy.Parse(readFile(b, "testdata/bench-baseline.json"))
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"web-portal-drift.json", "mobile-app-clean.json"} {
		c := describeFixture(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				policy.Evaluate(base, c, now)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	doc := readFile(b, "testdata/bench-baseline.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := policy.Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolve measures picking the effective rules and exemptions for
// one client out of the baseline with 5 overrides and 5 exemptions.
func BenchmarkResolve(b *testing.B) {
	base, err := policy.Parse(readFile(b, "testdata/bench-baseline.json"))
	if err != nil {
		b.Fatal(err)
	}
	t := policy.Target{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01", ClientName: "web-portal"}
	b.ReportAllocs()
	for b.Loop() {
		base.Resolve(t, now)
	}
}
