package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// maxAttempts per AWS call: the pacer spaces them, so a throttled call is
// retried at the pace Cognito allows, as in the audit function.
const maxAttempts = 6

// awsConfig loads the standard chain (environment, shared config and
// credentials files, SSO, container and instance roles), Region and
// AWS_ENDPOINT_URL. The variables are read through a.getenv so tests can
// run in process; the SDK still reads the process environment for what
// is not named here, which main passes unchanged.
func (a *app) awsConfig(ctx context.Context) (aws.Config, error) {
	retryer := a.retryer
	if retryer == nil {
		retryer = appclient.Retryer(maxAttempts)
	}
	opts := []func(*config.LoadOptions) error{config.WithRetryer(retryer)}
	env := a.getenv
	if r := firstOf(env("AWS_REGION"), env("AWS_DEFAULT_REGION")); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if p := env("AWS_PROFILE"); p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	if f := env("AWS_CONFIG_FILE"); f != "" {
		opts = append(opts, config.WithSharedConfigFiles([]string{f}))
	}
	if f := env("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		opts = append(opts, config.WithSharedCredentialsFiles([]string{f}))
	}
	if id, secret := env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, env("AWS_SESSION_TOKEN"))))
	}
	if u := env("AWS_ENDPOINT_URL"); u != "" {
		opts = append(opts, config.WithBaseEndpoint(u))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS Region: set AWS_REGION (or a region in the profile)")
	}
	// Fail before the first call, with the chain named, rather than on a
	// describe half way through the fleet.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("no AWS credentials: the standard chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the shared files, SSO, container or instance role) found none: %w", err)
	}
	return cfg, nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// cognito returns the Cognito client with the pacer installed.
func cognito(cfg aws.Config, p *pacer) *cognitoidentityprovider.Client {
	return cognitoidentityprovider.NewFromConfig(cfg, func(o *cognitoidentityprovider.Options) {
		o.APIOptions = append(o.APIOptions, p.AddTo)
	})
}

func ssmClient(cfg aws.Config) *ssm.Client { return ssm.NewFromConfig(cfg) }

// iamPrefix is the IAM service prefix of the SDK service IDs we call.
var iamPrefix = map[string]string{
	cognitoidentityprovider.ServiceID: "cognito-idp",
	ssm.ServiceID:                     "ssm",
	"S3":                              "s3",
}

// explain turns an AWS error into one sentence a person can act on: which
// permission is missing, or that the account is throttled.
func explain(err error) error {
	var oe *smithy.OperationError
	var ae smithy.APIError
	if !errors.As(err, &oe) || !errors.As(err, &ae) {
		return err
	}
	action := iamPrefix[oe.Service()] + ":" + oe.Operation()
	if iamPrefix[oe.Service()] == "" {
		action = oe.Service() + " " + oe.Operation()
	}
	code := ae.ErrorCode()
	switch {
	case code == "AccessDeniedException" || code == "AccessDenied" || code == "UnauthorizedOperation":
		extra := ""
		if action == "ssm:GetParameter" {
			extra = " (and kms:Decrypt on the key of a SecureString)"
		}
		return fmt.Errorf("access denied: the caller needs %s%s: %s: %s", action, extra, code, ae.ErrorMessage())
	case code == "UnrecognizedClientException" || code == "InvalidClientTokenId" || code == "ExpiredTokenException" || code == "ExpiredToken":
		return fmt.Errorf("the credentials were refused (%s) calling %s: check the profile or the session: %s", code, action, ae.ErrorMessage())
	case code == "TooManyRequestsException" || code == "ThrottlingException" || code == "Throttling" || code == "SlowDown":
		return fmt.Errorf("throttled: %s answered %s after the SDK's retries; other callers are using the account's quota: run again later or lower --rate", action, code)
	case strings.HasSuffix(code, "NotFoundException") || code == "ParameterNotFound" || code == "NoSuchKey" || code == "NoSuchBucket":
		return fmt.Errorf("not found: %s: %s: %s", action, code, ae.ErrorMessage())
	}
	return fmt.Errorf("%s failed: %s: %s", action, code, ae.ErrorMessage())
}
