package policy_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

func ExampleEvaluate() {
	baseline, err := policy.Parse([]byte(`{
	  "version": 1,
	  "rules": {
	    "AccessTokenValidity": {"max": "1h"},
	    "AllowedOAuthFlows": {"forbid": ["implicit"]},
	    "EnablePropagateAdditionalUserContextData": true,
	    "ClientName": {"pattern": "^[a-z0-9-]+$", "action": "report"}
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// As DescribeUserPoolClient returns it: 120 minutes, flows reordered.
	described := &types.UserPoolClientType{
		UserPoolId:                      aws.String("us-east-1_EXAMPLE01"),
		ClientId:                        aws.String("6example0client0id0drift01"),
		ClientName:                      aws.String("Web Portal"),
		AccessTokenValidity:             aws.Int32(120),
		TokenValidityUnits:              &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes},
		AllowedOAuthFlowsUserPoolClient: aws.Bool(true),
		AllowedOAuthFlows:               []types.OAuthFlowType{"implicit", "code"},
		AllowedOAuthScopes:              []string{"openid"},
		CallbackURLs:                    []string{"https://portal.example.com/cb"},
	}

	result := policy.Evaluate(baseline, described, time.Now())
	for _, f := range result.Enforceable() {
		fmt.Printf("fix %s: %v -> %v\n", f.Rule, f.Current, f.Fix)
	}
	for _, f := range result.Unfixable() {
		fmt.Printf("unfixable %s: %s\n", f.Rule, f.Reason)
	}
	for _, f := range result.Reported() {
		fmt.Printf("report %s: %v %s\n", f.Rule, f.Current, f.Required)
	}
	fmt.Println("write:", *result.Fixed.AccessTokenValidity, result.Fixed.TokenValidityUnits.AccessToken, result.Fixed.AllowedOAuthFlows)
	// Output:
	// fix AccessTokenValidity.max: 2h -> 1h
	// fix AllowedOAuthFlows.forbid: [code implicit] -> [code]
	// unfixable EnablePropagateAdditionalUserContextData.equals: Cognito allows it only on an app client with a client secret, and this client has none
	// report ClientName.pattern: Web Portal must match ^[a-z0-9-]+$
	// write: 60 minutes [code]
}

// When Cognito rejects a full update for its content (an undefined custom
// scope, say), Additions names what the fixes needed the pool to define and
// SelfContained is the retry: only the fixes that reference nothing outside
// the client.
func ExampleResult_SelfContained() {
	baseline, err := policy.Parse([]byte(`{
	  "version": 1,
	  "rules": {
	    "AccessTokenValidity": {"max": "1h"},
	    "AllowedOAuthScopes": {"require": ["api/read"]}
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	described := &types.UserPoolClientType{
		UserPoolId:                      aws.String("us-east-1_EXAMPLE01"),
		ClientId:                        aws.String("6example0client0id0drift01"),
		ClientName:                      aws.String("web-portal"),
		AccessTokenValidity:             aws.Int32(2),
		AllowedOAuthFlowsUserPoolClient: aws.Bool(true),
		AllowedOAuthFlows:               []types.OAuthFlowType{"code"},
		AllowedOAuthScopes:              []string{"openid"},
		CallbackURLs:                    []string{"https://portal.example.com/cb"},
	}
	result := policy.Evaluate(baseline, described, time.Now())
	fmt.Println("the pool must define:", result.Additions().AllowedOAuthScopes)

	retry := result.SelfContained(described, "ScopeDoesNotExistException: Invalid scope requested: api/read")
	for _, ch := range retry.Changes {
		fmt.Printf("write %s: %v -> %v\n", ch.Field, ch.Before, ch.After)
	}
	for _, f := range retry.Unfixable() {
		fmt.Printf("unfixable %s: %s\n", f.Rule, f.Reason)
	}
	// Output:
	// the pool must define: [api/read]
	// write AccessTokenValidity: 2h -> 1h
	// unfixable AllowedOAuthScopes.require: ScopeDoesNotExistException: Invalid scope requested: api/read
}
