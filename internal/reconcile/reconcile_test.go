package reconcile

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

const testBaseline = `{"version": 1, "rules": {
  "EnableTokenRevocation": true,
  "AllowedOAuthFlows": {"forbid": ["implicit"]},
  "ClientName": {"pattern": "^[a-z-]+$", "action": "report"}}}`

const secret = "s3cr3t0value0that0must0never0leak0"

// step is one expected call and its scripted answer.
type step struct {
	op     string // "describe" or "update"
	client *types.UserPoolClientType
	err    error
	// echo: a describe returns the client last sent, as Cognito holds it.
	echo bool
}

// script is a strict fake: it panics on a call it did not expect.
type script struct {
	t     *testing.T
	steps []step
	sent  []*types.UserPoolClientType
}

func (s *script) next(op string) step {
	s.t.Helper()
	if len(s.steps) == 0 {
		panic("unexpected " + op + " call")
	}
	st := s.steps[0]
	if st.op != op {
		panic("got " + op + " call, want " + st.op)
	}
	s.steps = s.steps[1:]
	return st
}

func (s *script) Describe(_ context.Context, pool, id string) (*types.UserPoolClientType, error) {
	st := s.next("describe")
	if st.echo {
		return s.sent[len(s.sent)-1], nil
	}
	return st.client, st.err
}

func (s *script) Update(_ context.Context, fixed *types.UserPoolClientType) (*types.UserPoolClientType, error) {
	st := s.next("update")
	s.sent = append(s.sent, fixed)
	return fixed, st.err
}

func client(revocation bool, flows ...types.OAuthFlowType) *types.UserPoolClientType {
	c := &types.UserPoolClientType{
		UserPoolId:            aws.String("us-east-1_EXAMPLE01"),
		ClientId:              aws.String("6example0client0id0drift01"),
		ClientName:            aws.String("web-portal"),
		ClientSecret:          aws.String(secret),
		EnableTokenRevocation: aws.Bool(revocation),
	}
	if len(flows) > 0 {
		c.AllowedOAuthFlowsUserPoolClient = aws.Bool(true)
		c.AllowedOAuthFlows = flows
		c.AllowedOAuthScopes = []string{"openid"}
		c.CallbackURLs = []string{"https://app.example.com/cb"}
		c.SupportedIdentityProviders = []string{"COGNITO"}
	}
	return c
}

