package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/metrics"
	"github.com/cognito-guard/cognito-guard/internal/notify/hub"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

const secret = "s3cr3t-q8v1n4l0p2x7c9z3m6k5j1h8g4f2d0s7a9w3e5r1t6y8u2i4o0"

const secretBaseline = `{
  "version": 1,
  "rules": {
    "AccessTokenValidity": {"max": "1h"},
    "ExplicitAuthFlows": {"forbid": ["ALLOW_USER_PASSWORD_AUTH"]},
    "AllowedOAuthFlows": {"forbid": ["implicit"]},
    "ClientName": {"pattern": "^[a-z0-9-]+$", "action": "report"}
  }
}`

// secretClient is a described client that has a secret and drifts in ways
// that give every outcome: a fixable enforced rule, a report-only rule, and
// (with implicit) an unfixable one.
func secretClient(id string, withImplicit bool) *types.UserPoolClientType {
	c := &types.UserPoolClientType{
		UserPoolId:          aws.String(pool),
		ClientId:            aws.String(id),
		ClientName:          aws.String("Web_Portal"),
		ClientSecret:        aws.String(secret),
		AccessTokenValidity: aws.Int32(24),
		TokenValidityUnits:  &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeHours},
		ExplicitAuthFlows:   []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	}
	if withImplicit {
		c.AllowedOAuthFlowsUserPoolClient = aws.Bool(true)
		c.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeImplicit}
		c.AllowedOAuthScopes = []string{"openid"}
		c.CallbackURLs = []string{"https://example.com/cb"}
		c.SupportedIdentityProviders = []string{"COGNITO"}
	}
	return c
}

// cognito is a strict fake of what the reconciler needs from Cognito: it
// holds the clients, echoes the secret in every answer like Cognito does,
// and can fail updates with an error that repeats the secret.
type cognito struct {
	clients   map[string]*types.UserPoolClientType
	updateErr error
}

func (c *cognito) Describe(_ context.Context, poolID, clientID string) (*types.UserPoolClientType, error) {
	cl, ok := c.clients[clientID]
	if !ok || poolID != pool {
		panic(fmt.Sprintf("unexpected Describe %s/%s", poolID, clientID))
	}
	cp := *cl
	return &cp, nil
}

func (c *cognito) Update(_ context.Context, fixed *types.UserPoolClientType) (*types.UserPoolClientType, error) {
	if c.updateErr != nil {
		return nil, c.updateErr
	}
	id := aws.ToString(fixed.ClientId)
	if _, ok := c.clients[id]; !ok {
		panic("unexpected Update of " + id)
	}
	cp := *fixed
	cp.ClientSecret = aws.String(secret)
	c.clients[id] = &cp
	return &cp, nil
}

