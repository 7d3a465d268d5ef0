// Package sample seeds an emulator with the sample account that events/
// describes: user pool us-east-1_EXAMPLE01 with a drifted client
// ("web-portal": token revocation off, 10-year refresh tokens, the implicit
// grant, a http://localhost:3000/callback left from development) and a
// compliant one ("mobile-app"), and the
// baseline of events/baseline.json in /cognito-guard/baseline. make demo
// and the remediate function's end-to-end tests share it, so the demo shows
// what the tests prove.
package sample

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// The sample identities of events/.
const (
	Account           = "123456789012"
	Region            = "us-east-1"
	PoolID            = "us-east-1_EXAMPLE01"
	DriftedID         = "6example0client0id0drift01"
	CleanID           = "6example0client0id0clean01"
	BaselineParameter = "/cognito-guard/baseline"
	// Secret is the drifted client's secret; tests search every output for it.
	Secret = "s3cr3tSampleValue0OnlyForTests0xQ7vLr2Kp9Wm4Tz8Nd1Hc"
)

// Drifted is "web-portal" after a careless change: most settings are what a
// real web client carries (and must survive the fix untouched), four break
// events/baseline.json. It is a state Cognito accepts: Seed stores it
// through the emulator's CreateUserPoolClient validation.
func Drifted() types.UserPoolClientType {
	return types.UserPoolClientType{
		UserPoolId:            aws.String(PoolID),
		ClientId:              aws.String(DriftedID),
		ClientName:            aws.String("web-portal"),
		ClientSecret:          aws.String(Secret),
		EnableTokenRevocation: aws.Bool(false), // drift
		RefreshTokenValidity:  3650,            // drift: 10 years
		AccessTokenValidity:   aws.Int32(60),
		IdTokenValidity:       aws.Int32(60),
		TokenValidityUnits: &types.TokenValidityUnitsType{
			AccessToken: types.TimeUnitsTypeMinutes, IdToken: types.TimeUnitsTypeMinutes, RefreshToken: types.TimeUnitsTypeDays,
		},
		AllowedOAuthFlowsUserPoolClient: aws.Bool(true),
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode, types.OAuthFlowTypeImplicit}, // drift: implicit
		AllowedOAuthScopes:              []string{"openid", "email", "profile"},
		// drift: a development callback left behind. Cognito accepts http only
		// for loopback hosts (CallbackURLs in the CreateUserPoolClient API
		// reference), so this is the insecure callback a real client can carry.
		CallbackURLs:               []string{"https://portal.example.com/callback", "http://localhost:3000/callback"},
		DefaultRedirectURI:         aws.String("https://portal.example.com/callback"),
		LogoutURLs:                 []string{"https://portal.example.com/logout"},
		SupportedIdentityProviders: []string{"COGNITO"},
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth},
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		AuthSessionValidity:        aws.Int32(3),
		ReadAttributes:             []string{"email", "email_verified", "name"},
		WriteAttributes:            []string{"email", "name"},
	}
}

// Clean is "mobile-app", compliant with events/baseline.json.
func Clean() types.UserPoolClientType {
	return types.UserPoolClientType{
		UserPoolId:                 aws.String(PoolID),
		ClientId:                   aws.String(CleanID),
		ClientName:                 aws.String("mobile-app"),
		EnableTokenRevocation:      aws.Bool(true),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth},
		RefreshTokenValidity:       7,
		AuthSessionValidity:        aws.Int32(3),
	}
}

// Seed creates the sample pool, both clients and the baseline parameter
// (a String holding baseline).
func Seed(e *emulator.Emulator, baseline []byte) error {
	if _, err := e.CreatePool(PoolID, "customers"); err != nil {
		return fmt.Errorf("seed pool: %w", err)
	}
	for _, c := range []types.UserPoolClientType{Drifted(), Clean()} {
		if _, err := e.PutClient(PoolID, c); err != nil {
			return fmt.Errorf("seed client %s: %w", aws.ToString(c.ClientName), err)
		}
	}
	if _, _, err := e.PutParameter(BaselineParameter, "String", string(baseline), "", true); err != nil {
		return fmt.Errorf("seed baseline: %w", err)
	}
	return nil
}

// Serve starts an emulator holding the sample account and baseline, serves
// it over HTTP until the test ends, and returns it with its URL.
func Serve(tb testing.TB, baseline []byte) (*emulator.Emulator, string) {
	tb.Helper()
	emu := emulator.New(emulator.Options{Account: Account, Region: Region, MaxCalls: 100000})
	if err := Seed(emu, baseline); err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	tb.Cleanup(srv.Close)
	return emu, srv.URL
}
