package emulator_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

const (
	poolID = "us-east-1_EXAMPLE01"
)

// fixedNow is the emulator clock in tests; tick advances it.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// env is an emulator behind a real HTTP server with the real SDK clients.
type env struct {
	emu   *emulator.Emulator
	cog   *cip.Client
	ssm   *ssm.Client
	clock *clock
	url   string
}

func awsConfig(url string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1, // tests see every error; retries are the adapter's business
	}
}

func newEnv(t testing.TB, opts emulator.Options) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clk.now
	}
	emu := emulator.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := awsConfig(srv.URL)
	if _, err := emu.CreatePool(poolID, "example"); err != nil {
		t.Fatal(err)
	}
	// What richClient and the validation cases refer to.
	if err := emu.AddIdentityProvider(poolID, "Google", "Google"); err != nil {
		t.Fatal(err)
	}
	if err := emu.AddResourceServer(poolID, "rs", "rs", "read", "write"); err != nil {
		t.Fatal(err)
	}
	return &env{emu: emu, cog: cip.NewFromConfig(cfg), ssm: ssm.NewFromConfig(cfg), clock: clk, url: srv.URL}
}

// create makes a client through the API and fails the test on error.
func (e *env) create(t testing.TB, in *cip.CreateUserPoolClientInput) *types.UserPoolClientType {
	t.Helper()
	if in.UserPoolId == nil {
		in.UserPoolId = aws.String(poolID)
	}
	out, err := e.cog.CreateUserPoolClient(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateUserPoolClient: %v", err)
	}
	return out.UserPoolClient
}

func (e *env) describe(t testing.TB, clientID string) *types.UserPoolClientType {
	t.Helper()
	out, err := e.cog.DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientId: aws.String(clientID),
	})
	if err != nil {
		t.Fatalf("DescribeUserPoolClient: %v", err)
	}
	return out.UserPoolClient
}

// richClient is a client with every setting away from its default.
func richClient() *cip.CreateUserPoolClientInput {
	return &cip.CreateUserPoolClientInput{
		UserPoolId:           aws.String(poolID),
		ClientName:           aws.String("web-portal"),
		GenerateSecret:       true,
		RefreshTokenValidity: 10,
		AccessTokenValidity:  aws.Int32(30),
		IdTokenValidity:      aws.Int32(45),
		TokenValidityUnits:   &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes, IdToken: types.TimeUnitsTypeMinutes, RefreshToken: types.TimeUnitsTypeDays},
		ReadAttributes:       []string{"email", "email_verified", "name"},
		WriteAttributes:      []string{"email", "name"},
		// Rotation ENABLED excludes ALLOW_REFRESH_TOKEN_AUTH.
		ExplicitAuthFlows:               []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowCustomAuth},
		SupportedIdentityProviders:      []string{"COGNITO", "Google"},
		CallbackURLs:                    []string{"https://app.example.com/callback", "http://localhost:3000/cb"},
		LogoutURLs:                      []string{"https://app.example.com/logout"},
		DefaultRedirectURI:              aws.String("https://app.example.com/callback"),
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode, types.OAuthFlowTypeImplicit},
		AllowedOAuthScopes:              []string{"openid", "email", "profile"},
		AllowedOAuthFlowsUserPoolClient: true,
		AnalyticsConfiguration: &types.AnalyticsConfigurationType{
			ApplicationArn: aws.String("arn:aws:mobiletargeting:us-east-1:123456789012:apps/0123456789abcdef"),
			UserDataShared: true,
		},
		PreventUserExistenceErrors:               types.PreventUserExistenceErrorTypesEnabled,
		EnableTokenRevocation:                    aws.Bool(false),
		EnablePropagateAdditionalUserContextData: aws.Bool(true),
		AuthSessionValidity:                      aws.Int32(10),
		RefreshTokenRotation:                     &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(30)},
	}
}
