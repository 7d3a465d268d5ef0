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
	"github.com/aws/smithy-go"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// oauth returns a valid OAuth client request, which mutate then breaks.
func oauth(mutate func(*cip.CreateUserPoolClientInput)) *cip.CreateUserPoolClientInput {
	in := &cip.CreateUserPoolClientInput{
		ClientName:                      aws.String("oauth"),
		AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes:              []string{"openid"},
		CallbackURLs:                    []string{"https://app.example.com/cb"},
	}
	if mutate != nil {
		mutate(in)
	}
	return in
}

func units(a, i, r types.TimeUnitsType) *types.TokenValidityUnitsType {
	return &types.TokenValidityUnitsType{AccessToken: a, IdToken: i, RefreshToken: r}
}

func urls(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("https://app.example.com/cb/%d", i)
	}
	return out
}

// TestCreateValidation covers the request constraints of the CreateUserPoolClient/UpdateUserPoolClient API reference. Every case is
// also run as an update of an existing client, which validates the same way.
func TestCreateValidation(t *testing.T) {
	const (
		invalid = "InvalidParameterException"
		flow    = "InvalidOAuthFlowException"
	)
	tests := []struct {
		name    string
		in      *cip.CreateUserPoolClientInput
		errType string // "" = accepted
		msg     string // substring of the message
	}{
		{"valid oauth client", oauth(nil), "", ""},
		// Token validity after unit conversion: access/ID 5 min - 1 day.
		{"access 5 minutes", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AccessTokenValidity, in.TokenValidityUnits = aws.Int32(5), units("minutes", "", "")
		}), "", ""},
		{"access 4 minutes", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AccessTokenValidity, in.TokenValidityUnits = aws.Int32(4), units("minutes", "", "")
		}), invalid, "Invalid range for token validity."},
		{"access 299 seconds", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AccessTokenValidity, in.TokenValidityUnits = aws.Int32(299), units("seconds", "", "")
		}), invalid, "Invalid range for token validity."},
		{"access 24 hours", oauth(func(in *cip.CreateUserPoolClientInput) { in.AccessTokenValidity = aws.Int32(24) }), "", ""},
		{"access 25 hours (default unit)", oauth(func(in *cip.CreateUserPoolClientInput) { in.AccessTokenValidity = aws.Int32(25) }), invalid, "Invalid range for token validity."},
		{"access 2 days", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AccessTokenValidity, in.TokenValidityUnits = aws.Int32(2), units("days", "", "")
		}), invalid, "Invalid range for token validity."},
		{"access 0", oauth(func(in *cip.CreateUserPoolClientInput) { in.AccessTokenValidity = aws.Int32(0) }), invalid, "greater than or equal to 1"},
		{"id 1441 minutes", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.IdTokenValidity, in.TokenValidityUnits = aws.Int32(1441), units("", "minutes", "")
		}), invalid, "Invalid range for token validity."},
		{"id 1440 minutes", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.IdTokenValidity, in.TokenValidityUnits = aws.Int32(1440), units("", "minutes", "")
		}), "", ""},
		// Refresh: 1 hour - 3650 days.
		{"refresh 59 minutes", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.RefreshTokenValidity, in.TokenValidityUnits = 59, units("", "", "minutes")
		}), invalid, "Invalid range for token validity."},
		{"refresh 60 minutes", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.RefreshTokenValidity, in.TokenValidityUnits = 60, units("", "", "minutes")
		}), "", ""},
		{"refresh 3650 days", oauth(func(in *cip.CreateUserPoolClientInput) { in.RefreshTokenValidity = 3650 }), "", ""},
		{"refresh 3651 days", oauth(func(in *cip.CreateUserPoolClientInput) { in.RefreshTokenValidity = 3651 }), invalid, "Invalid range for token validity."},
		{"bad unit", oauth(func(in *cip.CreateUserPoolClientInput) { in.TokenValidityUnits = units("weeks", "", "") }), invalid, "tokenValidityUnits.accessToken"},
		// AuthSessionValidity 3-15.
		{"auth session 2", oauth(func(in *cip.CreateUserPoolClientInput) { in.AuthSessionValidity = aws.Int32(2) }), invalid, "authSessionValidity"},
		{"auth session 15", oauth(func(in *cip.CreateUserPoolClientInput) { in.AuthSessionValidity = aws.Int32(15) }), "", ""},
		{"auth session 16", oauth(func(in *cip.CreateUserPoolClientInput) { in.AuthSessionValidity = aws.Int32(16) }), invalid, "authSessionValidity"},
		// Redirect URLs.
		{"default redirect in callbacks", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.DefaultRedirectURI = aws.String("https://app.example.com/cb")
		}), "", ""},
		{"default redirect not in callbacks", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.DefaultRedirectURI = aws.String("https://other.example.com/cb")
		}), invalid, "DefaultRedirectURI"},
		{"http callback", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"http://app.example.com/cb"} }), invalid, "HTTPS"},
		{"http localhost with port", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"http://localhost:8001/cb"} }), "", ""},
		{"http 127.0.0.1", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"http://127.0.0.1/cb"} }), "", ""},
		{"http [::1]", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"http://[::1]:3000/cb"} }), "", ""},
		{"custom scheme", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"myapp://callback"} }), "", ""},
		{"fragment", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"https://app.example.com/cb#x"} }), invalid, "fragment"},
		{"relative", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"/cb"} }), invalid, "absolute"},
		{"http logout", oauth(func(in *cip.CreateUserPoolClientInput) { in.LogoutURLs = []string{"http://app.example.com/out"} }), invalid, "HTTPS"},
		{"empty callback string", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = []string{"https://a.example.com", ""} }), invalid, "callbackURLs.2.member"},
		{"empty scope string", oauth(func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthScopes = []string{""} }), invalid, "allowedOAuthScopes.1.member"},
		{"empty read attribute", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), ReadAttributes: []string{""}}, invalid, "readAttributes.1.member"},
		// List limits.
		{"100 callbacks", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = urls(100) }), "", ""},
		{"101 callbacks", oauth(func(in *cip.CreateUserPoolClientInput) { in.CallbackURLs = urls(101) }), invalid, "callbackURLs"},
		{"101 logout URLs", oauth(func(in *cip.CreateUserPoolClientInput) { in.LogoutURLs = urls(101) }), invalid, "logoutURLs"},
		{"51 scopes", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthScopes = nil
			for i := range 51 {
				in.AllowedOAuthScopes = append(in.AllowedOAuthScopes, fmt.Sprintf("rs/s%d", i))
			}
		}), invalid, "allowedOAuthScopes"},
		{"4 flows", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthFlows = []types.OAuthFlowType{"code", "implicit", "code", "implicit"}
		}), invalid, "allowedOAuthFlows"},
		{"unknown flow", oauth(func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthFlows = []types.OAuthFlowType{"password"} }), invalid, "enum"},
		// OAuth flows.
		{"client_credentials with secret", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthFlows, in.AllowedOAuthScopes, in.GenerateSecret = []types.OAuthFlowType{"client_credentials"}, []string{"rs/read"}, true
		}), "", ""},
		{"client_credentials without secret", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthFlows, in.AllowedOAuthScopes = []types.OAuthFlowType{"client_credentials"}, []string{"rs/read"}
		}), flow, "client secret"},
		{"client_credentials with code", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AllowedOAuthFlows, in.GenerateSecret = []types.OAuthFlowType{"client_credentials", "code"}, true
		}), flow, "along with code flow"},
		{"oauth settings without oauth client", oauth(func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthFlowsUserPoolClient = false }), invalid, "AllowedOAuthFlowsUserPoolClient"},
		{"callbacks only without oauth client", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), CallbackURLs: []string{"https://a.example.com"}}, invalid, "AllowedOAuthFlowsUserPoolClient"},
		{"logout only without oauth client", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), LogoutURLs: []string{"https://a.example.com"}}, invalid, "AllowedOAuthFlowsUserPoolClient"},
		// Auth flows.
		{"legacy flows", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"}}, "", ""},
		{"legacy mixed with ALLOW_", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}, invalid, "legacy"},
		{"unknown auth flow", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_MAGIC"}}, invalid, "explicitAuthFlows.1.member"},
		// Secrets.
		{"propagate user context without secret", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), EnablePropagateAdditionalUserContextData: aws.Bool(true)}, invalid, "client secret"},
		{"propagate user context with secret", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), GenerateSecret: true, EnablePropagateAdditionalUserContextData: aws.Bool(true)}, "", ""},
		// Refresh token rotation.
		{"rotation grace 60", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}, RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: "ENABLED", RetryGracePeriodSeconds: aws.Int32(60)}}, "", ""},
		{"rotation grace 61", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH"}, RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: "ENABLED", RetryGracePeriodSeconds: aws.Int32(61)}}, invalid, "retryGracePeriodSeconds"},
		// A missing Feature is caught by the SDK itself; see TestWire.
		// Other enums and names.
		{"prevent user existence bogus", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), PreventUserExistenceErrors: "ON"}, invalid, "preventUserExistenceErrors"},
		{"all constraint violations reported together", &cip.CreateUserPoolClientInput{ClientName: aws.String("x"), ReadAttributes: []string{""}, AuthSessionValidity: aws.Int32(99)}, invalid, "2 validation errors detected: "},
		{"constraints before semantics", oauth(func(in *cip.CreateUserPoolClientInput) {
			in.AccessTokenValidity = aws.Int32(48)
			in.LogoutURLs = []string{""}
		}), invalid, "logoutURLs.1.member"},
		{"client name pattern", &cip.CreateUserPoolClientInput{ClientName: aws.String("bad/name")}, invalid, "clientName"},
	}
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	for _, tt := range tests {
		check := func(t *testing.T, err error) {
			t.Helper()
			if tt.errType == "" {
				if err != nil {
					t.Fatalf("error %v, want success", err)
				}
				return
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T), want %s", err, err, tt.errType)
			}
			if ae.ErrorCode() != tt.errType || !strings.Contains(ae.ErrorMessage(), tt.msg) {
				t.Errorf("got %s %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), tt.errType, tt.msg)
			}
		}
		t.Run("create/"+tt.name, func(t *testing.T) {
			in := *tt.in
			in.UserPoolId = aws.String(poolID)
			_, err := e.cog.CreateUserPoolClient(ctx, &in)
			check(t, err)
		})
		t.Run("update/"+tt.name, func(t *testing.T) {
			// An existing client with the same secret status, updated to
			// the case's settings.
			base := e.create(t, &cip.CreateUserPoolClientInput{ClientName: aws.String("base"), GenerateSecret: tt.in.GenerateSecret})
			in := updateFromCreate(tt.in)
			in.UserPoolId, in.ClientId = aws.String(poolID), base.ClientId
			_, err := e.cog.UpdateUserPoolClient(ctx, in)
			check(t, err)
		})
	}
}

