package emulator_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// The emulator is an http.Handler: serve it and point the real SDK client
// at it with BaseEndpoint.
func Example() {
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	defer srv.Close()

	_, _ = emu.CreatePool("us-east-1_EXAMPLE01", "example")
	_, _ = emu.PutClient("us-east-1_EXAMPLE01", types.UserPoolClientType{
		ClientId:                   aws.String("6example0client0id0clean01"),
		ClientName:                 aws.String("mobile-app"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
	})

	client := cip.NewFromConfig(awsConfig(srv.URL))
	ctx := context.Background()
	// A partial update resets every omitted field to its default.
	_, err := client.UpdateUserPoolClient(ctx, &cip.UpdateUserPoolClientInput{
		UserPoolId: aws.String("us-east-1_EXAMPLE01"),
		ClientId:   aws.String("6example0client0id0clean01"),
		ClientName: aws.String("mobile-app"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String("us-east-1_EXAMPLE01"),
		ClientId:   aws.String("6example0client0id0clean01"),
	})
	fmt.Printf("PreventUserExistenceErrors=%q\n", out.UserPoolClient.PreventUserExistenceErrors)
	for _, c := range emu.Calls() {
		fmt.Println(c.Op, c.ClientID)
	}
	// Output:
	// PreventUserExistenceErrors=""
	// UpdateUserPoolClient 6example0client0id0clean01
	// DescribeUserPoolClient 6example0client0id0clean01
}
