package parity_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// fact is one behaviour, stated once. want is what the project's
// documentation (README fact table) expects; source says where that comes
// from ("unverified" where nothing public settles it: the real run does).
type fact struct {
	id        string
	behaviour string
	want      string
	source    string
	run       func(ctx context.Context, w *world) string
}

const (
	srcUpdate   = "API reference UpdateUserPoolClient"
	srcCreate   = "API reference CreateUserPoolClient (CallbackURLs)"
	srcRefresh  = "developer guide, refresh tokens"
	srcQuotas   = "developer guide, quotas"
	srcCLI      = "aws-cli examples update-user-pool-client"
	unverified  = "unverified"
	noSecretKey = "no-secret"
	secretKey   = "secret"
)

var (
	ok       = "accepted"
	invalid  = "InvalidParameterException 400"
	badOAuth = "InvalidOAuthFlowException 400"
	noScope  = "ScopeDoesNotExistException 400"
	notFound = "ResourceNotFoundException 400"
)

// client returns the pool's client with (key "secret") or without a secret,
// creating it on first use.
func (w *world) client(ctx context.Context, key string) string {
	if id, ok := w.memo[key]; ok {
		return id
	}
	w.pace(ctx)
	out, err := w.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(w.poolID), ClientName: aws.String("parity-" + key), GenerateSecret: key == secretKey,
	})
	if err != nil {
		panic(fmt.Sprintf("%s: CreateUserPoolClient: %v", w.name, err))
	}
	id := aws.ToString(out.UserPoolClient.ClientId)
	w.memo[key] = id
	return id
}

// update sends a full UpdateUserPoolClient for the client named by key.
func (w *world) update(ctx context.Context, key string, in cip.UpdateUserPoolClientInput) error {
	in.UserPoolId, in.ClientId = aws.String(w.poolID), aws.String(w.client(ctx, key))
	if in.ClientName == nil {
		in.ClientName = aws.String("parity-" + key)
	}
	w.pace(ctx)
	_, err := w.cog.UpdateUserPoolClient(ctx, &in)
	return err
}

func (w *world) describe(ctx context.Context, id string) (*types.UserPoolClientType, error) {
	w.pace(ctx)
	out, err := w.cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(w.poolID), ClientId: aws.String(id)})
	if err != nil {
		return nil, err
	}
	return out.UserPoolClient, nil
}

func oauth(in cip.UpdateUserPoolClientInput) cip.UpdateUserPoolClientInput {
	in.AllowedOAuthFlowsUserPoolClient = true
	if in.AllowedOAuthFlows == nil {
		in.AllowedOAuthFlows = []types.OAuthFlowType{types.OAuthFlowTypeCode}
	}
	if in.AllowedOAuthScopes == nil {
		in.AllowedOAuthScopes = []string{"openid"}
	}
	if in.CallbackURLs == nil {
		in.CallbackURLs = []string{"https://app.example.com/cb"}
	}
	return in
}

// validation is a fact about whether one Update is accepted.
func validation(id, behaviour, want, source, key string, in cip.UpdateUserPoolClientInput) fact {
	return fact{id: id, behaviour: behaviour, want: want, source: source, run: func(ctx context.Context, w *world) string {
		return outcome(w.update(ctx, key, in))
	}}
}

func flows(fs ...types.ExplicitAuthFlowsType) []types.ExplicitAuthFlowsType { return fs }

func urls(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("https://app.example.com/cb%d", i)
	}
	return out
}

