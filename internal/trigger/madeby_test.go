package trigger_test

import (
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/trigger"
)

// TestMadeBy: an event is the function's own only when CloudTrail names the
// function's execution role as the session issuer. The session name, which
// any caller chooses, never decides (issue 10, point 2).
func TestMadeBy(t *testing.T) {
	const (
		role     = "arn:aws:iam::123456789012:role/cognito-guard-RemediateFunctionRole-1A2B3C"
		function = "cognito-guard-RemediateFunction-9Z8Y"
	)
	upd := "update-user-pool-client.json"
	identity := func(typ, arn, issuer string) []byte {
		id := map[string]any{"type": typ, "arn": arn, "accountId": account}
		if issuer != "" {
			id["sessionContext"] = map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": issuer, "accountId": account}}
		}
		return mutate(t, upd, set("detail.userIdentity", id))
	}
	tests := []struct {
		name string
		in   []byte
		want bool
	}{
		{"our execution role (Lambda names the session after the function)",
			identity("AssumedRole", "arn:aws:sts::123456789012:assumed-role/cognito-guard-RemediateFunctionRole-1A2B3C/"+function, role), true},
		{"our execution role, any session name",
			identity("AssumedRole", "arn:aws:sts::123456789012:assumed-role/cognito-guard-RemediateFunctionRole-1A2B3C/other", role), true},
		{"spoofed: another role's session named after the function",
			identity("AssumedRole", "arn:aws:sts::123456789012:assumed-role/platform-deployer/"+function, "arn:aws:iam::123456789012:role/platform-deployer"), false},
		{"spoofed: a role named like ours in another account",
			identity("AssumedRole", "arn:aws:sts::210987654321:assumed-role/cognito-guard-RemediateFunctionRole-1A2B3C/"+function,
				"arn:aws:iam::210987654321:role/cognito-guard-RemediateFunctionRole-1A2B3C"), false},
		{"spoofed: a role of the same name under another path",
			identity("AssumedRole", "arn:aws:sts::123456789012:assumed-role/cognito-guard-RemediateFunctionRole-1A2B3C/"+function,
				"arn:aws:iam::123456789012:role/evil/cognito-guard-RemediateFunctionRole-1A2B3C"), false},
		{"spoofed: role name with our name as suffix",
			identity("AssumedRole", "arn:aws:sts::123456789012:assumed-role/x-cognito-guard-RemediateFunctionRole-1A2B3C/"+function,
				"arn:aws:iam::123456789012:role/x-cognito-guard-RemediateFunctionRole-1A2B3C"), false},
		{"spoofed: IAM user named after the function",
			identity("IAMUser", "arn:aws:iam::123456789012:user/"+function, ""), false},
		{"no session issuer", identity("AssumedRole", "arn:aws:sts::123456789012:assumed-role/cognito-guard-RemediateFunctionRole-1A2B3C/"+function, ""), false},
		{"issuer is ours but the type is not an assumed role", identity("FederatedUser", "arn:aws:sts::123456789012:federated-user/x", role), false},
		{"userIdentity masked", mutate(t, upd, set("detail.userIdentity", "HIDDEN_DUE_TO_SECURITY_REASONS")), false},
		{"manual payload", manualJSON(pool, drifted), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := trigger.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := req.MadeBy(role); got != tt.want {
				t.Errorf("MadeBy(%s) = %v, want %v (request %+v)", role, got, tt.want, req)
			}
			if req.MadeBy("") {
				t.Error(`MadeBy("") = true, want false: an unset role matches nothing`)
			}
		})
	}
}

func TestRoleARN(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"arn:aws:iam::123456789012:role/cognito-guard-RemediateFunctionRole-1A2B3C", true},
		{"arn:aws:iam::123456789012:role/service-role/path/name", true},
		{"arn:aws-us-gov:iam::123456789012:role/name", true},
		{"", false},
		{"cognito-guard-RemediateFunction", false},
		{"arn:aws:sts::123456789012:assumed-role/name/session", false},
		{"arn:aws:iam::123456789012:user/name", false},
		{"arn:aws:iam::12345678901:role/name", false},
	} {
		if _, err := trigger.RoleARN(tt.in); (err == nil) != tt.ok {
			t.Errorf("RoleARN(%q) error = %v, want ok %v", tt.in, err, tt.ok)
		}
	}
}