// TestSecretNeverLeaves drives outcomes that the real reconciler made from
// clients with a secret through every output path (EMF, PutEvents, SNS,
// GetFindings and BatchImportFindings over the real SDK clients) and
// searches every byte written, and every error, for the secret.
func TestSecretNeverLeaves(t *testing.T) {
	t.Parallel() // waits on its own server, not the CPU
	b, err := policy.Parse([]byte(secretBaseline))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reconcileAll := func(dryRun bool, updateErr error) []reconcile.Outcome {
		fake := &cognito{updateErr: updateErr, clients: map[string]*types.UserPoolClientType{
			"secretclient0fixable01": secretClient("secretclient0fixable01", false),
			"secretclient0implicit1": secretClient("secretclient0implicit1", true),
		}}
		// No pause before the fresh describe that follows the refused update (attempt*200ms by
		// default): the restarts are reconcile's tests', this one searches what they print.
		r := &reconcile.Reconciler{Clients: fake, DryRun: dryRun, Now: fixedNow, Log: log, Backoff: func(int) time.Duration { return 0 }}
		var out []reconcile.Outcome
		for _, id := range []string{"secretclient0fixable01", "secretclient0implicit1"} {
			o, _ := r.Reconcile(context.Background(), b, reconcile.Ref{UserPoolID: pool, ClientID: id})
			out = append(out, o)
		}
		return out
	}
	var outcomes []reconcile.Outcome
	outcomes = append(outcomes, reconcileAll(true, nil)...)  // drift, unfixable (dry run)
	outcomes = append(outcomes, reconcileAll(false, nil)...) // remediated, unfixable
	outcomes = append(outcomes, reconcileAll(false, errors.New("InvalidParameterException: client secret "+secret+" is not allowed here"))...)
	// The notify layer picks fields by name: whatever sits in the fields it
	// does not publish, or on a secret field, stays out.
	planted := remediated
	planted.Exempted = []policy.Finding{{Rule: "X.y", Field: "X", Current: secret, Required: secret}}
	planted.Exemptions = []policy.Exemption{{Reason: secret, Expires: testNow}}
	planted.ExpiredExemptions = []policy.Exemption{{Reason: secret, Expires: testNow.Add(-time.Hour)}}
	planted.Findings = append(planted.Findings, policy.Finding{Rule: "ClientSecret.absent", Field: "ClientSecret", Current: secret, Required: "absent", Action: policy.Report, Fixable: false, Fix: secret})
	planted.Changes = append(planted.Changes, policy.Change{Field: "ClientSecret", Before: secret, After: secret})
	outcomes = append(outcomes, planted)

	got := map[reconcile.Status]int{}
	for _, o := range outcomes {
		got[o.Status]++
	}
	for _, s := range []reconcile.Status{reconcile.Drift, reconcile.Unfixable, reconcile.Remediated, reconcile.Failed} {
		if got[s] == 0 {
			t.Errorf("no %s outcome among %v: the test would not cover that path", s, got)
		}
	}

	openFinding := fmt.Sprintf(`{"Findings":[{"Id":%q,"CreatedAt":"2026-10-01T00:00:00Z","Title":"t"}]}`, hub.FindingID(pool, "secretclient0fixable01", "AccessTokenValidity.max"))
	fake := newFakeAWS(t, map[string]reply{
		"PutEvents":           putEventsOK,
		"Publish":             publishOK,
		"GetFindings":         func(*testing.T, int, []byte) (int, string) { return 200, openFinding },
		"BatchImportFindings": importOK,
	})
	sh := fake.securityhub()
	n := newTestNotifier(Options{Events: fake.eventbridge(), Bus: "b", SNS: fake.sns(), TopicARN: "arn:aws:sns:us-east-1:123456789012:t", SecurityHub: testHub(hub.Options{SecurityHub: sh, Findings: sh})})
	var emf bytes.Buffer
	rec := metrics.New(&emf, "", metrics.FunctionAudit, fixedNow)
	rec.Record(outcomes...)
	if err := rec.Flush(); err != nil {
		t.Fatal(err)
	}
	pubErr := n.Publish(context.Background(), outcomes)
	if pubErr != nil {
		t.Fatal(pubErr)
	}
	// A failing service, so that the error path is searched too.
	failing := newFakeAWS(t, map[string]reply{
		"PutEvents":           serviceError("InternalException"),
		"Publish":             func(*testing.T, int, []byte) (int, string) { return 400, "<ErrorResponse/>" },
		"BatchImportFindings": serviceError("InvalidInputException"),
	})
	errN := newTestNotifier(Options{Events: failing.eventbridge(), SNS: failing.sns(), TopicARN: "t", SecurityHub: testHub(hub.Options{SecurityHub: failing.securityhub()})})
	failErr := errN.Publish(context.Background(), outcomes)
	if failErr == nil {
		t.Fatal("Publish against a failing service returned no error")
	}

	written := map[string][]byte{"EMF": emf.Bytes(), "error": []byte(failErr.Error()), "reconcile log": logs.Bytes()}
	for _, f := range []*fakeAWS{fake, failing} {
		for i, c := range f.All() {
			var head bytes.Buffer
			_ = c.Head.Write(&head)
			written[fmt.Sprintf("%s #%d", c.Op, i)] = bytes.Join([][]byte{[]byte(c.URL), head.Bytes(), c.Body}, []byte("\n"))
		}
	}
	for _, op := range []string{"PutEvents", "Publish", "GetFindings", "BatchImportFindings"} {
		if len(fake.callsOf(op)) == 0 {
			t.Errorf("no %s call: that path was not searched", op)
		}
	}
	if emf.Len() == 0 {
		t.Error("no EMF written: that path was not searched")
	}
	// The secret in clear, and its first 12 characters in case something
	// cut or re-encoded it.
	for name, b := range written {
		for _, s := range []string{secret, secret[:12]} {
			if i := bytes.Index(b, []byte(s)); i >= 0 {
				t.Errorf("%s holds the client secret: ...%s...", name, excerpt(b, i))
			}
		}
	}
}

func excerpt(b []byte, i int) string {
	from, to := max(0, i-60), min(len(b), i+60)
	return strings.ReplaceAll(string(b[from:to]), "\n", " ")
}