func updateFromCreate(c *cip.CreateUserPoolClientInput) *cip.UpdateUserPoolClientInput {
	return &cip.UpdateUserPoolClientInput{
		ClientName:                               c.ClientName,
		RefreshTokenValidity:                     c.RefreshTokenValidity,
		AccessTokenValidity:                      c.AccessTokenValidity,
		IdTokenValidity:                          c.IdTokenValidity,
		TokenValidityUnits:                       c.TokenValidityUnits,
		ReadAttributes:                           c.ReadAttributes,
		WriteAttributes:                          c.WriteAttributes,
		ExplicitAuthFlows:                        c.ExplicitAuthFlows,
		SupportedIdentityProviders:               c.SupportedIdentityProviders,
		CallbackURLs:                             c.CallbackURLs,
		LogoutURLs:                               c.LogoutURLs,
		DefaultRedirectURI:                       c.DefaultRedirectURI,
		AllowedOAuthFlows:                        c.AllowedOAuthFlows,
		AllowedOAuthScopes:                       c.AllowedOAuthScopes,
		AllowedOAuthFlowsUserPoolClient:          c.AllowedOAuthFlowsUserPoolClient,
		AnalyticsConfiguration:                   c.AnalyticsConfiguration,
		PreventUserExistenceErrors:               c.PreventUserExistenceErrors,
		EnableTokenRevocation:                    c.EnableTokenRevocation,
		EnablePropagateAdditionalUserContextData: c.EnablePropagateAdditionalUserContextData,
		AuthSessionValidity:                      c.AuthSessionValidity,
		RefreshTokenRotation:                     c.RefreshTokenRotation,
	}
}

