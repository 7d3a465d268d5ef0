// Package awsenv builds the functions' aws.Config from the environment variables Lambda sets, the
// way config.LoadDefaultConfig reads them, without linking the rest of LoadDefaultConfig.
//
// Why: LoadDefaultConfig links its whole credential chain (shared config files, SSO, SSO OIDC,
// Sign-In, STS for assumed roles and web identity, IMDS for EC2 roles) into every binary that calls
// it. A Lambda function gets its credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// so that code is dead weight in the bootstrap Lambda downloads and initialises on every cold
// start (functions/remediate/BENCH.md gives the sizes and init times).
//
// What is read, with LoadDefaultConfig's meaning (aws-sdk-go-v2 config/env_config.go; the
// variables are documented at https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html):
//   - region: AWS_REGION, else AWS_DEFAULT_REGION;
//   - credentials: AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) with AWS_SECRET_ACCESS_KEY (or
//     AWS_SECRET_KEY), AWS_SESSION_TOKEN and AWS_ACCOUNT_ID; without keys, the container
//     credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with
//     AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE), as LoadDefaultConfig falls back to it;
//   - endpoints: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> (the service ID upper-cased, spaces
//     as underscores) and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
//     (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), AWS_USE_FIPS_ENDPOINT
//     and AWS_USE_DUALSTACK_ENDPOINT, resolved by each service client exactly as under
//     LoadDefaultConfig (the Config's ConfigSources answer the same questions EnvConfig does);
//   - AWS_SDK_UA_APP_ID.
//
// What is refused with an error instead of being silently ignored: a named profile (AWS_PROFILE,
// AWS_DEFAULT_PROFILE), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), AWS_CA_BUNDLE, and no
// credentials at all (LoadDefaultConfig would then look for ~/.aws files and EC2's instance
// metadata, neither of which a Lambda function has). The command-line tool, which people run with
// profiles and SSO, keeps LoadDefaultConfig.
package awsenv

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// Load returns the Config the environment (getenv, os.Getenv in the functions) describes, with
// retryer as its Retryer (nil keeps the SDK's default).
func Load(getenv func(string) string, retryer func() aws.Retryer) (aws.Config, error) {
	env := Env{getenv: getenv}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CA_BUNDLE"} {
		if getenv(k) != "" {
			return aws.Config{}, fmt.Errorf("%s is set: the function reads its region, credentials and endpoints from the environment variables Lambda sets, not from shared config files (unset %s)", k, k)
		}
	}
	ignore, _, err := env.GetIgnoreConfiguredEndpoints(context.Background())
	if err != nil {
		return aws.Config{}, err
	}
	if _, _, err := env.GetUseFIPSEndpoint(context.Background()); err != nil {
		return aws.Config{}, err
	}
	if _, _, err := env.GetUseDualStackEndpoint(context.Background()); err != nil {
		return aws.Config{}, err
	}
	cfg := aws.Config{
		Region:        first(getenv, "AWS_REGION", "AWS_DEFAULT_REGION"),
		Retryer:       retryer,
		ConfigSources: []any{env},
		AppID:         getenv("AWS_SDK_UA_APP_ID"),
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" && !ignore {
		cfg.BaseEndpoint = aws.String(u)
	}
	creds, err := credentialsFrom(getenv, retryer)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.Credentials = creds
	return cfg, nil
}

func first(getenv func(string) string, keys ...string) string {
	for _, k := range keys {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func credentialsFrom(getenv func(string) string, retryer func() aws.Retryer) (aws.CredentialsProvider, error) {
	id, secret := first(getenv, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"), first(getenv, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	if id != "" && secret != "" {
		return staticCredentials{aws.Credentials{
			AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN"),
			AccountID: getenv("AWS_ACCOUNT_ID"), Source: "EnvConfigCredentials",
		}}, nil
	}
	if getenv("AWS_WEB_IDENTITY_TOKEN_FILE") != "" {
		return nil, fmt.Errorf("AWS_WEB_IDENTITY_TOKEN_FILE is set but not read by the function: give it credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (Lambda does)")
	}
	endpoint := ""
	if rel := getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		// The ECS task role endpoint (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
		endpoint = "http://169.254.170.2" + rel
	} else if full := getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"); full != "" {
		if err := allowedContainerURL(full); err != nil {
			return nil, fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI: %w", err)
		}
		endpoint = full
	}
	if endpoint == "" {
		return nil, fmt.Errorf("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), as Lambda does, or AWS_CONTAINER_CREDENTIALS_FULL_URI")
	}
	p := endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
		o.AuthorizationToken = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
		if path := getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); path != "" {
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				b, err := os.ReadFile(path)
				if err != nil {
					return "", fmt.Errorf("read the container authorization token: %w", err)
				}
				return string(b), nil
			})
		}
		if retryer != nil {
			o.Retryer = retryer()
		}
	})
	return aws.NewCredentialsCache(p), nil
}

