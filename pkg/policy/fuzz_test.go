package policy_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// FuzzParse: Parse never panics, errors are *ValidationError values with at
// least one problem, and a baseline it accepts evaluates the fixtures
// without panicking and with an idempotent fix. The seed corpus is in
// testdata/fuzz/FuzzParse and runs with plain go test.
func FuzzParse(f *testing.F) {
	var clients []*types.UserPoolClientType
	for _, n := range []string{"minimal.json", "web-portal-drift.json", "mobile-app-clean.json", "legacy-flows.json", "machine-client.json", "oauth-http-only.json"} {
		clients = append(clients, describeFixture(f, n))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := policy.Parse(data)
		if err != nil {
			var verr *policy.ValidationError
			if !errors.As(err, &verr) || len(verr.Problems) == 0 || b != nil {
				t.Fatalf("Parse = %v, %v; want nil and a *ValidationError with problems", b, err)
			}
			return
		}
		for _, c := range clients {
			r := policy.Evaluate(b, c, now)
			if r.Fixed == nil {
				continue
			}
			if e := policy.Evaluate(b, r.Fixed, now).Enforceable(); len(e) > 0 {
				t.Fatalf("evaluating Fixed of %s finds more to enforce: %+v", *c.ClientId, e)
			}
			if a := r.SelfContained(c, "rejected").Additions(); !a.Empty() {
				t.Fatalf("the self-contained fixes of %s still add %+v", *c.ClientId, a)
			}
		}
	})
}
