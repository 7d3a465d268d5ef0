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
//   - region: AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region;
//   - credentials: AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) with AWS_SECRET_ACCESS_KEY (or
//     AWS_SECRET_KEY), AWS_SESSION_TOKEN and AWS_ACCOUNT_ID; else the keys of the profile
//     (AWS_PROFILE, AWS_DEFAULT_PROFILE, else "default"); else the container
//     credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with
//     AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE), as LoadDefaultConfig falls back to it;
//   - profiles: from the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE,
//     AWS_CONFIG_FILE, else ~/.aws), only their region and static keys;
//   - endpoints: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> (the service ID upper-cased, spaces
//     as underscores) and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
//     (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), AWS_USE_FIPS_ENDPOINT
//     and AWS_USE_DUALSTACK_ENDPOINT, resolved by each service client exactly as under
//     LoadDefaultConfig (the Config's ConfigSources answer the same questions EnvConfig does);
//   - AWS_CA_BUNDLE: the only certificates the HTTPS connections trust;
//   - AWS_SDK_UA_APP_ID.
//
// What is refused with an error instead of being silently ignored: any other setting in the
// profile used (role_arn, sso_*, credential_process, endpoint_url, services, ...: they would
// change where calls go or as whom), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), a CA bundle that
// cannot be read, and no credentials at all (LoadDefaultConfig would then try EC2's instance
// metadata, which a Lambda function does not have). The command-line tool, which people run with
// SSO and assumed roles, keeps LoadDefaultConfig.
package awsenv

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/cognito-guard/cognito-guard/internal/awsreq"
)

// Load returns the Config the environment (getenv, os.Getenv in the functions) describes, with
// retryer as its Retryer (nil keeps the SDK's default).
func Load(getenv func(string) string, retryer func() aws.Retryer) (aws.Config, error) {
	env := Env{getenv: getenv}
	prof, err := sharedProfile(getenv)
	if err != nil {
		return aws.Config{}, err
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
		Region:        cmp.Or(first(getenv, "AWS_REGION", "AWS_DEFAULT_REGION"), prof.region),
		Retryer:       retryer,
		ConfigSources: []any{env},
		AppID:         getenv("AWS_SDK_UA_APP_ID"),
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" && !ignore {
		cfg.BaseEndpoint = aws.String(u)
	}
	if path := getenv("AWS_CA_BUNDLE"); path != "" {
		if cfg.HTTPClient, err = caBundleClient(path); err != nil {
			return aws.Config{}, err
		}
	}
	creds, err := credentialsFrom(getenv, retryer, prof)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.Credentials = creds
	return cfg, nil
}

// caBundleClient is the HTTP client LoadDefaultConfig builds for AWS_CA_BUNDLE (aws-sdk-go-v2
// config/resolve.go, resolveCustomCABundle): the SDK's default client, trusting the certificates
// of the bundle and only those (a new pool, not the system's with the bundle added). A bundle that
// cannot be read, or that holds no PEM certificate, is an error there too. Proxies that inspect
// TLS make people set it, and the RIE hands the shell's environment to the function.
func caBundleClient(path string) (aws.HTTPClient, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("AWS_CA_BUNDLE: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("AWS_CA_BUNDLE: %s holds no PEM certificate", path)
	}
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		tr.TLSClientConfig.RootCAs = pool
	}), nil
}

