package emulator_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

func TestClientSecretRotation(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	c := e.create(t, &cip.CreateUserPoolClientInput{ClientName: aws.String("s"), GenerateSecret: true})
	first := aws.ToString(c.ClientSecret)
	ref := func() (*string, *string) { return aws.String(poolID), c.ClientId }

	pool, id := ref()
	added, err := e.cog.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pool, ClientId: id})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(added.ClientSecretDescriptor.ClientSecretValue); v == "" || v == first {
		t.Errorf("new secret %q", v)
	}
	var le *types.LimitExceededException
	if _, err := e.cog.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pool, ClientId: id}); !errors.As(err, &le) {
		t.Errorf("third secret: %v, want LimitExceededException", err)
	}
	list, err := e.cog.ListUserPoolClientSecrets(ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: pool, ClientId: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.ClientSecrets) != 2 {
		t.Fatalf("%d secrets listed, want 2", len(list.ClientSecrets))
	}
	for _, s := range list.ClientSecrets {
		if s.ClientSecretValue != nil {
			t.Error("ListUserPoolClientSecrets revealed a secret value")
		}
	}
	// Delete the original: Describe now returns the new one.
	if _, err := e.cog.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pool, ClientId: id, ClientSecretId: list.ClientSecrets[0].ClientSecretId}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(e.describe(t, aws.ToString(id)).ClientSecret); got != aws.ToString(added.ClientSecretDescriptor.ClientSecretValue) {
		t.Error("describe does not return the remaining secret")
	}
	var ip *types.InvalidParameterException
	if _, err := e.cog.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pool, ClientId: id, ClientSecretId: added.ClientSecretDescriptor.ClientSecretId}); !errors.As(err, &ip) {
		t.Errorf("deleting the last secret: %v, want InvalidParameterException", err)
	}
}