// richUpdate sets every member the suite can set in a sandbox away from its
// default (AnalyticsConfiguration needs a Pinpoint project and is left out).
func richUpdate() cip.UpdateUserPoolClientInput {
	return cip.UpdateUserPoolClientInput{
		RefreshTokenValidity:                     10,
		AccessTokenValidity:                      aws.Int32(30),
		IdTokenValidity:                          aws.Int32(45),
		TokenValidityUnits:                       &types.TokenValidityUnitsType{AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days"},
		ReadAttributes:                           []string{"email", "name", customAttr},
		WriteAttributes:                          []string{"email", "name"},
		ExplicitAuthFlows:                        flows("ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"),
		SupportedIdentityProviders:               []string{"COGNITO", idpName},
		CallbackURLs:                             []string{"https://app.example.com/cb", "http://localhost:3000/callback"},
		LogoutURLs:                               []string{"https://app.example.com/bye"},
		DefaultRedirectURI:                       aws.String("https://app.example.com/cb"),
		AllowedOAuthFlows:                        []types.OAuthFlowType{"code"},
		AllowedOAuthScopes:                       []string{"openid", rsID + "/read"},
		AllowedOAuthFlowsUserPoolClient:          true,
		PreventUserExistenceErrors:               types.PreventUserExistenceErrorTypesEnabled,
		EnableTokenRevocation:                    aws.Bool(false),
		EnablePropagateAdditionalUserContextData: aws.Bool(true),
		AuthSessionValidity:                      aws.Int32(10),
	}
}

// afterPartialUpdate is the rich client after an Update that sends only
// ClientName (made once per target).
func (w *world) afterPartialUpdate(ctx context.Context) (*types.UserPoolClientType, string) {
	if w.partial != nil || w.partialErr != "" {
		return w.partial, w.partialErr
	}
	key := "replace"
	w.pace(ctx)
	out, err := w.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(w.poolID), ClientName: aws.String("parity-replace"), GenerateSecret: true})
	if err != nil {
		w.partialErr = outcome(err)
		return nil, w.partialErr
	}
	w.memo[key] = aws.ToString(out.UserPoolClient.ClientId)
	if err := w.update(ctx, key, richUpdate()); err != nil {
		w.partialErr = "rich update: " + outcome(err)
		return nil, w.partialErr
	}
	if err := w.update(ctx, key, cip.UpdateUserPoolClientInput{ClientName: aws.String("parity-replace")}); err != nil {
		w.partialErr = "partial update: " + outcome(err)
		return nil, w.partialErr
	}
	c, err := w.describe(ctx, w.memo[key])
	if err != nil {
		w.partialErr = outcome(err)
		return nil, w.partialErr
	}
	w.partial = c
	return c, ""
}

// show renders a described member: "absent" for nil/empty, lists sorted.
func show(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "absent"
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		if v.Len() == 0 {
			return "absent"
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return "absent"
		}
		items := make([]string, v.Len())
		for i := range items {
			items[i] = fmt.Sprint(v.Index(i).Interface())
		}
		sort.Strings(items)
		return "[" + strings.Join(items, " ") + "]"
	case reflect.Struct:
		var parts []string
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if s := show(v.Field(i)); s != "absent" && s != "" {
					parts = append(parts, v.Type().Field(i).Name+":"+s)
				}
			}
		}
		return "{" + strings.Join(parts, " ") + "}"
	}
	return fmt.Sprint(v.Interface())
}

func replaceFact(member, want, source string) fact {
	return fact{
		id:        "replace/" + member,
		behaviour: "Update without " + member + " (after setting it) leaves it as",
		want:      want, source: source,
		run: func(ctx context.Context, w *world) string {
			c, errText := w.afterPartialUpdate(ctx)
			if c == nil {
				return errText
			}
			if member == "ClientSecret" { // never render the value
				if aws.ToString(c.ClientSecret) == "" {
					return "absent"
				}
				return "kept"
			}
			return show(reflect.ValueOf(*c).FieldByName(member))
		},
	}
}

var secretIDRe = regexp.MustCompile(`^[\w+]+--[0-9]+$`)

