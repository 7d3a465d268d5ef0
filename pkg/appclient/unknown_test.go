package appclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// jsonServer is a strict AWS JSON 1.1 fake: it answers each X-Amz-Target
// from a script, in order, and fails the test on any call it did not expect.
type jsonServer struct {
	t      *testing.T
	script []answer
	got    []string // "<op> <request body>"
}

type answer struct {
	op     string // operation name, e.g. "DescribeUserPoolClient"
	status int    // 200 when zero
	body   string
}

func (s *jsonServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService.")
	body, _ := io.ReadAll(r.Body)
	s.got = append(s.got, op+" "+string(body))
	if len(s.script) == 0 || s.script[0].op != op {
		s.t.Errorf("unexpected call %s %s", op, body)
		w.Header().Set("X-Amzn-ErrorType", "UnexpectedCall")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"UnexpectedCall","message":"not scripted"}`)
		return
	}
	a := s.script[0]
	s.script = s.script[1:]
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if a.status != 0 {
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal([]byte(a.body), &e)
		w.Header().Set("X-Amzn-ErrorType", e.Type)
		w.WriteHeader(a.status)
	}
	_, _ = io.WriteString(w, a.body)
}

func startJSON(t *testing.T, script ...answer) (*jsonServer, *appclient.Client) {
	t.Helper()
	s := &jsonServer{t: t, script: script}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		if len(s.script) > 0 {
			t.Errorf("%d scripted calls not made", len(s.script))
		}
	})
	return s, appclient.New(newSDK(srv.URL))
}

// TestDescribeReportsUnknownMembers: a member Cognito returns and the SDK
// does not know is named, with the client, so that nothing is written.
func TestDescribeReportsUnknownMembers(t *testing.T) {
	recorded, err := os.ReadFile(filepath.Join("testdata", "describe-unknown-member.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, ac := startJSON(t, answer{op: "DescribeUserPoolClient", body: string(recorded)})
	c, err := ac.Describe(context.Background(), poolID, "6example0client0id0drift01")
	var unknown *appclient.UnknownMembersError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want *UnknownMembersError", err)
	}
	if diff := diff.Diff([]string{"ClientBindingPolicy", "SessionLimits"}, unknown.Members); diff != "" {
		t.Errorf("unknown members (-want +got):\n%s", diff)
	}
	if c == nil || aws.ToString(c.ClientName) != "web-portal" || aws.ToString(c.ClientSecret) != appclient.RedactedSecret {
		t.Errorf("client = %+v, want the decoded client, secret redacted", c)
	}
	if msg := err.Error(); !strings.Contains(msg, "ClientBindingPolicy, SessionLimits") || !strings.Contains(msg, "upgrade") ||
		strings.Contains(msg, "s3cr3t") {
		t.Errorf("error = %q, want both members named, an upgrade asked for, no secret", msg)
	}
	if appclient.Classify(err) == appclient.NotFound {
		t.Errorf("Classify = NotFound, want anything but a skip")
	}
}

// TestDescribeKnowsEveryMember: a response with exactly the SDK's members
// (every exported field of the type, filled by reflection) is not flagged,
// and neither is the emulator's richest client.
func TestDescribeKnowsEveryMember(t *testing.T) {
	full := map[string]any{}
	typ := reflect.TypeFor[types.UserPoolClientType]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		// A JSON null is skipped by the SDK's decoder and needs no type.
		full[f.Name] = nil
	}
	body, _ := json.Marshal(map[string]any{"UserPoolClient": full})
	_, ac := startJSON(t, answer{op: "DescribeUserPoolClient", body: string(body)})
	if _, err := ac.Describe(context.Background(), poolID, "c1"); err != nil {
		t.Errorf("every known member: err = %v, want nil", err)
	}

	emu, sdk := startEmulator(t)
	_ = emu
	created, err := sdk.CreateUserPoolClient(context.Background(), richClient("web-portal"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := appclient.New(sdk).Describe(context.Background(), poolID, aws.ToString(created.UserPoolClient.ClientId)); err != nil {
		t.Errorf("emulator's rich client: err = %v, want nil", err)
	}
}

// TestDescribeErrorUntouched: the capture leaves error responses to the SDK.
func TestDescribeErrorUntouched(t *testing.T) {
	_, ac := startJSON(t, answer{op: "DescribeUserPoolClient", status: 400,
		body: `{"__type":"ResourceNotFoundException","message":"User pool client 6x does not exist."}`})
	_, err := ac.Describe(context.Background(), poolID, "c1")
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("err = %v, want ResourceNotFoundException", err)
	}
}

func TestPoolReads(t *testing.T) {
	s, ac := startJSON(t,
		answer{op: "ListResourceServers", body: `{"ResourceServers":[{"Identifier":"https://api.example.com","Name":"api","Scopes":[{"ScopeName":"read","ScopeDescription":"r"},{"ScopeName":"write","ScopeDescription":"w"}],"UserPoolId":"us-east-1_EXAMPLE01"}],"NextToken":"t1"}`},
		answer{op: "ListResourceServers", body: `{"ResourceServers":[{"Identifier":"orders","Name":"orders","UserPoolId":"us-east-1_EXAMPLE01"}]}`},
		answer{op: "ListIdentityProviders", body: `{"Providers":[{"ProviderName":"Google","ProviderType":"Google"},{"ProviderName":"corp-saml","ProviderType":"SAML"}]}`},
		answer{op: "DescribeUserPool", body: `{"UserPool":{"Id":"us-east-1_EXAMPLE01","SchemaAttributes":[{"Name":"email","AttributeDataType":"String"},{"Name":"custom:tenant","AttributeDataType":"String"}]}}`},
	)
	ctx := context.Background()
	scopes, err := ac.ResourceServerScopes(ctx, poolID)
	if err != nil {
		t.Fatal(err)
	}
	idps, err := ac.IdentityProviders(ctx, poolID)
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := ac.SchemaAttributes(ctx, poolID)
	if err != nil {
		t.Fatal(err)
	}
	got := [][]string{scopes, idps, attrs}
	want := [][]string{{"https://api.example.com/read", "https://api.example.com/write"}, {"Google", "corp-saml"}, {"email", "custom:tenant"}}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("pool reads (-want +got):\n%s", diff)
	}
	wantCalls := []string{
		`ListResourceServers {"MaxResults":50,"UserPoolId":"us-east-1_EXAMPLE01"}`,
		`ListResourceServers {"MaxResults":50,"NextToken":"t1","UserPoolId":"us-east-1_EXAMPLE01"}`,
		`ListIdentityProviders {"MaxResults":60,"UserPoolId":"us-east-1_EXAMPLE01"}`,
		`DescribeUserPool {"UserPoolId":"us-east-1_EXAMPLE01"}`,
	}
	if diff := diff.Diff(wantCalls, s.got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
