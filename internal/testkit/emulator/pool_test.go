package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// TestPoolResources: what the remediate function reads to check a fix
// (DescribeUserPool's schema, ListResourceServers, ListIdentityProviders)
// shows what the setup operations and the seeding helpers defined.
func TestPoolResources(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	out, err := e.cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("made-by-api"),
		Schema:   []types.SchemaAttributeType{{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pid := out.UserPool.Id
	if _, err := e.cog.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pid, Identifier: aws.String("https://api.example.com"), Name: aws.String("api"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("orders.read"), ScopeDescription: aws.String("read orders")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cog.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: pid, ProviderName: aws.String("corp-saml"), ProviderType: types.IdentityProviderTypeTypeSaml,
		ProviderDetails: map[string]string{"MetadataURL": "https://idp.example.com/metadata"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.AddCustomAttributes(aws.ToString(pid), "custom:tier"); err != nil {
		t.Fatal(err)
	}

	desc, err := e.cog.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pid})
	if err != nil {
		t.Fatal(err)
	}
	var custom []string
	standard := 0
	for _, a := range desc.UserPool.SchemaAttributes {
		if n := aws.ToString(a.Name); strings.HasPrefix(n, "custom:") {
			custom = append(custom, n)
		} else {
			standard++
		}
	}
	if d := diff.Diff([]string{"custom:plan", "custom:tier"}, custom); d != "" || standard < 20 {
		t.Errorf("SchemaAttributes: %d standard, custom (-want +got):\n%s", standard, d)
	}
	rs, err := e.cog.ListResourceServers(ctx, &cip.ListResourceServersInput{UserPoolId: pid, MaxResults: aws.Int32(50)})
	if err != nil || len(rs.ResourceServers) != 1 || aws.ToString(rs.ResourceServers[0].Scopes[0].ScopeName) != "orders.read" {
		t.Errorf("ListResourceServers = %+v, %v", rs, err)
	}
	idps, err := e.cog.ListIdentityProviders(ctx, &cip.ListIdentityProvidersInput{UserPoolId: pid})
	if err != nil || len(idps.Providers) != 1 || aws.ToString(idps.Providers[0].ProviderName) != "corp-saml" || idps.Providers[0].ProviderType != types.IdentityProviderTypeTypeSaml {
		t.Errorf("ListIdentityProviders = %+v, %v", idps, err)
	}
	// A client may now refer to all three.
	if _, err := e.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("uses-all"),
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"code"}, CallbackURLs: []string{"https://app.example.com/cb"},
		AllowedOAuthScopes: []string{"openid", "https://api.example.com/orders.read"}, SupportedIdentityProviders: []string{"corp-saml"},
		ReadAttributes: []string{"email", "custom:plan"}, WriteAttributes: []string{"custom:tier"}}); err != nil {
		t.Errorf("client using the pool's scope, provider and attributes: %v", err)
	}
	// Duplicates are refused.
	_, err = e.cog.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: pid, ProviderName: aws.String("corp-saml"), ProviderType: types.IdentityProviderTypeTypeSaml,
		ProviderDetails: map[string]string{"MetadataURL": "https://idp.example.com/metadata"}})
	var dup *types.DuplicateProviderException
	if !errors.As(err, &dup) {
		t.Errorf("duplicate provider: %v, want DuplicateProviderException", err)
	}
}

