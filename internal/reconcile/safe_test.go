package reconcile

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

const (
	testPool   = "us-east-1_EXAMPLE01"
	testClient = "6example0client0id0drift01"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func mustParse(t *testing.T, doc string) *policy.Baseline {
	t.Helper()
	b, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// at returns c with LastModifiedDate set to second s of a fixed day.
func at(c *types.UserPoolClientType, s int) *types.UserPoolClientType {
	cp := *c
	cp.LastModifiedDate = aws.Time(time.Date(2026, 11, 26, 7, 0, s, 0, time.UTC))
	return &cp
}

func run(t *testing.T, r *Reconciler, b *policy.Baseline) (Outcome, error) {
	t.Helper()
	if r.Log == nil {
		r.Log = quiet
	}
	if r.Backoff == nil {
		r.Backoff = noBackoff
	}
	return r.Reconcile(context.Background(), b, Ref{UserPoolID: testPool, ClientID: testClient})
}

// TestPreWriteDescribe: right before writing, the client is described
// again; if it moved, the fix is computed again from the new state, so
// another writer's change is never overwritten by a stale full-field update.
func TestPreWriteDescribe(t *testing.T) {
	b := mustParse(t, testBaseline)
	drifted := at(client(false, types.OAuthFlowTypeCode, types.OAuthFlowTypeImplicit), 0)
	// An administrator adds a callback URL after our describe.
	edited := at(drifted, 1)
	edited.CallbackURLs = []string{"https://app.example.com/cb", "https://app.example.com/new"}
	// The same edit within the same second (LastModifiedDate has limited
	// resolution): the settable fields still tell.
	sameSecond := at(edited, 0)
	// Only the modification date moved (a write that set what was there).
	touched := at(drifted, 5)
	// Cognito does not keep list order: a reordered list is not a change.
	reordered := at(drifted, 0)
	reordered.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeImplicit, types.OAuthFlowTypeCode}
	fixedEdited := at(client(true, types.OAuthFlowTypeCode), 2)
	fixedEdited.CallbackURLs = edited.CallbackURLs

	tests := []struct {
		name         string
		steps        []step
		want         Status
		wantErr      bool
		wantRestarts int
		wantBackoffs []int
		// wantCallbacks: the CallbackURLs of the one update sent, if any.
		wantCallbacks []string
	}{
		{name: "edit before the pre-write describe: start again from the new state",
			steps: []step{{op: "describe", client: drifted}, {op: "describe", client: edited},
				{op: "describe", client: edited}, {op: "describe", client: edited}, {op: "update"}, {op: "describe", client: fixedEdited}},
			want: Remediated, wantRestarts: 1, wantBackoffs: []int{1}, wantCallbacks: edited.CallbackURLs},
		{name: "edit within the same second: the settable fields moved",
			steps: []step{{op: "describe", client: drifted}, {op: "describe", client: sameSecond},
				{op: "describe", client: sameSecond}, {op: "describe", client: sameSecond}, {op: "update"}, {op: "describe", client: fixedEdited}},
			want: Remediated, wantRestarts: 1, wantBackoffs: []int{1}, wantCallbacks: edited.CallbackURLs},
		{name: "only LastModifiedDate moved",
			steps: []step{{op: "describe", client: drifted}, {op: "describe", client: touched},
				{op: "describe", client: touched}, {op: "describe", client: touched}, {op: "update"}, {op: "describe", client: fixedEdited}},
			want: Remediated, wantRestarts: 1, wantBackoffs: []int{1}, wantCallbacks: drifted.CallbackURLs},
		{name: "list order alone is not a change",
			steps: []step{{op: "describe", client: drifted}, {op: "describe", client: reordered}, {op: "update"}, {op: "describe", client: fixedEdited}},
			want:  Remediated, wantCallbacks: drifted.CallbackURLs},
		{name: "client keeps changing: bounded, then the event is kept",
			steps: []step{{op: "describe", client: at(drifted, 0)}, {op: "describe", client: at(drifted, 1)},
				{op: "describe", client: at(drifted, 1)}, {op: "describe", client: at(drifted, 2)},
				{op: "describe", client: at(drifted, 2)}, {op: "describe", client: at(drifted, 3)}},
			want: Failed, wantErr: true, wantRestarts: 2, wantBackoffs: []int{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &script{t: t, steps: tt.steps}
			var backoffs []int
			r := &Reconciler{Clients: fake, Backoff: func(n int) time.Duration { backoffs = append(backoffs, n); return 0 }}
			got, err := run(t, r, b)
			if (err != nil) != tt.wantErr || (err != nil && !IsRetryable(err)) {
				t.Fatalf("err = %v, wantErr %v (retryable)", err, tt.wantErr)
			}
			if got.Status != tt.want || got.Restarts != tt.wantRestarts {
				t.Errorf("outcome %q restarts %d (%s), want %q restarts %d", got.Status, got.Restarts, got.Reason, tt.want, tt.wantRestarts)
			}
			if diff := diff.Diff(tt.wantBackoffs, backoffs); diff != "" {
				t.Errorf("backoffs (-want +got):\n%s", diff)
			}
			if len(fake.steps) != 0 {
				t.Errorf("%d expected calls not made", len(fake.steps))
			}
			switch {
			case tt.wantCallbacks == nil && len(fake.sent) > 0:
				t.Errorf("%d updates sent, want none", len(fake.sent))
			case tt.wantCallbacks != nil && len(fake.sent) != 1:
				t.Errorf("%d updates sent, want 1", len(fake.sent))
			case tt.wantCallbacks != nil:
				if diff := diff.Diff(tt.wantCallbacks, fake.sent[0].CallbackURLs); diff != "" {
					t.Errorf("CallbackURLs sent (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestWriteMargin: no write starts without the time to confirm it.
func TestWriteMargin(t *testing.T) {
	b := mustParse(t, testBaseline)
	drifted := client(false, types.OAuthFlowTypeCode)
	fake := &script{t: t, steps: []step{{op: "describe", client: drifted}}}
	r := &Reconciler{Clients: fake, Log: quiet, WriteMargin: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := r.Reconcile(ctx, b, Ref{UserPoolID: testPool, ClientID: testClient})
	if !IsRetryable(err) || got.Status != Failed || !strings.Contains(got.Reason, "deadline") {
		t.Errorf("outcome %q (%s), err %v; want failed, retryable, naming the deadline", got.Status, got.Reason, err)
	}
	if len(fake.sent) != 0 || len(got.Changes) != 0 {
		t.Errorf("%d updates sent, changes %v; want nothing written", len(fake.sent), got.Changes)
	}

	// With time to spare the same reconcile writes.
	fake = &script{t: t, steps: []step{{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"},
		{op: "describe", client: client(true, types.OAuthFlowTypeCode)}}}
	r.Clients = fake
	ctx, cancel = context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if got, err := r.Reconcile(ctx, b, Ref{UserPoolID: testPool, ClientID: testClient}); err != nil || got.Status != Remediated {
		t.Errorf("with an hour left: outcome %q (%s), err %v; want remediated", got.Status, got.Reason, err)
	}
}

// TestWriteMarginAtMostAThird: without a WriteMargin the margin is DefaultWriteMargin, but at most a
// third of the reconcile's time, so that a function with a short timeout (3 s: SAM's default) still
// writes; and the third holds: a reconcile whose first describe took most of its time writes
// nothing.
func TestWriteMarginAtMostAThird(t *testing.T) {
	b := mustParse(t, testBaseline)
	drifted := client(false, types.OAuthFlowTypeCode)
	fake := &script{t: t, steps: []step{{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"},
		{op: "describe", client: client(true, types.OAuthFlowTypeCode)}}}
	r := &Reconciler{Clients: fake, Log: quiet}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if got, err := r.Reconcile(ctx, b, Ref{UserPoolID: testPool, ClientID: testClient}); err != nil || got.Status != Remediated {
		t.Errorf("3 s to the deadline: outcome %q (%s), err %v; want remediated", got.Status, got.Reason, err)
	}

	slow := &slowDescribe{script: &script{t: t, steps: []step{{op: "describe", client: drifted}}}, delay: 250 * time.Millisecond}
	r = &Reconciler{Clients: slow, Log: quiet}
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	got, err := r.Reconcile(ctx, b, Ref{UserPoolID: testPool, ClientID: testClient})
	margin := -1 // the margin the reason names, in ms
	if m := regexp.MustCompile(`a write needs (\d+)ms to be confirmed`).FindStringSubmatch(got.Reason); m != nil {
		margin, _ = strconv.Atoi(m[1])
	}
	if !IsRetryable(err) || got.Status != Failed || margin < 0 || margin > 100 {
		t.Errorf("at most 50 ms of 300 left: outcome %q (%s), err %v; want failed, retryable, a margin of at most a third (100ms)", got.Status, got.Reason, err)
	}
	if len(slow.sent) != 0 {
		t.Errorf("%d updates sent; want nothing written", len(slow.sent))
	}
}

// slowDescribe is a script whose describes take delay.
type slowDescribe struct {
	*script
	delay time.Duration
}

func (s *slowDescribe) Describe(ctx context.Context, pool, id string) (*types.UserPoolClientType, error) {
	time.Sleep(s.delay)
	return s.script.Describe(ctx, pool, id)
}

// baselines is a strict fake of the baseline loader's version check.
type baselines struct {
	versions map[*policy.Baseline]int64
	current  []*policy.Baseline // answers to Current, in order
	err      error
	calls    int
}

func (f *baselines) Current(context.Context) (*policy.Baseline, int64, error) {
	f.calls++
	if f.err != nil {
		return nil, 0, f.err
	}
	if len(f.current) == 0 {
		panic("unexpected Current call")
	}
	b := f.current[0]
	if len(f.current) > 1 {
		f.current = f.current[1:]
	}
	return b, f.versions[b], nil
}

func (f *baselines) Version(b *policy.Baseline) int64 { return f.versions[b] }

// TestCurrentBaselineWins: a warm container's older baseline never writes;
// the check costs one SSM read per write, none for a client needing none.
func TestCurrentBaselineWins(t *testing.T) {
	old := mustParse(t, `{"version": 1, "rules": {"EnableTokenRevocation": true}}`)
	cur := mustParse(t, `{"version": 1, "rules": {"EnableTokenRevocation": true, "RefreshTokenValidity": {"max": "7d"}}}`)
	drifted := client(false)
	drifted.RefreshTokenValidity = 30
	drifted.TokenValidityUnits = &types.TokenValidityUnitsType{RefreshToken: types.TimeUnitsTypeDays}
	fixed := client(true)
	fixed.RefreshTokenValidity = 7
	fixed.TokenValidityUnits = drifted.TokenValidityUnits

	f := &baselines{versions: map[*policy.Baseline]int64{old: 3, cur: 4}, current: []*policy.Baseline{cur}}
	fake := &script{t: t, steps: []step{{op: "describe", client: drifted},
		{op: "describe", client: drifted}, {op: "describe", client: drifted}, {op: "update"}, {op: "describe", client: fixed}}}
	got, err := run(t, &Reconciler{Clients: fake, Baselines: f}, old)
	if err != nil || got.Status != Remediated {
		t.Fatalf("outcome %q (%s), err %v; want remediated", got.Status, got.Reason, err)
	}
	if got.BaselineVersion != 4 {
		t.Errorf("baselineVersion = %d, want 4 (the current one)", got.BaselineVersion)
	}
	if len(fake.sent) != 1 || fake.sent[0].RefreshTokenValidity != 7 {
		t.Errorf("sent %d updates, want one with the current baseline's refresh validity 7d", len(fake.sent))
	}
	if f.calls != 2 {
		t.Errorf("%d version checks, want 2 (one per write attempt)", f.calls)
	}

	// A compliant client costs no SSM call, and still names the version.
	f = &baselines{versions: map[*policy.Baseline]int64{old: 3}}
	got, err = run(t, &Reconciler{Clients: &script{t: t, steps: []step{{op: "describe", client: client(true)}}}, Baselines: f}, old)
	if err != nil || got.Status != Compliant || got.BaselineVersion != 3 || f.calls != 0 {
		t.Errorf("compliant: outcome %q, version %d, %d checks, err %v; want compliant, 3, 0", got.Status, got.BaselineVersion, f.calls, err)
	}

	// The check failing keeps the event and writes nothing.
	f = &baselines{err: errors.New("ThrottlingException: Rate exceeded")}
	fake = &script{t: t, steps: []step{{op: "describe", client: drifted}}}
	got, err = run(t, &Reconciler{Clients: fake, Baselines: f}, old)
	if !IsRetryable(err) || got.Status != Failed || len(fake.sent) != 0 {
		t.Errorf("check failed: outcome %q, err %v, %d updates; want failed, retryable, none", got.Status, err, len(fake.sent))
	}
}

// poolScript is a script whose Clients also read the pool (strictly: a
// read it was not given panics) and count the reads.
type poolScript struct {
	*script
	scopes, idps, attrs []string
	reads               []string
}

func (p *poolScript) ResourceServerScopes(_ context.Context, pool string) ([]string, error) {
	p.reads = append(p.reads, "ListResourceServers "+pool)
	if p.scopes == nil {
		panic("unexpected ListResourceServers")
	}
	return p.scopes, nil
}

func (p *poolScript) IdentityProviders(_ context.Context, pool string) ([]string, error) {
	p.reads = append(p.reads, "ListIdentityProviders "+pool)
	if p.idps == nil {
		panic("unexpected ListIdentityProviders")
	}
	return p.idps, nil
}

func (p *poolScript) SchemaAttributes(_ context.Context, pool string) ([]string, error) {
	p.reads = append(p.reads, "DescribeUserPool "+pool)
	if p.attrs == nil {
		panic("unexpected DescribeUserPool")
	}
	return p.attrs, nil
}

// TestRejectedFixDoesNotSinkTheOthers: when Cognito rejects the update for
// its content, the fixes that cannot refer to anything outside the client
// are sent once more; the rest is unfixable with Cognito's message.
func TestRejectedFixDoesNotSinkTheOthers(t *testing.T) {
	b := mustParse(t, `{"version": 1, "rules": {"EnableTokenRevocation": true,
		"AllowedOAuthFlows": {"forbid": ["implicit"]},
		"AllowedOAuthScopes": {"require": ["https://api.example.com/read"]}}}`)
	drifted := client(false, types.OAuthFlowTypeCode, types.OAuthFlowTypeImplicit)
	fixed := client(true, types.OAuthFlowTypeCode)
	noScope := &types.ScopeDoesNotExistException{Message: aws.String("Invalid scope requested: https://api.example.com/read")}
	invalid := &types.InvalidParameterException{Message: aws.String("Invalid range for token validity.")}

	t.Run("scope rejected: revocation and the flow removal are sent again", func(t *testing.T) {
		// The pool listed the scope (it was deleted since, or the listing
		// was stale): Cognito has the last word.
		fake := &poolScript{script: &script{t: t, steps: []step{{op: "describe", client: drifted},
			{op: "describe", client: drifted}, {op: "update", err: noScope},
			{op: "describe", client: drifted}, {op: "update"}, {op: "describe", client: fixed}}},
			scopes: []string{"https://api.example.com/read"}}
		got, err := run(t, &Reconciler{Clients: fake}, b)
		if err != nil || got.Status != Unfixable {
			t.Fatalf("outcome %q (%s), err %v; want unfixable", got.Status, got.Reason, err)
		}
		if len(fake.sent) != 2 {
			t.Fatalf("%d updates, want 2", len(fake.sent))
		}
		second := fake.sent[1]
		if !aws.ToBool(second.EnableTokenRevocation) || slices.Contains(second.AllowedOAuthFlows, types.OAuthFlowTypeImplicit) ||
			slices.Contains(second.AllowedOAuthScopes, "https://api.example.com/read") {
			t.Errorf("second update: revocation %v, flows %v, scopes %v; want revocation on, implicit gone, scope not added",
				aws.ToBool(second.EnableTokenRevocation), second.AllowedOAuthFlows, second.AllowedOAuthScopes)
		}
		if diff := diff.Diff([]string{"AllowedOAuthFlows", "EnableTokenRevocation"}, sortedFields(got.Changes)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		f := findingOf(got.Findings, "AllowedOAuthScopes")
		if f == nil || f.Fixable || !strings.Contains(f.Reason, "Invalid scope requested") {
			t.Errorf("scope finding %+v, want unfixable with Cognito's message", f)
		}
		if !strings.Contains(got.Reason, "Invalid scope requested") {
			t.Errorf("reason %q, want Cognito's message", got.Reason)
		}
	})
	t.Run("rejected with only self-contained fixes: failed, not resent", func(t *testing.T) {
		fake := &script{t: t, steps: []step{{op: "describe", client: drifted},
			{op: "describe", client: drifted}, {op: "update", err: invalid}}}
		got, err := run(t, &Reconciler{Clients: fake}, mustParse(t, testBaseline))
		if err != nil || got.Status != Failed || len(fake.sent) != 1 {
			t.Errorf("outcome %q (%s), err %v, %d updates; want failed, 1 update", got.Status, got.Reason, err, len(fake.sent))
		}
	})
	t.Run("rejected with only fixes that refer outside: unfixable, not resent", func(t *testing.T) {
		only := mustParse(t, `{"version": 1, "rules": {"AllowedOAuthScopes": {"require": ["https://api.example.com/read"]}}}`)
		c := client(true, types.OAuthFlowTypeCode)
		fake := &poolScript{script: &script{t: t, steps: []step{{op: "describe", client: c},
			{op: "describe", client: c}, {op: "update", err: noScope}}}, scopes: []string{"https://api.example.com/read"}}
		got, err := run(t, &Reconciler{Clients: fake}, only)
		if err != nil || got.Status != Unfixable || len(fake.sent) != 1 || len(got.Changes) != 0 {
			t.Errorf("outcome %q (%s), err %v, %d updates, changes %v; want unfixable, 1 update, no changes",
				got.Status, got.Reason, err, len(fake.sent), got.Changes)
		}
	})
}

func sortedFields(cs []policy.Change) []string {
	f := changedFields(cs)
	slices.Sort(f)
	return f
}

func findingOf(fs []policy.Finding, field string) *policy.Finding {
	for i := range fs {
		if fs[i].Field == field {
			return &fs[i]
		}
	}
	return nil
}

// TestUnknownMembersNeverWritten: a client with a setting the SDK does not
// know is evaluated and reported, never written.
func TestUnknownMembersNeverWritten(t *testing.T) {
	b := mustParse(t, testBaseline)
	unknown := &appclient.UnknownMembersError{Members: []string{"ClientBindingPolicy"}}
	fake := &unknownScript{script: &script{t: t, steps: []step{{op: "describe", client: client(false, types.OAuthFlowTypeCode), err: unknown}}}}
	got, err := run(t, &Reconciler{Clients: fake}, b)
	if err != nil || got.Status != Unfixable || len(fake.sent) != 0 {
		t.Fatalf("outcome %q (%s), err %v, %d updates; want unfixable, none", got.Status, got.Reason, err, len(fake.sent))
	}
	if !strings.Contains(got.Reason, "ClientBindingPolicy") || !strings.Contains(got.Reason, "upgrade") {
		t.Errorf("reason %q, want the member named and an upgrade asked for", got.Reason)
	}
	if diff := diff.Diff([]string{"ClientBindingPolicy"}, got.UnknownMembers); diff != "" {
		t.Errorf("unknownMembers (-want +got):\n%s", diff)
	}
	// Nothing to write: the outcome is the client's, the members still named.
	fake = &unknownScript{script: &script{t: t, steps: []step{{op: "describe", client: client(true, types.OAuthFlowTypeCode), err: unknown}}}}
	got, err = run(t, &Reconciler{Clients: fake}, b)
	if err != nil || got.Status != Compliant || len(got.UnknownMembers) != 1 {
		t.Errorf("compliant: outcome %q, members %v, err %v", got.Status, got.UnknownMembers, err)
	}
}

// unknownScript returns the scripted client together with the scripted
// error, as appclient.Describe does for unknown members.
type unknownScript struct{ *script }

func (u *unknownScript) Describe(_ context.Context, _, _ string) (*types.UserPoolClientType, error) {
	st := u.next("describe")
	return st.client, st.err
}

// TestPoolCheck: an add the pool must define is checked before it is sent,
// the pool is read only when such an add is planned and once per
// invocation, and what the pool lacks is unfixable with the reason.
func TestPoolCheck(t *testing.T) {
	base := client(false, types.OAuthFlowTypeCode)
	base.ReadAttributes = []string{"email", "custom:legacy"}
	tests := []struct {
		name      string
		rules     string
		pool      poolScript
		wantSent  func(*types.UserPoolClientType) []string
		wantSends []string
		wantReads []string
		wantWhy   string // reason of the withheld finding
	}{
		{name: "custom scope defined: added", rules: `"AllowedOAuthScopes": {"require": ["orders/read"]}`,
			pool:     poolScript{scopes: []string{"orders/read", "orders/write"}},
			wantSent: func(c *types.UserPoolClientType) []string { return c.AllowedOAuthScopes }, wantSends: []string{"openid", "orders/read"},
			wantReads: []string{"ListResourceServers " + testPool}},
		{name: "custom scope missing: not added, revocation still fixed", rules: `"AllowedOAuthScopes": {"require": ["orders/read"]}`,
			pool:     poolScript{scopes: []string{"orders/write"}},
			wantSent: func(c *types.UserPoolClientType) []string { return c.AllowedOAuthScopes }, wantSends: []string{"openid"},
			wantReads: []string{"ListResourceServers " + testPool}, wantWhy: "orders/read not a custom scope"},
		{name: "standard scope: no read", rules: `"AllowedOAuthScopes": {"require": ["email"]}`,
			wantSent: func(c *types.UserPoolClientType) []string { return c.AllowedOAuthScopes }, wantSends: []string{"openid", "email"}},
		{name: "COGNITO needs no read; a missing provider is not added", rules: `"SupportedIdentityProviders": {"require": ["COGNITO", "Google", "corp-saml"]}`,
			pool:     poolScript{idps: []string{"corp-saml"}},
			wantSent: func(c *types.UserPoolClientType) []string { return c.SupportedIdentityProviders }, wantSends: []string{"COGNITO", "corp-saml"},
			wantReads: []string{"ListIdentityProviders " + testPool}, wantWhy: "Google not a identity provider"},
		{name: "custom attribute in the schema: added, one schema read for both lists",
			rules:    `"ReadAttributes": {"require": ["custom:tenant"]}, "WriteAttributes": {"require": ["custom:tenant"]}`,
			pool:     poolScript{attrs: []string{"email", "custom:tenant"}},
			wantSent: func(c *types.UserPoolClientType) []string { return c.ReadAttributes }, wantSends: []string{"email", "custom:legacy", "custom:tenant"},
			wantReads: []string{"DescribeUserPool " + testPool}},
		{name: "attribute not in the schema: not added", rules: `"ReadAttributes": {"require": ["custom:ssn"]}`,
			pool:     poolScript{attrs: []string{"email", "custom:tenant"}},
			wantSent: func(c *types.UserPoolClientType) []string { return c.ReadAttributes }, wantSends: []string{"email", "custom:legacy"},
			wantReads: []string{"DescribeUserPool " + testPool}, wantWhy: "custom:ssn not a attribute"},
		{name: "removal only: no read", rules: `"ReadAttributes": {"forbid": ["custom:legacy"]}`,
			wantSent: func(c *types.UserPoolClientType) []string { return c.ReadAttributes }, wantSends: []string{"email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustParse(t, `{"version": 1, "rules": {"EnableTokenRevocation": true, `+tt.rules+`}}`)
			fake := tt.pool
			fake.script = &script{t: t, steps: []step{{op: "describe", client: base}, {op: "describe", client: base}, {op: "update"},
				{op: "describe", echo: true}}}
			got, err := run(t, &Reconciler{Clients: &fake}, b)
			if err != nil {
				t.Fatal(err)
			}
			if len(fake.sent) != 1 {
				t.Fatalf("%d updates, want 1 (%s: %s)", len(fake.sent), got.Status, got.Reason)
			}
			sent := tt.wantSent(fake.sent[0])
			if sent == nil {
				sent = []string{}
			}
			if diff := diff.Diff(tt.wantSends, sent); diff != "" {
				t.Errorf("sent list (-want +got):\n%s", diff)
			}
			if !aws.ToBool(fake.sent[0].EnableTokenRevocation) {
				t.Error("revocation not fixed")
			}
			if diff := diff.Diff(tt.wantReads, fake.reads); diff != "" {
				t.Errorf("pool reads (-want +got):\n%s", diff)
			}
			if tt.wantWhy != "" {
				if got.Status != Unfixable || !strings.Contains(got.Reason, "cannot be fixed") {
					t.Errorf("outcome %q (%s), want unfixable", got.Status, got.Reason)
				}
				var why []string
				for _, f := range got.Findings {
					if !f.Fixable {
						why = append(why, f.Reason)
					}
				}
				if !strings.Contains(strings.Join(why, "|"), tt.wantWhy) {
					t.Errorf("unfixable reasons %q, want one containing %q", why, tt.wantWhy)
				}
			} else if got.Status != Remediated {
				t.Errorf("outcome %q (%s), want remediated", got.Status, got.Reason)
			}
		})
	}
}

// TestPoolCheckCachedAndFailClosed: one read per pool per invocation
// context; without a pool reader an add is never sent.
func TestPoolCheckCachedAndFailClosed(t *testing.T) {
	b := mustParse(t, `{"version": 1, "rules": {"AllowedOAuthScopes": {"require": ["orders/read"]}}}`)
	c := client(true, types.OAuthFlowTypeCode)
	after := client(true, types.OAuthFlowTypeCode)
	after.AllowedOAuthScopes = []string{"openid", "orders/read"}
	fake := &poolScript{script: &script{t: t, steps: []step{
		{op: "describe", client: c}, {op: "describe", client: c}, {op: "update"}, {op: "describe", client: after},
		{op: "describe", client: c}, {op: "describe", client: c}, {op: "update"}, {op: "describe", client: after}}},
		scopes: []string{"orders/read"}}
	r := &Reconciler{Clients: fake, Log: quiet}
	ctx := WithPoolCache(context.Background())
	for range 2 {
		if got, err := r.Reconcile(ctx, b, Ref{UserPoolID: testPool, ClientID: testClient}); err != nil || got.Status != Remediated {
			t.Fatalf("outcome %q (%s), err %v", got.Status, got.Reason, err)
		}
	}
	if len(fake.reads) != 1 {
		t.Errorf("pool reads %v, want one for two reconciles sharing a cache", fake.reads)
	}

	// A Clients without pool reads: the add is withheld, nothing written.
	plain := &script{t: t, steps: []step{{op: "describe", client: c}}}
	got, err := run(t, &Reconciler{Clients: plain}, b)
	if err != nil || got.Status != Unfixable || len(plain.sent) != 0 || !strings.Contains(got.Findings[0].Reason, "cannot be checked") {
		t.Errorf("outcome %q (%s), err %v, %d updates; want unfixable, nothing sent", got.Status, got.Reason, err, len(plain.sent))
	}
}
