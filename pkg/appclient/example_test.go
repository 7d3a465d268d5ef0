package appclient_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// Fix one setting of an app client without touching the others: describe,
// change the described value, update. In a Lambda the aws.Config comes from
// config.LoadDefaultConfig(ctx, config.WithRetryer(appclient.Retryer(5))).
func ExampleClient_Update() {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	if _, err := emu.CreatePool("us-east-1_EXAMPLE01", "example"); err != nil {
		log.Fatal(err)
	}
	clientID, err := emu.PutClient("us-east-1_EXAMPLE01", types.UserPoolClientType{
		ClientName:                      aws.String("web-portal"),
		AllowedOAuthFlowsUserPoolClient: aws.Bool(true),
		AllowedOAuthFlows:               []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes:              []string{"openid"},
		CallbackURLs:                    []string{"https://app.example.com/cb"},
		PreventUserExistenceErrors:      types.PreventUserExistenceErrorTypesLegacy,
	})
	if err != nil {
		log.Fatal(err)
	}

	sdk := cip.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      appclient.Retryer(5),
	})
	ac := appclient.New(sdk)
	ctx := context.Background()

	c, err := ac.Describe(ctx, "us-east-1_EXAMPLE01", clientID)
	if err != nil {
		log.Fatal(err)
	}
	c.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesEnabled
	updated, err := ac.Update(ctx, c)
	if err != nil {
		switch appclient.Classify(err) {
		case appclient.NotFound:
			fmt.Println("client deleted meanwhile: skip")
		case appclient.Terminal:
			fmt.Println("rejected, report:", err)
		default:
			log.Fatal(err) // retryable: fail the invocation so the event is kept
		}
		return
	}
	fmt.Println(updated.PreventUserExistenceErrors, updated.CallbackURLs)
	// Output: ENABLED [https://app.example.com/cb]
}
