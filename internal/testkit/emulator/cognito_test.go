package emulator_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

var ignoreUnexported = diff.IgnoreUnexported(
	types.UserPoolClientType{}, types.TokenValidityUnitsType{}, types.AnalyticsConfigurationType{},
	types.RefreshTokenRotationType{}, types.UserPoolClientDescription{}, types.UserPoolDescriptionType{},
	types.LambdaConfigType{},
)

// sortLists makes set-valued fields comparable; the emulator, like AWS,
// does not keep list order.
var sortLists = diff.SortSlices(func(a, b string) bool { return a < b })

func TestCreateDescribeMinimal(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	created := e.create(t, &cip.CreateUserPoolClientInput{ClientName: aws.String("mobile-app")})
	got := e.describe(t, aws.ToString(created.ClientId))

	ts := e.clock.t
	// Shape of a minimal create as AWS returns it (UpdateUserPoolClient API reference and the AWS CLI examples,
	// "Describe output gotchas" 2): no Access/IdTokenValidity, no
	// Read/WriteAttributes, no SupportedIdentityProviders, no
	// PreventUserExistenceErrors, units {}, refresh 30.
	want := &types.UserPoolClientType{
		UserPoolId:                               aws.String(poolID),
		ClientName:                               aws.String("mobile-app"),
		ClientId:                                 created.ClientId,
		CreationDate:                             &ts,
		LastModifiedDate:                         &ts,
		RefreshTokenValidity:                     30,
		TokenValidityUnits:                       &types.TokenValidityUnitsType{},
		ExplicitAuthFlows:                        []types.ExplicitAuthFlowsType{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"},
		AllowedOAuthFlowsUserPoolClient:          aws.Bool(false),
		EnableTokenRevocation:                    aws.Bool(true),
		EnablePropagateAdditionalUserContextData: aws.Bool(false),
		AuthSessionValidity:                      aws.Int32(3),
		RefreshTokenRotation:                     &types.RefreshTokenRotationType{Feature: types.FeatureTypeDisabled, RetryGracePeriodSeconds: aws.Int32(0)},
	}
	sortFlows := diff.SortSlices(func(a, b types.ExplicitAuthFlowsType) bool { return a < b })
	if diff := diff.Diff(want, got, ignoreUnexported, sortFlows); diff != "" {
		t.Errorf("describe (-want +got):\n%s", diff)
	}
	if diff := diff.Diff(got, created, ignoreUnexported); diff != "" {
		t.Errorf("create response differs from describe (-describe +create):\n%s", diff)
	}
	if len(aws.ToString(created.ClientId)) != 26 {
		t.Errorf("client ID %q: want 26 characters", aws.ToString(created.ClientId))
	}
}

func TestDescribeRichRoundTrip(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	in := richClient()
	created := e.create(t, in)
	got := e.describe(t, aws.ToString(created.ClientId))

	if s := aws.ToString(got.ClientSecret); len(s) < 24 {
		t.Errorf("ClientSecret %q: want a generated secret", s)
	}
	ts := e.clock.t
	want := &types.UserPoolClientType{
		UserPoolId:                               aws.String(poolID),
		ClientName:                               in.ClientName,
		ClientId:                                 created.ClientId,
		ClientSecret:                             got.ClientSecret,
		CreationDate:                             &ts,
		LastModifiedDate:                         &ts,
		RefreshTokenValidity:                     in.RefreshTokenValidity,
		AccessTokenValidity:                      in.AccessTokenValidity,
		IdTokenValidity:                          in.IdTokenValidity,
		TokenValidityUnits:                       in.TokenValidityUnits,
		ReadAttributes:                           in.ReadAttributes,
		WriteAttributes:                          in.WriteAttributes,
		ExplicitAuthFlows:                        in.ExplicitAuthFlows,
		SupportedIdentityProviders:               in.SupportedIdentityProviders,
		CallbackURLs:                             in.CallbackURLs,
		LogoutURLs:                               in.LogoutURLs,
		DefaultRedirectURI:                       in.DefaultRedirectURI,
		AllowedOAuthFlows:                        in.AllowedOAuthFlows,
		AllowedOAuthScopes:                       in.AllowedOAuthScopes,
		AllowedOAuthFlowsUserPoolClient:          aws.Bool(true),
		PreventUserExistenceErrors:               in.PreventUserExistenceErrors,
		EnableTokenRevocation:                    in.EnableTokenRevocation,
		EnablePropagateAdditionalUserContextData: in.EnablePropagateAdditionalUserContextData,
		AuthSessionValidity:                      in.AuthSessionValidity,
		RefreshTokenRotation:                     in.RefreshTokenRotation,
		// AWS fills in the service-linked role (the AWS CLI create-user-pool-client example, aws/aws-cli awscli/examples/cognito-idp).
		AnalyticsConfiguration: &types.AnalyticsConfigurationType{
			ApplicationArn: in.AnalyticsConfiguration.ApplicationArn,
			RoleArn:        aws.String("arn:aws:iam::123456789012:role/aws-service-role/cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdp"),
			UserDataShared: true,
		},
	}
	opts := []diff.Option{ignoreUnexported, sortLists,
		diff.SortSlices(func(a, b types.ExplicitAuthFlowsType) bool { return a < b }),
		diff.SortSlices(func(a, b types.OAuthFlowType) bool { return a < b })}
	if diff := diff.Diff(want, got, opts...); diff != "" {
		t.Errorf("describe (-want +got):\n%s", diff)
	}
}

func TestDescribeReordersLists(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	in := richClient()
	created := e.create(t, in)
	got := e.describe(t, aws.ToString(created.ClientId))
	// The AWS CLI example sends ["code","implicit"] and gets
	// ["implicit","code"] back (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
	if diff := diff.Diff([]types.OAuthFlowType{"implicit", "code"}, got.AllowedOAuthFlows); diff != "" {
		t.Errorf("AllowedOAuthFlows (-want +got):\n%s", diff)
	}
	reordered := 0
	for _, l := range [][2][]string{
		{in.ReadAttributes, got.ReadAttributes},
		{in.CallbackURLs, got.CallbackURLs},
		{in.AllowedOAuthScopes, got.AllowedOAuthScopes},
		{in.SupportedIdentityProviders, got.SupportedIdentityProviders},
	} {
		if !slices.Equal(l[0], l[1]) {
			reordered++
		}
	}
	if reordered == 0 {
		t.Error("every list came back in request order; want AWS-like reordering")
	}
	// Order is a property of the stored set, not of the request.
	in2 := richClient()
	slices.Reverse(in2.AllowedOAuthScopes)
	slices.Reverse(in2.CallbackURLs)
	got2 := e.describe(t, aws.ToString(e.create(t, in2).ClientId))
	if diff := diff.Diff(got.AllowedOAuthScopes, got2.AllowedOAuthScopes); diff != "" {
		t.Errorf("scopes order depends on request order (-first +second):\n%s", diff)
	}
}

func TestUpdateReplacesEverything(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	created := e.create(t, richClient())
	id := aws.ToString(created.ClientId)
	before := e.describe(t, id)

	e.clock.t = e.clock.t.Add(time.Hour)
	// A partial update: only the name and one token setting, as a naive
	// remediation would send.
	out, err := e.cog.UpdateUserPoolClient(context.Background(), &cip.UpdateUserPoolClientInput{
		UserPoolId:          aws.String(poolID),
		ClientId:            aws.String(id),
		ClientName:          aws.String("web-portal"),
		AccessTokenValidity: aws.Int32(1),
	})
	if err != nil {
		t.Fatalf("UpdateUserPoolClient: %v", err)
	}
	got := e.describe(t, id)
	if diff := diff.Diff(got, out.UserPoolClient, ignoreUnexported); diff != "" {
		t.Errorf("update response differs from describe (-describe +update):\n%s", diff)
	}
	later := e.clock.t
	want := &types.UserPoolClientType{
		UserPoolId:                      aws.String(poolID),
		ClientName:                      aws.String("web-portal"),
		ClientId:                        created.ClientId,
		ClientSecret:                    before.ClientSecret, // kept
		CreationDate:                    before.CreationDate, // kept
		LastModifiedDate:                &later,              // bumped
		RefreshTokenValidity:            30,                  // default 30 days
		AccessTokenValidity:             aws.Int32(1),        // hours, the default unit
		TokenValidityUnits:              &types.TokenValidityUnitsType{},
		ExplicitAuthFlows:               []types.ExplicitAuthFlowsType{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"},
		AllowedOAuthFlowsUserPoolClient: aws.Bool(false),
		// Documented default true on create; we reset omitted to true.
		EnableTokenRevocation:                    aws.Bool(true),
		EnablePropagateAdditionalUserContextData: aws.Bool(false),
		AuthSessionValidity:                      aws.Int32(3),
		RefreshTokenRotation:                     &types.RefreshTokenRotationType{Feature: types.FeatureTypeDisabled, RetryGracePeriodSeconds: aws.Int32(0)},
	}
	sortFlows := diff.SortSlices(func(a, b types.ExplicitAuthFlowsType) bool { return a < b })
	if diff := diff.Diff(want, got, ignoreUnexported, sortFlows); diff != "" {
		t.Errorf("after partial update (-want +got):\n%s", diff)
	}
}

// TestPartialUpdateDestroysSettings is the property the adapter's tests
// rely on: sending one field visibly loses every other setting.
func TestPartialUpdateDestroysSettings(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	id := aws.ToString(e.create(t, richClient()).ClientId)
	before := e.describe(t, id)
	_, err := e.cog.UpdateUserPoolClient(context.Background(), &cip.UpdateUserPoolClientInput{
		UserPoolId:                 aws.String(poolID),
		ClientId:                   aws.String(id),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
	})
	if err != nil {
		t.Fatalf("UpdateUserPoolClient: %v", err)
	}
	after := e.describe(t, id)
	lost := map[string]bool{
		"CallbackURLs":               len(after.CallbackURLs) == 0 && len(before.CallbackURLs) > 0,
		"LogoutURLs":                 len(after.LogoutURLs) == 0 && len(before.LogoutURLs) > 0,
		"DefaultRedirectURI":         after.DefaultRedirectURI == nil && before.DefaultRedirectURI != nil,
		"AllowedOAuthFlows":          len(after.AllowedOAuthFlows) == 0,
		"AllowedOAuthScopes":         len(after.AllowedOAuthScopes) == 0,
		"ReadAttributes":             len(after.ReadAttributes) == 0,
		"WriteAttributes":            len(after.WriteAttributes) == 0,
		"SupportedIdentityProviders": len(after.SupportedIdentityProviders) == 0,
		"AnalyticsConfiguration":     after.AnalyticsConfiguration == nil,
		"AccessTokenValidity":        after.AccessTokenValidity == nil,
		"IdTokenValidity":            after.IdTokenValidity == nil,
		"RefreshTokenRotation":       after.RefreshTokenRotation.Feature == types.FeatureTypeDisabled,
		"AuthSessionValidity":        aws.ToInt32(after.AuthSessionValidity) == 3,
		"EnablePropagate":            !aws.ToBool(after.EnablePropagateAdditionalUserContextData),
		"OAuthClient":                !aws.ToBool(after.AllowedOAuthFlowsUserPoolClient),
	}
	for field, ok := range lost {
		if !ok {
			t.Errorf("%s survived a partial update; want it reset to its default", field)
		}
	}
	if diff := diff.Diff(before.ClientSecret, after.ClientSecret); diff != "" {
		t.Errorf("ClientSecret changed (-before +after):\n%s", diff)
	}
}

func TestFullUpdateKeepsEverything(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	id := aws.ToString(e.create(t, richClient()).ClientId)
	before := e.describe(t, id)
	in := updateFrom(before)
	in.AuthSessionValidity = aws.Int32(5)
	e.clock.t = e.clock.t.Add(time.Minute)
	if _, err := e.cog.UpdateUserPoolClient(context.Background(), in); err != nil {
		t.Fatalf("UpdateUserPoolClient: %v", err)
	}
	after := e.describe(t, id)
	before.AuthSessionValidity = aws.Int32(5)
	later := e.clock.t
	before.LastModifiedDate = &later
	if diff := diff.Diff(before, after, ignoreUnexported); diff != "" {
		t.Errorf("full update changed more than AuthSessionValidity (-want +got):\n%s", diff)
	}
}

// updateFrom copies every settable field, as pkg/appclient does.
func updateFrom(c *types.UserPoolClientType) *cip.UpdateUserPoolClientInput {
	return &cip.UpdateUserPoolClientInput{
		UserPoolId:                               c.UserPoolId,
		ClientId:                                 c.ClientId,
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
		AllowedOAuthFlowsUserPoolClient:          aws.ToBool(c.AllowedOAuthFlowsUserPoolClient),
		AnalyticsConfiguration:                   c.AnalyticsConfiguration,
		PreventUserExistenceErrors:               c.PreventUserExistenceErrors,
		EnableTokenRevocation:                    c.EnableTokenRevocation,
		EnablePropagateAdditionalUserContextData: c.EnablePropagateAdditionalUserContextData,
		AuthSessionValidity:                      c.AuthSessionValidity,
		RefreshTokenRotation:                     c.RefreshTokenRotation,
	}
}

func TestNotFoundErrorsAreTyped(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"describe unknown client", func() error {
			_, err := e.cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String("nope")})
			return err
		}},
		{"describe unknown pool", func() error {
			_, err := e.cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String("us-east-1_nope"), ClientId: aws.String("nope")})
			return err
		}},
		{"update unknown client", func() error {
			_, err := e.cog.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String("nope")})
			return err
		}},
		{"list clients unknown pool", func() error {
			_, err := e.cog.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String("us-east-1_nope")})
			return err
		}},
		{"delete unknown client", func() error {
			_, err := e.cog.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String("nope")})
			return err
		}},
		{"create in unknown pool", func() error {
			_, err := e.cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String("us-east-1_nope"), ClientName: aws.String("x")})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var nf *types.ResourceNotFoundException
			if err := tt.call(); !errors.As(err, &nf) {
				t.Fatalf("error %v (%T): want *types.ResourceNotFoundException", err, err)
			}
		})
	}
}

