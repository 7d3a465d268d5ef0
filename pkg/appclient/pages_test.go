package appclient

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// fakeAPI answers list calls from scripted pages keyed by the NextToken
// received ("" for none) and panics on anything else.
type fakeAPI struct {
	t           *testing.T
	poolPages   map[string]*cip.ListUserPoolsOutput
	clientPages map[string]*cip.ListUserPoolClientsOutput
	calls       []string
}

func (f *fakeAPI) DescribeUserPoolClient(context.Context, *cip.DescribeUserPoolClientInput, ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error) {
	panic("unexpected DescribeUserPoolClient")
}

func (f *fakeAPI) UpdateUserPoolClient(context.Context, *cip.UpdateUserPoolClientInput, ...func(*cip.Options)) (*cip.UpdateUserPoolClientOutput, error) {
	panic("unexpected UpdateUserPoolClient")
}

func (f *fakeAPI) DescribeUserPool(context.Context, *cip.DescribeUserPoolInput, ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	panic("unexpected DescribeUserPool")
}

func (f *fakeAPI) ListResourceServers(context.Context, *cip.ListResourceServersInput, ...func(*cip.Options)) (*cip.ListResourceServersOutput, error) {
	panic("unexpected ListResourceServers")
}

func (f *fakeAPI) ListIdentityProviders(context.Context, *cip.ListIdentityProvidersInput, ...func(*cip.Options)) (*cip.ListIdentityProvidersOutput, error) {
	panic("unexpected ListIdentityProviders")
}

func (f *fakeAPI) ListUserPools(_ context.Context, in *cip.ListUserPoolsInput, _ ...func(*cip.Options)) (*cip.ListUserPoolsOutput, error) {
	tok := aws.ToString(in.NextToken)
	f.calls = append(f.calls, fmt.Sprintf("ListUserPools max=%d token=%q", aws.ToInt32(in.MaxResults), tok))
	out, ok := f.poolPages[tok]
	if !ok {
		panic("unexpected ListUserPools token " + tok)
	}
	return out, nil
}

func (f *fakeAPI) ListUserPoolClients(_ context.Context, in *cip.ListUserPoolClientsInput, _ ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error) {
	tok := aws.ToString(in.NextToken)
	f.calls = append(f.calls, fmt.Sprintf("ListUserPoolClients pool=%s max=%d token=%q", aws.ToString(in.UserPoolId), aws.ToInt32(in.MaxResults), tok))
	out, ok := f.clientPages[tok]
	if !ok {
		panic("unexpected ListUserPoolClients token " + tok)
	}
	return out, nil
}

func poolPage(next string, ids ...string) *cip.ListUserPoolsOutput {
	out := &cip.ListUserPoolsOutput{NextToken: token(next)}
	for _, id := range ids {
		out.UserPools = append(out.UserPools, types.UserPoolDescriptionType{Id: aws.String(id)})
	}
	return out
}

func TestPoolPages(t *testing.T) {
	pages := map[string]*cip.ListUserPoolsOutput{
		"":   poolPage("t1", "p1", "p2"),
		"t1": poolPage("t2", "p3"),
		"t2": poolPage("", "p4"),
	}
	stop := errors.New("stop")
	tests := []struct {
		name      string
		start     string
		pages     map[string]*cip.ListUserPoolsOutput
		stopAfter int // fn returns stop on this page (1-based); 0 never
		wantSeen  []string
		wantCalls []string
		wantErr   string
	}{
		{
			name:     "all pages, 60 at a time",
			pages:    pages,
			wantSeen: []string{"p1 p2 next=t1", "p3 next=t2", "p4 next="},
			wantCalls: []string{`ListUserPools max=60 token=""`, `ListUserPools max=60 token="t1"`,
				`ListUserPools max=60 token="t2"`},
		},
		{
			name:      "resume from a saved token",
			start:     "t1",
			pages:     pages,
			wantSeen:  []string{"p3 next=t2", "p4 next="},
			wantCalls: []string{`ListUserPools max=60 token="t1"`, `ListUserPools max=60 token="t2"`},
		},
		{
			name:      "an error from fn stops the listing",
			pages:     pages,
			stopAfter: 1,
			wantSeen:  []string{"p1 p2 next=t1"},
			wantCalls: []string{`ListUserPools max=60 token=""`},
			wantErr:   "stop",
		},
		{
			name:      "a token handed back unchanged is an error, not an endless loop",
			pages:     map[string]*cip.ListUserPoolsOutput{"": poolPage("t1", "p1"), "t1": poolPage("t1", "p2")},
			wantSeen:  []string{"p1 next=t1", "p2 next=t1"},
			wantCalls: []string{`ListUserPools max=60 token=""`, `ListUserPools max=60 token="t1"`},
			wantErr:   "list user pools: service returned the same NextToken again (2 characters)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{t: t, poolPages: tt.pages}
			var seen []string
			err := New(api).PoolPages(context.Background(), tt.start, func(pools []types.UserPoolDescriptionType, next string) error {
				s := ""
				for _, p := range pools {
					s += aws.ToString(p.Id) + " "
				}
				seen = append(seen, s+"next="+next)
				if len(seen) == tt.stopAfter {
					return stop
				}
				return nil
			})
			if tt.wantErr == "stop" && !errors.Is(err, stop) || tt.wantErr != "stop" && errString(err) != tt.wantErr {
				t.Errorf("PoolPages error = %v, want %q", err, tt.wantErr)
			}
			if diff := diff.Diff(tt.wantSeen, seen); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
			if diff := diff.Diff(tt.wantCalls, api.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClientPages(t *testing.T) {
	page := func(next string, ids ...string) *cip.ListUserPoolClientsOutput {
		out := &cip.ListUserPoolClientsOutput{NextToken: token(next)}
		for _, id := range ids {
			out.UserPoolClients = append(out.UserPoolClients, types.UserPoolClientDescription{ClientId: aws.String(id)})
		}
		return out
	}
	api := &fakeAPI{t: t, clientPages: map[string]*cip.ListUserPoolClientsOutput{
		"a": page("b", "c2"),
		"b": page("", "c3", "c4"),
	}}
	var seen []string
	err := New(api).ClientPages(context.Background(), "pool_1", "a", func(clients []types.UserPoolClientDescription, next string) error {
		for _, c := range clients {
			seen = append(seen, aws.ToString(c.ClientId)+" next="+next)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff([]string{"c2 next=b", "c3 next=", "c4 next="}, seen); diff != "" {
		t.Errorf("clients (-want +got):\n%s", diff)
	}
	wantCalls := []string{`ListUserPoolClients pool=pool_1 max=60 token="a"`, `ListUserPoolClients pool=pool_1 max=60 token="b"`}
	if diff := diff.Diff(wantCalls, api.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