func TestReconcile(t *testing.T) {
	b, err := policy.Parse([]byte(testBaseline))
	if err != nil {
		t.Fatal(err)
	}
	drifted := client(false, types.OAuthFlowTypeCode, types.OAuthFlowTypeImplicit)
	fixed := client(true, types.OAuthFlowTypeCode)
	throttled := &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	rejected := &types.InvalidParameterException{Message: aws.String("bad value " + secret)}
	conflict := &types.ConcurrentModificationException{Message: aws.String("two or more modifications are happening concurrently")}
	gone := &types.ResourceNotFoundException{Message: aws.String("User pool client does not exist.")}

	tests := []struct {
		name       string
		dryRun     bool
		noWrite    string
		steps      []step
		want       Status
		wantErr    bool
		wantWrites int
		wantReason string
	}{
		{name: "compliant is never written", steps: []step{{op: "describe", client: fixed}}, want: Compliant},
		{name: "drift is fixed and verified", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"}, {op: "describe", client: fixed}},
			want: Remediated, wantWrites: 1, wantReason: "remediated"},
		{name: "dry run writes nothing", dryRun: true, steps: []step{{op: "describe", client: drifted}},
			want: Drift, wantReason: "dry run: would remediate"},
		{name: "client gone before describe", steps: []step{{op: "describe", err: gone}}, want: Skipped},
		{name: "client deleted before the pre-write describe", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", err: gone}}, want: Skipped},
		{name: "client deleted between the pre-write describe and update", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: gone}}, want: Skipped, wantWrites: 1},
		{name: "pre-write describe throttled: nothing written, the caller retries", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", err: throttled}}, want: Failed, wantErr: true},
		{name: "rejected update is terminal", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: rejected}}, want: Failed, wantWrites: 1,
			wantReason: "update rejected"},
		{name: "throttled describe is retried by the caller", steps: []step{{op: "describe", err: throttled}},
			want: Failed, wantErr: true},
		{name: "throttled update: start again from a fresh describe, bounded, then the caller retries", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: throttled},
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: throttled},
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: throttled}},
			want: Failed, wantErr: true, wantWrites: 3, wantReason: "Cognito did not take the update (TooManyRequestsException), 3 times"},
		{name: "throttled update, then taken from a fresh describe", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: throttled},
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"}, {op: "describe", client: fixed}},
			want: Remediated, wantWrites: 2, wantReason: "remediated"},
		{name: "verification describe throttled: the write is still reported", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"}, {op: "describe", err: throttled}},
			want: Remediated, wantWrites: 1, wantReason: "not verified"},
		{name: "own event: evaluate, never write", noWrite: "the function's own update", steps: []step{{op: "describe", client: drifted}},
			want: Drift, wantReason: "not written (the function's own update)"},
		{name: "concurrent modification: start again from a fresh describe", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: conflict},
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"}, {op: "describe", client: fixed}},
			want: Remediated, wantWrites: 2},
		{name: "concurrent modification persists: the caller retries", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: conflict},
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: conflict},
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update", err: conflict}},
			want: Failed, wantErr: true, wantWrites: 3},
		{name: "drift left after the update", steps: []step{
			{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"}, {op: "describe", client: drifted}},
			want: Failed, wantWrites: 1, wantReason: "drift remains"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &script{t: t, steps: tt.steps}
			var logs strings.Builder
			r := &Reconciler{Clients: fake, DryRun: tt.dryRun, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Backoff: noBackoff,
				Now: func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }}
			got, err := r.Reconcile(context.Background(), b, Ref{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01", NoWrite: tt.noWrite})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got.Status != tt.want {
				t.Errorf("outcome = %q (%s), want %q", got.Status, got.Reason, tt.want)
			}
			if !strings.Contains(got.Reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", got.Reason, tt.wantReason)
			}
			if len(fake.sent) != tt.wantWrites {
				t.Errorf("%d updates sent, want %d", len(fake.sent), tt.wantWrites)
			}
			if len(fake.steps) != 0 {
				t.Errorf("%d expected calls not made", len(fake.steps))
			}
			for _, text := range []string{got.Reason, logs.String(), errString(err)} {
				if strings.Contains(text, secret) {
					t.Errorf("client secret leaked: %s", text)
				}
			}
		})
	}
}

func TestReconcileFixesOnlyTheDriftedFields(t *testing.T) {
	b, err := policy.Parse([]byte(testBaseline))
	if err != nil {
		t.Fatal(err)
	}
	drifted := client(false, types.OAuthFlowTypeCode, types.OAuthFlowTypeImplicit)
	drifted.LogoutURLs = []string{"https://app.example.com/bye"}
	drifted.RefreshTokenValidity = 7
	fake := &script{t: t, steps: []step{{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"}, {op: "describe", client: client(true, types.OAuthFlowTypeCode)}}}
	r := &Reconciler{Clients: fake, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if _, err := r.Reconcile(context.Background(), b, Ref{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01"}); err != nil {
		t.Fatal(err)
	}
	// The client handed to Update; pkg/appclient's tests pin how it becomes
	// the full-field request.
	want := *drifted
	want.EnableTokenRevocation = aws.Bool(true)
	want.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeCode}
	if diff := diff.Diff(&want, fake.sent[0]); diff != "" {
		t.Errorf("update request (-want +got):\n%s", diff)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func noBackoff(int) time.Duration { return 0 }

// An override matched on clientName weakens a rule for whoever can rename
// the client: the outcome names the override that applied.
func TestOutcomeNamesTheOverrideThatApplied(t *testing.T) {
	b, err := policy.Parse([]byte(`{"version": 1, "rules": {"EnableTokenRevocation": true},
  "overrides": [{"match": {"clientName": "legacy-*"}, "rules": {"EnableTokenRevocation": null}},
                {"match": {"clientName": "web-*"}, "rules": {"EnableTokenRevocation": null}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	s := &script{t: t, steps: []step{{op: "describe", client: client(false)}}}
	r := &Reconciler{Clients: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	out, err := r.Reconcile(context.Background(), b, Ref{UserPoolID: "us-east-1_EXAMPLE01", ClientID: "6example0client0id0drift01"})
	if err != nil || out.Status != Compliant {
		t.Fatalf("status %s, err %v", out.Status, err)
	}
	if len(out.Overrides) != 1 || out.Overrides[0].Index != 1 || out.Overrides[0].Match.ClientName != "web-*" {
		t.Errorf("overrides in the outcome: %+v, want the second (web-*)", out.Overrides)
	}
}