func TestListUserPoolClientsPaginates(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	want := map[string]string{}
	for i := range 7 {
		name := "client-" + string(rune('a'+i))
		c := e.create(t, &cip.CreateUserPoolClientInput{ClientName: aws.String(name)})
		want[aws.ToString(c.ClientId)] = name
	}
	got := map[string]string{}
	pages := 0
	p := cip.NewListUserPoolClientsPaginator(e.cog, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range out.UserPoolClients {
			if aws.ToString(c.UserPoolId) != poolID {
				t.Errorf("UserPoolId %q", aws.ToString(c.UserPoolId))
			}
			got[aws.ToString(c.ClientId)] = aws.ToString(c.ClientName)
		}
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("listed clients (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
}

func TestListUserPools(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	for _, n := range []string{"b", "c", "d", "e"} {
		if _, err := e.cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	names := map[string]bool{}
	p := cip.NewListUserPoolsPaginator(e.cog, &cip.ListUserPoolsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.UserPools) > 2 {
			t.Errorf("page of %d pools, want <= 2", len(out.UserPools))
		}
		for _, up := range out.UserPools {
			names[aws.ToString(up.Name)] = true
		}
	}
	if diff := diff.Diff(map[string]bool{"example": true, "b": true, "c": true, "d": true, "e": true}, names); diff != "" {
		t.Errorf("pools (-want +got):\n%s", diff)
	}

	for _, max := range []int32{0, 61} {
		_, err := e.cog.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(max)})
		var ip *types.InvalidParameterException
		if !errors.As(err, &ip) {
			t.Errorf("MaxResults %d: error %v, want InvalidParameterException", max, err)
		}
	}
}