func facts() []fact {
	fs := []fact{
		// Replace-on-update: every settable member goes back to its default.
		replaceFact("RefreshTokenValidity", "30", srcUpdate),
		replaceFact("AccessTokenValidity", "absent", srcUpdate),
		replaceFact("IdTokenValidity", "absent", srcUpdate),
		replaceFact("TokenValidityUnits", "{}", srcCLI),
		replaceFact("ReadAttributes", "absent", srcUpdate),
		replaceFact("WriteAttributes", "absent", srcUpdate),
		replaceFact("ExplicitAuthFlows", "[ALLOW_CUSTOM_AUTH ALLOW_REFRESH_TOKEN_AUTH ALLOW_USER_SRP_AUTH]", srcUpdate),
		replaceFact("SupportedIdentityProviders", "absent", "cloudformation-coverage-roadmap#676 (observed)"),
		replaceFact("CallbackURLs", "absent", srcUpdate),
		replaceFact("LogoutURLs", "absent", srcUpdate),
		replaceFact("DefaultRedirectURI", "absent", srcUpdate),
		replaceFact("AllowedOAuthFlows", "absent", srcUpdate),
		replaceFact("AllowedOAuthScopes", "absent", srcUpdate),
		replaceFact("AllowedOAuthFlowsUserPoolClient", "false", srcUpdate),
		replaceFact("PreventUserExistenceErrors", "absent", srcUpdate+" (default LEGACY)"),
		replaceFact("EnableTokenRevocation", "true", unverified+" (emulator: Create default)"),
		replaceFact("EnablePropagateAdditionalUserContextData", "false", srcUpdate),
		replaceFact("AuthSessionValidity", "3", srcCLI),
		replaceFact("RefreshTokenRotation", "{Feature:DISABLED RetryGracePeriodSeconds:0}", "terraform-provider-aws#47374 (observed)"),
		replaceFact("ClientSecret", "kept", srcUpdate),

		// What Describe omits and how it orders lists.
		{id: "describe/minimal", behaviour: "Describe of a client created with only a name returns the members", source: srcCLI,
			want: "AllowedOAuthFlowsUserPoolClient AuthSessionValidity ClientId ClientName CreationDate EnablePropagateAdditionalUserContextData EnableTokenRevocation ExplicitAuthFlows LastModifiedDate RefreshTokenRotation RefreshTokenValidity TokenValidityUnits UserPoolId",
			run: func(ctx context.Context, w *world) string {
				c, err := w.describe(ctx, w.client(ctx, "minimal"))
				if err != nil {
					return outcome(err)
				}
				var present []string
				v := reflect.ValueOf(*c)
				for i := range v.NumField() {
					f := v.Type().Field(i)
					if f.IsExported() && show(v.Field(i)) != "absent" && !(f.Type.Kind() == reflect.Int32 && v.Field(i).Int() == 0) {
						present = append(present, f.Name)
					}
				}
				return strings.Join(present, " ")
			}},
		{id: "describe/order", behaviour: "Describe returns AllowedOAuthFlows sent as [code implicit] in the order", source: srcCLI,
			want: "[implicit code]",
			run: func(ctx context.Context, w *world) string {
				in := oauth(cip.UpdateUserPoolClientInput{AllowedOAuthFlows: []types.OAuthFlowType{"code", "implicit"}})
				if err := w.update(ctx, noSecretKey, in); err != nil {
					return outcome(err)
				}
				c, err := w.describe(ctx, w.client(ctx, noSecretKey))
				if err != nil {
					return outcome(err)
				}
				return fmt.Sprint(c.AllowedOAuthFlows)
			}},

		// Redirect URLs.
		validation("url/https", "callback https://", ok, srcCreate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: []string{"https://app.example.com/cb"}})),
		validation("url/localhost", "callback http://localhost:3000", ok, srcCreate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: []string{"http://localhost:3000/callback"}})),
		validation("url/127", "callback http://127.0.0.1", ok, srcCreate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: []string{"http://127.0.0.1:8080/cb"}})),
		validation("url/ipv6", "callback http://[::1]", ok, srcCreate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: []string{"http://[::1]:8080/cb"}})),
		validation("url/custom-scheme", "callback myapp://", ok, srcCreate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: []string{"myapp://callback"}})),
		validation("url/http", "callback http:// non-loopback", invalid, srcCreate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: []string{"http://app.example.com/cb"}})),
		validation("url/fragment", "callback with #fragment", invalid, srcCreate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: []string{"https://app.example.com/cb#x"}})),
		validation("url/logout-http", "logout URL http:// non-loopback", invalid, unverified+" (assumed like callbacks)", noSecretKey, oauth(cip.UpdateUserPoolClientInput{LogoutURLs: []string{"http://app.example.com/bye"}})),
		validation("url/default-not-in-callbacks", "DefaultRedirectURI not in CallbackURLs", invalid, srcUpdate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{DefaultRedirectURI: aws.String("https://other.example.com/cb")})),
		validation("url/limit-100", "100 callback URLs", ok, srcQuotas, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: urls(100)})),
		validation("url/limit-101", "101 callback URLs", invalid, srcQuotas, noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: urls(101)})),
		validation("url/empty-string", "an empty callback URL", invalid, "aws-sdk-java-v2#5528", noSecretKey, oauth(cip.UpdateUserPoolClientInput{CallbackURLs: []string{""}})),

		// OAuth flows and scopes.
		validation("oauth/needs-flag", "OAuth lists with AllowedOAuthFlowsUserPoolClient false", invalid, srcUpdate, noSecretKey,
			cip.UpdateUserPoolClientInput{AllowedOAuthFlows: []types.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"}, CallbackURLs: []string{"https://app.example.com/cb"}}),
		validation("oauth/flag-alone", "AllowedOAuthFlowsUserPoolClient true with no flow and no scope", ok, unverified, noSecretKey,
			cip.UpdateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true}),
		validation("oauth/code-no-callback", "code flow without callback URLs", badOAuth, "cisagov/crossfeed#440", noSecretKey,
			cip.UpdateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"code"}, AllowedOAuthScopes: []string{"openid"}}),
		validation("oauth/cc-ok", "client_credentials alone, with a secret, custom scope", ok, srcUpdate, secretKey,
			cip.UpdateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{rsID + "/read"}}),
		validation("oauth/cc-with-code", "client_credentials with code", badOAuth, srcUpdate, secretKey,
			oauth(cip.UpdateUserPoolClientInput{AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials", "code"}, AllowedOAuthScopes: []string{rsID + "/read"}})),
		validation("oauth/cc-no-secret", "client_credentials without a client secret", badOAuth, "wellcomecollection/storage-service (public code)", noSecretKey,
			cip.UpdateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{rsID + "/read"}}),
		validation("oauth/cc-openid", "client_credentials with openid", badOAuth, "terraform-provider-aws#4984", secretKey,
			cip.UpdateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"openid"}}),
		validation("oauth/cc-email", "client_credentials with email", ok, unverified, secretKey,
			cip.UpdateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"email"}}),
		validation("scope/custom", "custom scope defined by the pool's resource server", ok, srcUpdate, noSecretKey, oauth(cip.UpdateUserPoolClientInput{AllowedOAuthScopes: []string{"openid", rsID + "/write"}})),
		validation("scope/undefined", "custom scope the pool does not define", noScope, srcUpdate+" (ScopeDoesNotExistException)", noSecretKey, oauth(cip.UpdateUserPoolClientInput{AllowedOAuthScopes: []string{rsID + "/delete"}})),
		validation("scope/limit-51", "51 scopes", invalid, srcQuotas, noSecretKey, oauth(cip.UpdateUserPoolClientInput{AllowedOAuthScopes: slices.Repeat([]string{"openid"}, 51)})),

		// Providers and attributes.
		validation("idp/defined", "SupportedIdentityProviders with the pool's Google provider", ok, srcUpdate, noSecretKey, cip.UpdateUserPoolClientInput{SupportedIdentityProviders: []string{"COGNITO", idpName}}),
		validation("idp/unknown", "SupportedIdentityProviders with a provider not in the pool", invalid, "lgallard/terraform-aws-cognito-user-pool#72", noSecretKey, cip.UpdateUserPoolClientInput{SupportedIdentityProviders: []string{"Facebook"}}),
		validation("attr/custom", "ReadAttributes with the pool's custom attribute", ok, srcUpdate, noSecretKey, cip.UpdateUserPoolClientInput{ReadAttributes: []string{"email", customAttr}}),
		validation("attr/unknown", "ReadAttributes with an attribute not in the schema", invalid, "aws-cdk#34379", noSecretKey, cip.UpdateUserPoolClientInput{ReadAttributes: []string{"custom:unknown"}}),

		// Auth flows, refresh tokens, rotation.
		validation("flows/legacy", "legacy flow names alone", ok, srcUpdate, noSecretKey, cip.UpdateUserPoolClientInput{ExplicitAuthFlows: flows("ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH")}),
		validation("flows/legacy-mixed", "legacy flow names mixed with ALLOW_*", invalid, srcUpdate, noSecretKey, cip.UpdateUserPoolClientInput{ExplicitAuthFlows: flows("USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")}),
		validation("flows/no-refresh", "ALLOW_* flows without ALLOW_REFRESH_TOKEN_AUTH, rotation off", invalid, "aws-cdk#7625", noSecretKey, cip.UpdateUserPoolClientInput{ExplicitAuthFlows: flows("ALLOW_USER_SRP_AUTH")}),
		validation("rotation/without-refresh", "rotation ENABLED without ALLOW_REFRESH_TOKEN_AUTH", ok, srcRefresh, noSecretKey,
			cip.UpdateUserPoolClientInput{ExplicitAuthFlows: flows("ALLOW_USER_SRP_AUTH"), RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: "ENABLED"}}),
		validation("rotation/with-refresh", "rotation ENABLED with ALLOW_REFRESH_TOKEN_AUTH", invalid, srcRefresh+" (refusal "+unverified+")", noSecretKey,
			cip.UpdateUserPoolClientInput{ExplicitAuthFlows: flows("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"), RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: "ENABLED"}}),
		validation("rotation/default-flows", "rotation ENABLED with ExplicitAuthFlows omitted", invalid, unverified, noSecretKey,
			cip.UpdateUserPoolClientInput{RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: "ENABLED"}}),
		validation("rotation/grace-61", "RetryGracePeriodSeconds 61", invalid, srcUpdate, noSecretKey,
			cip.UpdateUserPoolClientInput{ExplicitAuthFlows: flows("ALLOW_USER_SRP_AUTH"), RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: "ENABLED", RetryGracePeriodSeconds: aws.Int32(61)}}),

		// Token validity ranges and units.
		validation("token/access-4min", "access token 4 minutes", invalid, srcQuotas, noSecretKey, cip.UpdateUserPoolClientInput{AccessTokenValidity: aws.Int32(4), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: "minutes"}}),
		validation("token/access-5min", "access token 5 minutes", ok, srcQuotas, noSecretKey, cip.UpdateUserPoolClientInput{AccessTokenValidity: aws.Int32(5), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: "minutes"}}),
		validation("token/access-25h", "access token 25 hours", invalid, srcQuotas, noSecretKey, cip.UpdateUserPoolClientInput{AccessTokenValidity: aws.Int32(25)}),
		validation("token/refresh-59min", "refresh token 59 minutes", invalid, srcQuotas, noSecretKey, cip.UpdateUserPoolClientInput{RefreshTokenValidity: 59, TokenValidityUnits: &types.TokenValidityUnitsType{RefreshToken: "minutes"}}),
		validation("token/refresh-3650d", "refresh token 3650 days", ok, srcQuotas, noSecretKey, cip.UpdateUserPoolClientInput{RefreshTokenValidity: 3650}),
		validation("token/refresh-3651d", "refresh token 3651 days", invalid, srcQuotas, noSecretKey, cip.UpdateUserPoolClientInput{RefreshTokenValidity: 3651}),
		validation("token/access-over-refresh", "access token 1 day with refresh token 1 hour", ok, unverified+" (third-party module says refused)", noSecretKey,
			cip.UpdateUserPoolClientInput{AccessTokenValidity: aws.Int32(1), RefreshTokenValidity: 1, TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: "days", RefreshToken: "hours"}}),
		validation("session/16", "AuthSessionValidity 16", invalid, srcQuotas, noSecretKey, cip.UpdateUserPoolClientInput{AuthSessionValidity: aws.Int32(16)}),
		validation("ucd/no-secret", "EnablePropagateAdditionalUserContextData without a secret", invalid, srcUpdate, noSecretKey, cip.UpdateUserPoolClientInput{EnablePropagateAdditionalUserContextData: aws.Bool(true)}),

		// Error codes and HTTP statuses.
		{id: "error/unknown-client", behaviour: "Describe of an unknown (well-formed) client", want: notFound, source: "aws-sdk-php#2183 (observed 400)",
			run: func(ctx context.Context, w *world) string {
				_, err := w.describe(ctx, "1example0unknown0client0id")
				return outcome(err)
			}},
		{id: "error/unknown-pool", behaviour: "Describe in an unknown (well-formed) pool", want: notFound, source: "aws-sdk-php#2183 (observed 400)",
			run: func(ctx context.Context, w *world) string {
				w.pace(ctx)
				_, err := w.cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String("us-east-1_Unknown00"), ClientId: aws.String("1example0unknown0client0id")})
				return outcome(err)
			}},
		{id: "error/malformed-client", behaviour: "Describe with a malformed client ID", want: invalid, source: "terraform-provider-aws#38167 (observed 400)",
			run: func(ctx context.Context, w *world) string {
				_, err := w.describe(ctx, "not-a-client-id")
				return outcome(err)
			}},

		// Pagination.
		{id: "list/pages", behaviour: "ListUserPoolClients with MaxResults 1 returns every client once, one per page", want: "yes", source: "SMITHY paginated trait",
			run: func(ctx context.Context, w *world) string {
				w.client(ctx, secretKey)
				w.client(ctx, noSecretKey)
				seen := map[string]int{}
				var token *string
				for pages := 0; pages < 1000; pages++ {
					w.pace(ctx)
					out, err := w.cog.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(w.poolID), MaxResults: aws.Int32(1), NextToken: token})
					if err != nil {
						return outcome(err)
					}
					if len(out.UserPoolClients) > 1 {
						return fmt.Sprintf("page of %d", len(out.UserPoolClients))
					}
					for _, c := range out.UserPoolClients {
						seen[aws.ToString(c.ClientId)]++
					}
					if token = out.NextToken; token == nil {
						break
					}
				}
				for _, id := range []string{w.memo[secretKey], w.memo[noSecretKey]} {
					if seen[id] != 1 {
						return fmt.Sprintf("client seen %d times", seen[id])
					}
				}
				return "yes"
			}},
		{id: "list/max-61", behaviour: "ListUserPoolClients with MaxResults 61", want: invalid, source: "botocore model (1-60)",
			run: func(ctx context.Context, w *world) string {
				w.pace(ctx)
				_, err := w.cog.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(w.poolID), MaxResults: aws.Int32(61)})
				return outcome(err)
			}},

		// The client-secret operations.
		{id: "secret/rotation", behaviour: "Add a 2nd secret, add a 3rd, list, delete one, delete the last", source: "API reference Add/Delete/ListUserPoolClientSecrets",
			want: "add: accepted; add: LimitExceededException 400; list: 2 secrets, ids <client>--<n>, no values; delete: accepted; delete last: InvalidParameterException 400",
			run: func(ctx context.Context, w *world) string {
				w.pace(ctx)
				out, err := w.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String(w.poolID), ClientName: aws.String("parity-secrets"), GenerateSecret: true})
				if err != nil {
					return "create: " + outcome(err)
				}
				id := out.UserPoolClient.ClientId
				var steps []string
				add := func() {
					w.pace(ctx)
					_, err := w.cog.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: aws.String(w.poolID), ClientId: id})
					steps = append(steps, "add: "+outcome(err))
				}
				add()
				add()
				w.pace(ctx)
				list, err := w.cog.ListUserPoolClientSecrets(ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: aws.String(w.poolID), ClientId: id})
				if err != nil {
					return strings.Join(append(steps, "list: "+outcome(err)), "; ")
				}
				shape := "ids <client>--<n>"
				values := "no values"
				for _, s := range list.ClientSecrets {
					if !secretIDRe.MatchString(aws.ToString(s.ClientSecretId)) || !strings.HasPrefix(aws.ToString(s.ClientSecretId), aws.ToString(id)+"--") {
						shape = "unexpected id " + aws.ToString(s.ClientSecretId)
					}
					if aws.ToString(s.ClientSecretValue) != "" {
						values = "values revealed"
					}
				}
				steps = append(steps, fmt.Sprintf("list: %d secrets, %s, %s", len(list.ClientSecrets), shape, values))
				for i, s := range list.ClientSecrets {
					w.pace(ctx)
					_, err := w.cog.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: aws.String(w.poolID), ClientId: id, ClientSecretId: s.ClientSecretId})
					label := "delete"
					if i == len(list.ClientSecrets)-1 {
						label = "delete last"
					}
					steps = append(steps, label+": "+outcome(err))
				}
				return strings.Join(steps, "; ")
			}},
	}
	return fs
}