func TestListResourceServersPaginates(t *testing.T) {
	e := newEnv(t, emulator.Options{}) // already has "rs"
	for i := range 4 {
		if err := e.emu.AddResourceServer(poolID, fmt.Sprintf("rs%d", i), "n"); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	p := cip.NewListResourceServersPaginator(e.cog, &cip.ListResourceServersInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.ResourceServers {
			got = append(got, aws.ToString(r.Identifier))
		}
	}
	if d := diff.Diff([]string{"rs", "rs0", "rs1", "rs2", "rs3"}, got); d != "" || pages != 3 {
		t.Errorf("%d pages, identifiers (-want +got):\n%s", pages, d)
	}
}

// TestSeedValidatesLikeCreate: a seed document or PutClient cannot hold a
// state Cognito refuses, and a pool's resources make references valid.
func TestSeedValidatesLikeCreate(t *testing.T) {
	cases := []struct {
		name, client, want string
	}{
		{"loopback http callback", `"AllowedOAuthFlowsUserPoolClient":true,"AllowedOAuthFlows":["code"],"AllowedOAuthScopes":["openid"],"CallbackURLs":["http://localhost:3000/callback"]`, ""},
		{"non-loopback http callback", `"AllowedOAuthFlowsUserPoolClient":true,"AllowedOAuthFlows":["code"],"AllowedOAuthScopes":["openid"],"CallbackURLs":["http://portal.example.com/callback"]`, "InvalidParameterException"},
		{"custom scope of the seeded resource server", `"AllowedOAuthFlowsUserPoolClient":true,"AllowedOAuthFlows":["code"],"AllowedOAuthScopes":["api/read"],"CallbackURLs":["https://a.example.com"]`, ""},
		{"undefined custom scope", `"AllowedOAuthFlowsUserPoolClient":true,"AllowedOAuthFlows":["code"],"AllowedOAuthScopes":["api/write"],"CallbackURLs":["https://a.example.com"]`, "ScopeDoesNotExistException"},
		{"seeded provider and attribute", `"SupportedIdentityProviders":["COGNITO","corp"],"ReadAttributes":["custom:tier"]`, ""},
		{"unknown provider", `"SupportedIdentityProviders":["Google"]`, "InvalidParameterException"},
		{"refresh flow removed, rotation off", `"ExplicitAuthFlows":["ALLOW_USER_SRP_AUTH"]`, "InvalidParameterException"},
		{"too-short secret", `"ClientSecret":"short"`, "InvalidParameterException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			emu := emulator.New(emulator.Options{})
			doc := `{"pools":[{"id":"us-east-1_SEED00001","name":"s",
				"resourceServers":[{"identifier":"api","name":"api","scopes":["read"]}],
				"identityProviders":[{"name":"corp","type":"OIDC"}],
				"customAttributes":["tier"],
				"clients":[{"ClientId":"seeded0client","ClientName":"c",` + c.client + `}]}]}`
			err := emu.Seed([]byte(doc))
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Seed: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Seed: %v, want %s", err, c.want)
			}
		})
	}
}

func TestGetParameterHistory(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if _, _, err := e.emu.PutParameter("/cognito-guard/baseline", "SecureString", fmt.Sprintf(`{"v":%d}`, i), "", true); err != nil {
			t.Fatal(err)
		}
	}
	var versions []int64
	var values []string
	p := ssm.NewGetParameterHistoryPaginator(e.ssm, &ssm.GetParameterHistoryInput{Name: aws.String("/cognito-guard/baseline"), WithDecryption: aws.Bool(true), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range out.Parameters {
			versions = append(versions, h.Version)
			values = append(values, aws.ToString(h.Value))
		}
	}
	if d := diff.Diff([]int64{1, 2, 3}, versions); d != "" {
		t.Errorf("versions (-want +got):\n%s", d)
	}
	if d := diff.Diff([]string{`{"v":1}`, `{"v":2}`, `{"v":3}`}, values); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	enc, err := e.ssm.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/cognito-guard/baseline")})
	if err != nil || len(enc.Parameters) != 3 || strings.Contains(aws.ToString(enc.Parameters[0].Value), `"v"`) {
		t.Errorf("without decryption: %+v %v (want ciphertext)", enc, err)
	}
	_, err = e.ssm.GetParameterHistory(ctx, &ssm.GetParameterHistoryInput{Name: aws.String("/nope")})
	var nf *ssmtypes.ParameterNotFound
	if !errors.As(err, &nf) {
		t.Errorf("missing parameter: %v, want ParameterNotFound", err)
	}
}
