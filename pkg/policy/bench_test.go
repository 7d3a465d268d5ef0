package policy_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// BenchmarkEvaluate measures one client against the example
// baseline with 5 overrides and 5 exemptions, resolving included:
// web-portal-drift breaks enforce rules (fixes, changes, a Fixed copy),
// mobile-app-clean breaks a report rule under an exemption of every field,
// and compliant (mobile-app-clean under another client ID, with its token
// validities inside the rules) breaks nothing and matches no exemption.
func BenchmarkEvaluate(b *testing.B) {
	base, err := policy.Parse(readFile(b, "testdata/bench-baseline.json"))
	if err != nil {
		b.Fatal(err)
	}
	compliant := describeFixture(b, "mobile-app-clean.json")
	compliant.ClientId = aws.String("7example0client0id0clean02")
	compliant.AccessTokenValidity = aws.Int32(30) // minutes: the mobile-* override's max
	compliant.RefreshTokenValidity = 7 * 24 * 60  // minutes: the us-east-1_* override's max
	if r := policy.Evaluate(base, compliant, now); !r.Compliant() || len(r.Exempted)+len(r.Exemptions)+len(r.Expired) > 0 {
		b.Fatalf("the compliant case is not compliant or matches an exemption: %+v", r)
	}
	for _, name := range []string{"web-portal-drift.json", "mobile-app-clean.json", "compliant"} {
		c := compliant
		if name != "compliant" {
			c = describeFixture(b, name)
		}
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