func first(getenv func(string) string, keys ...string) string {
	for _, k := range keys {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func credentialsFrom(getenv func(string) string, retryer func() aws.Retryer, prof profile) (aws.CredentialsProvider, error) {
	// As LoadDefaultConfig: the keys in the environment first (even with AWS_PROFILE set: only a
	// profile chosen in code comes before them), then the profile's keys.
	id, secret := first(getenv, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"), first(getenv, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	if id != "" && secret != "" {
		return staticCredentials{aws.Credentials{
			AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN"),
			AccountID: getenv("AWS_ACCOUNT_ID"), Source: "EnvConfigCredentials",
		}}, nil
	}
	if prof.creds.HasKeys() {
		return staticCredentials{prof.creds}, nil
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
	if endpoint == "" && prof.named {
		return nil, fmt.Errorf("profile %q (%s) has no aws_access_key_id and aws_secret_access_key, the only credentials the function reads from shared files", prof.name, prof.from)
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
	if v := e.getenv(awsreq.EndpointVariable(sdkID)); v != "" {
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

// profile is what the function takes from the shared config and credentials files: a region and
// static keys, nothing else.
type profile struct {
	name   string
	named  bool   // by AWS_PROFILE or AWS_DEFAULT_PROFILE, which then must exist
	from   string // which of the two
	region string
	creds  aws.Credentials
}

// profileKeys are the settings of a profile the function reads or may safely pass over. Any other
// (role_arn, sso_session, credential_process, endpoint_url, services, ...) would change where the
// function's calls go or as whom, so it is refused rather than ignored.
var profileKeys = map[string]bool{
	"region": true, "aws_access_key_id": true, "aws_secret_access_key": true, "aws_session_token": true,
	"aws_account_id": true, "output": true, "cli_pager": true,
}

// sharedProfile reads the profile (AWS_PROFILE, AWS_DEFAULT_PROFILE, else "default") from the
// shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) and config file
// (AWS_CONFIG_FILE, else ~/.aws/config), where the config file names it "profile NAME" except for
// "default" (https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html). Keys in the
// credentials file win. Missing files are no error; a named profile found in neither is.
func sharedProfile(getenv func(string) string) (profile, error) {
	p := profile{name: "default"}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		if v := getenv(k); v != "" {
			p.name, p.named, p.from = v, true, k
			break
		}
	}
	home := getenv("HOME")
	credFile := cmp.Or(getenv("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join(home, ".aws", "credentials"))
	confFile := cmp.Or(getenv("AWS_CONFIG_FILE"), filepath.Join(home, ".aws", "config"))
	confSection := "profile " + p.name
	if p.name == "default" {
		confSection = "default"
	}
	found := false
	merged := map[string]string{}
	for _, f := range []struct{ path, section string }{{confFile, confSection}, {credFile, p.name}} {
		if home == "" && !filepath.IsAbs(f.path) {
			continue
		}
		keys, ok, err := iniSection(f.path, f.section)
		if err != nil {
			return p, err
		}
		found = found || ok
		var refused []string
		for k, v := range keys {
			if !profileKeys[k] {
				refused = append(refused, k)
			}
			merged[k] = v // the credentials file comes second and wins
		}
		if len(refused) > 0 {
			slices.Sort(refused)
			return p, fmt.Errorf("%s: profile %q sets %s, which the function does not read (it takes a region and static keys from shared files, nothing else)", f.path, p.name, strings.Join(refused, ", "))
		}
	}
	if p.named && !found {
		return p, fmt.Errorf("profile %q (%s) is in neither %s nor %s", p.name, p.from, credFile, confFile)
	}
	p.region = merged["region"]
	if merged["aws_access_key_id"] != "" && merged["aws_secret_access_key"] != "" {
		p.creds = aws.Credentials{AccessKeyID: merged["aws_access_key_id"], SecretAccessKey: merged["aws_secret_access_key"],
			SessionToken: merged["aws_session_token"], AccountID: merged["aws_account_id"], Source: "SharedConfigCredentials"}
	}
	return p, nil
}

// iniSection returns the keys of section [name] of the INI file at path (lower-cased keys, trimmed
// values; lines starting with # or ; are comments; an indented line continues the key above, as
// for nested settings, and is not read), and whether the section is there. A missing file is an
// empty one.
func iniSection(path, name string) (map[string]string, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	keys := map[string]string{}
	in, found := false, false
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "" || t[0] == '#' || t[0] == ';':
			continue
		case t[0] == '[':
			sec := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "["), "]"))
			in = strings.Join(strings.Fields(sec), " ") == name
			found = found || in
			continue
		case !in || line[0] == ' ' || line[0] == '\t':
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		keys[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return keys, found, nil
}