// allowedContainerURL accepts what LoadDefaultConfig accepts: https anywhere, http only to a
// loopback address or the ECS and EKS container credential addresses (169.254.170.2,
// 169.254.170.23, fd00:ec2::23), a host name only if every address it resolves to is one of those.
func allowedContainerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL: %w", err)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("no host in %q", raw)
	}
	if u.Scheme != "http" {
		return nil
	}
	addrs := []string{host}
	if net.ParseIP(host) == nil {
		if addrs, err = net.LookupHost(host); err != nil {
			return fmt.Errorf("resolve %q: %w", host, err)
		}
	}
	for _, a := range addrs {
		ip := net.ParseIP(a)
		if ip == nil || !(ip.IsLoopback() || ip.Equal(net.ParseIP("169.254.170.2")) || ip.Equal(net.ParseIP("169.254.170.23")) || ip.Equal(net.ParseIP("fd00:ec2::23"))) {
			return fmt.Errorf("invalid endpoint host %q: only loopback, ECS and EKS hosts are allowed over http", host)
		}
	}
	return nil
}

// staticCredentials is credentials.StaticCredentialsProvider without importing package credentials
// (whose package-level imports are small, but this keeps the dependency list to what is used).
type staticCredentials struct{ v aws.Credentials }

func (s staticCredentials) Retrieve(context.Context) (aws.Credentials, error) { return s.v, nil }

// Env answers the service clients' configuration questions from the environment, as config.EnvConfig
// does: they find these methods on the Config's ConfigSources
// (github.com/aws/aws-sdk-go-v2/internal/configsources).
type Env struct{ getenv func(string) string }

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_<SDK ID>, the ID upper-cased with spaces as
// underscores ("Cognito Identity Provider" -> AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER).
func (e Env) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if v := e.getenv("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_")); v != "" {
		return v, true, nil
	}
	return "", false, nil
}

// GetIgnoreConfiguredEndpoints reads AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func (e Env) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return e.boolean("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
}

// GetUseFIPSEndpoint reads AWS_USE_FIPS_ENDPOINT.
func (e Env) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	v, ok, err := e.boolean("AWS_USE_FIPS_ENDPOINT")
	if !ok || err != nil {
		return aws.FIPSEndpointStateUnset, false, err
	}
	if v {
		return aws.FIPSEndpointStateEnabled, true, nil
	}
	return aws.FIPSEndpointStateDisabled, true, nil
}

// GetUseDualStackEndpoint reads AWS_USE_DUALSTACK_ENDPOINT.
func (e Env) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	v, ok, err := e.boolean("AWS_USE_DUALSTACK_ENDPOINT")
	if !ok || err != nil {
		return aws.DualStackEndpointStateUnset, false, err
	}
	if v {
		return aws.DualStackEndpointStateEnabled, true, nil
	}
	return aws.DualStackEndpointStateDisabled, true, nil
}

// boolean parses "true" or "false" in any case, as EnvConfig does; anything else is an error.
func (e Env) boolean(key string) (bool, bool, error) {
	switch v := e.getenv(key); {
	case v == "":
		return false, false, nil
	case strings.EqualFold(v, "true"):
		return true, true, nil
	case strings.EqualFold(v, "false"):
		return false, true, nil
	default:
		return false, false, fmt.Errorf("%s=%q: want true or false", key, v)
	}
}