func TestRefreshTokenValidityDefaults(t *testing.T) {
	tests := []struct {
		name  string
		units *types.TokenValidityUnitsType
		want  int32
	}{
		{"no units", nil, 30},
		{"days", units("", "", "days"), 30},
		{"hours", units("", "", "hours"), 720},
		{"minutes", units("", "", "minutes"), 43200},
	}
	e := newEnv(t, emulator.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// RefreshTokenValidity 0 is not sent by the SDK (zero value);
			// either way AWS uses 30 days (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
			c := e.create(t, &cip.CreateUserPoolClientInput{ClientName: aws.String("r"), TokenValidityUnits: tt.units})
			if got := e.describe(t, aws.ToString(c.ClientId)).RefreshTokenValidity; got != tt.want {
				t.Errorf("RefreshTokenValidity = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestClientSecretRules(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	custom := "abcdefghijklmnopqrstuvwxyz0123456789"
	c := e.create(t, &cip.CreateUserPoolClientInput{ClientName: aws.String("s"), ClientSecret: aws.String(custom)})
	if got := aws.ToString(e.describe(t, aws.ToString(c.ClientId)).ClientSecret); got != custom {
		t.Errorf("ClientSecret = %q, want the custom secret", got)
	}
	nosecret := e.create(t, &cip.CreateUserPoolClientInput{ClientName: aws.String("n")})
	if got := e.describe(t, aws.ToString(nosecret.ClientId)).ClientSecret; got != nil {
		t.Errorf("ClientSecret = %q for a public client, want none", *got)
	}
	_, err := e.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientName: aws.String("b"), ClientSecret: aws.String(custom), GenerateSecret: true,
	})
	var ip *types.InvalidParameterException
	if !errors.As(err, &ip) {
		t.Errorf("GenerateSecret and ClientSecret: error %v, want InvalidParameterException", err)
	}
	_, err = e.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientName: aws.String("b"), ClientSecret: aws.String("short"),
	})
	if !errors.As(err, &ip) {
		t.Errorf("short ClientSecret: error %v, want InvalidParameterException", err)
	} else if strings.Contains(ip.ErrorMessage(), "short") {
		t.Errorf("error message %q echoes the secret", ip.ErrorMessage())
	}
}
