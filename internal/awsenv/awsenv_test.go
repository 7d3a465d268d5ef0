package awsenv

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/cognito-guard/cognito-guard/internal/testkit/certs"
)

// sdkVars are the variables either loader reads; each case starts from none of them.
var sdkVars = []string{
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
	"AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_ACCOUNT_ID", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSM",
	"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT",
	"AWS_USE_DUALSTACK_ENDPOINT", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CA_BUNDLE", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_SDK_UA_APP_ID",
	"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_EC2_METADATA_DISABLED",
}

// isolate clears the SDK's variables and points the shared files at nothing, so that
// LoadDefaultConfig, the reference, sees only what a case sets.
func isolate(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range sdkVars {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for k, v := range env {
		t.Setenv(k, v)
	}
}

// target records where a client sends its first request, and fails it.
type target struct{ url string }

var errStop = errors.New("recorded")

func (r *target) Do(req *http.Request) (*http.Response, error) {
	r.url = req.URL.Scheme + "://" + req.URL.Host
	return nil, errStop
}

// where returns the address each service client built from cfg sends to.
func where(t *testing.T, cfg aws.Config) (cognito, ssmURL string) {
	t.Helper()
	ctx := context.Background()
	var c, s target
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	_, _ = cip.NewFromConfig(cfg, func(o *cip.Options) { o.HTTPClient = &c }).ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)})
	_, _ = ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.HTTPClient = &s }).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/x")})
	return c.url, s.url
}

// TestSameAsLoadDefaultConfig: for the environments a function meets, Load gives the region,
// credentials and service endpoints config.LoadDefaultConfig gives.
func TestSameAsLoadDefaultConfig(t *testing.T) {
	keys := map[string]string{"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range keys {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := map[string]map[string]string{
		"lambda":                  with(map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}),
		"default region only":     with(map[string]string{"AWS_DEFAULT_REGION": "ap-southeast-2"}),
		"AWS_REGION wins":         with(map[string]string{"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}),
		"old key names":           {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY": "AKIAOLD", "AWS_SECRET_KEY": "old", "AWS_ACCOUNT_ID": "123456789012"},
		"one endpoint for all":    with(map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}),
		"per service":             with(map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:5001", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": "http://127.0.0.1:5002"}),
		"per service beats all":   with(map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:5001"}),
		"ignore configured":       with(map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:5001", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "TRUE"}),
		"not ignored":             with(map[string]string{"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"}),
		"fips":                    with(map[string]string{"AWS_REGION": "us-east-1", "AWS_USE_FIPS_ENDPOINT": "true"}),
		"dual stack":              with(map[string]string{"AWS_REGION": "eu-central-1", "AWS_USE_DUALSTACK_ENDPOINT": "true"}),
		"fips off":                with(map[string]string{"AWS_REGION": "us-east-1", "AWS_USE_FIPS_ENDPOINT": "false"}),
		"china":                   with(map[string]string{"AWS_REGION": "cn-north-1"}),
		"retry settings are ours": with(map[string]string{"AWS_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "9", "AWS_RETRY_MODE": "adaptive"}),
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			isolate(t, env)
			got, ref := loadBoth(t)
			if got.Region != ref.Region {
				t.Errorf("region %q, LoadDefaultConfig %q", got.Region, ref.Region)
			}
			if aws.ToString(got.BaseEndpoint) != aws.ToString(ref.BaseEndpoint) {
				t.Errorf("base endpoint %q, LoadDefaultConfig %q", aws.ToString(got.BaseEndpoint), aws.ToString(ref.BaseEndpoint))
			}
			gc, rc := retrieveBoth(t, got, ref)
			if gc.AccessKeyID != rc.AccessKeyID || gc.SecretAccessKey != rc.SecretAccessKey || gc.SessionToken != rc.SessionToken || gc.AccountID != rc.AccountID {
				t.Errorf("credentials %+v, LoadDefaultConfig %+v", gc, rc)
			}
			gotC, gotS := where(t, got)
			refC, refS := where(t, ref)
			if gotC != refC || gotS != refS {
				t.Errorf("endpoints cognito %s ssm %s; LoadDefaultConfig cognito %s ssm %s", gotC, gotS, refC, refS)
			}
			if gotC == "" || gotS == "" {
				t.Errorf("no request was sent: cognito %q ssm %q", gotC, gotS)
			}
		})
	}
}

// TestContainerCredentials: without keys, credentials come from the container endpoint with its
// authorization token, as under LoadDefaultConfig.
func TestContainerCredentials(t *testing.T) {
	tokenFile := t.TempDir() + "/token"
	if err := os.WriteFile(tokenFile, []byte("from-file"), 0o600); err != nil {
		t.Fatal(err)
	}
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}`))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"token", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok"}, "tok"},
		{"token file", map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile}, "from-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"AWS_REGION": "us-east-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/creds"}
			for k, v := range tc.env {
				env[k] = v
			}
			isolate(t, env)
			auth = nil
			ref, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			rc, err := ref.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(os.Getenv, nil)
			if err != nil {
				t.Fatal(err)
			}
			gc, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if gc.AccessKeyID != "ASIACONTAINER" || gc.AccessKeyID != rc.AccessKeyID || gc.SessionToken != rc.SessionToken {
				t.Errorf("credentials %+v, LoadDefaultConfig %+v", gc, rc)
			}
			if len(auth) != 2 || auth[0] != tc.want || auth[1] != tc.want {
				t.Errorf("Authorization headers %q, want %q from both", auth, tc.want)
			}
		})
	}
}

// TestRefused: what the function cannot honour is an error naming the variable, never a silent
// fallback to other credentials or endpoints.
func TestRefused(t *testing.T) {
	keys := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
	for _, tc := range []struct {
		name, key, value, want string
		keys                   bool
	}{
		{"profile", "AWS_PROFILE", "dev", "AWS_PROFILE", true},
		{"default profile", "AWS_DEFAULT_PROFILE", "dev", "AWS_DEFAULT_PROFILE", true},
		{"unreadable ca bundle", "AWS_CA_BUNDLE", "/nonexistent/ca.pem", "AWS_CA_BUNDLE", true},
		{"bad boolean", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "yes", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", true},
		{"bad fips", "AWS_USE_FIPS_ENDPOINT", "1", "AWS_USE_FIPS_ENDPOINT", true},
		{"web identity", "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token", "AWS_WEB_IDENTITY_TOKEN_FILE", false},
		{"nothing", "AWS_REGION", "us-east-1", "no credentials", false},
		{"remote http container endpoint", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.10/creds", "only loopback", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"AWS_REGION": "us-east-1"}
			if tc.keys {
				for k, v := range keys {
					env[k] = v
				}
			}
			env[tc.key] = tc.value
			_, err := Load(func(k string) string { return env[k] }, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// TestSharedFilesSameAsLoadDefaultConfig: a profile's region and static keys are read as
// LoadDefaultConfig reads them, with its precedence (the environment's keys over any profile's,
// even one named in AWS_PROFILE; the credentials file over the config file).
func TestSharedFilesSameAsLoadDefaultConfig(t *testing.T) {
	const creds = `# a comment
[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default-secret

[dev]
aws_access_key_id=AKIDDEV
aws_secret_access_key=dev-secret
aws_session_token = dev-token
`
	const conf = `[default]
region = eu-north-1
output = json

[profile dev]
region = ap-south-1
aws_access_key_id = AKIDFROMCONFIG
aws_secret_access_key = from-config

[profile config-only]
region = sa-east-1
aws_access_key_id = AKIDCONFIGONLY
aws_secret_access_key = config-only-secret
`
	envKeys := map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"}
	cases := map[string]map[string]string{
		"default profile":                  {},
		"named profile":                    {"AWS_PROFILE": "dev"},
		"AWS_DEFAULT_PROFILE":              {"AWS_DEFAULT_PROFILE": "dev"},
		"config file only":                 {"AWS_PROFILE": "config-only"},
		"environment keys over default":    envKeys,
		"the environment over AWS_PROFILE": {"AWS_PROFILE": "dev", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"},
		"AWS_REGION over the profile":      {"AWS_PROFILE": "dev", "AWS_REGION": "us-west-1"},
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(dir+"/credentials", []byte(creds), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dir+"/config", []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			isolate(t, extra)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/credentials")
			t.Setenv("AWS_CONFIG_FILE", dir+"/config")
			got, ref := loadBoth(t)
			if got.Region != ref.Region || got.Region == "" {
				t.Errorf("region %q, LoadDefaultConfig %q", got.Region, ref.Region)
			}
			gc, rc := retrieveBoth(t, got, ref)
			if gc.AccessKeyID != rc.AccessKeyID || gc.SecretAccessKey != rc.SecretAccessKey || gc.SessionToken != rc.SessionToken {
				t.Errorf("credentials %s/%s, LoadDefaultConfig %s/%s", gc.AccessKeyID, gc.SessionToken, rc.AccessKeyID, rc.SessionToken)
			}
		})
	}
}

// TestSharedFilesRefused: a profile setting that would change where calls go or as whom is an
// error naming it, and so is a named profile that does not exist.
func TestSharedFilesRefused(t *testing.T) {
	for _, tc := range []struct{ name, conf, profile, want string }{
		{"endpoint_url", "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4566\n", "", "endpoint_url"},
		{"assumed role", "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = default\n", "ops", "role_arn"},
		{"sso", "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n", "sso", "sso_"},
		{"credential_process", "[default]\ncredential_process = /bin/creds\n", "", "credential_process"},
		{"services section", "[default]\nservices = local\n[services local]\nssm =\n  endpoint_url = http://127.0.0.1:4566\n", "", "services"},
		{"missing profile", "[default]\nregion = us-east-1\n", "nope", `"nope" (AWS_PROFILE) is in neither`},
		{"profile without keys, none in the environment", "[profile bare]\nregion = us-east-1\n", "bare", "has no aws_access_key_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(dir+"/config", []byte(tc.conf), 0o600); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s",
				"AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/none", "AWS_PROFILE": tc.profile}
			if strings.Contains(tc.name, "none in the environment") {
				delete(env, "AWS_ACCESS_KEY_ID")
			}
			_, err := Load(func(k string) string { return env[k] }, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// loadBoth loads the process environment with Load and with config.LoadDefaultConfig, the reference.
func loadBoth(t *testing.T) (got, ref aws.Config) {
	t.Helper()
	ref, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	got, err = Load(os.Getenv, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return got, ref
}

// retrieveBoth returns the credentials of both configurations.
func retrieveBoth(t *testing.T, got, ref aws.Config) (g, r aws.Credentials) {
	t.Helper()
	g, err1 := got.Credentials.Retrieve(context.Background())
	r, err2 := ref.Credentials.Retrieve(context.Background())
	if err1 != nil || err2 != nil {
		t.Fatalf("credentials: %v / LoadDefaultConfig %v", err1, err2)
	}
	return g, r
}

// TestCABundleSameAsLoadDefaultConfig: AWS_CA_BUNDLE is read as LoadDefaultConfig reads it. With
// the bundle holding the server's certificate, both configurations reach the server over HTTPS;
// with one holding another certificate, both refuse it (the bundle replaces the system's roots);
// and a bundle with no certificate in it is an error for both.
func TestCABundleSameAsLoadDefaultConfig(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"Parameter":{"Name":"/x","Type":"String","Value":"reached","Version":1}}`)
	}))
	defer srv.Close()
	server := certs.Bundle(t, srv.Certificate().Raw)
	other := certs.Bundle(t, certs.SelfSigned(t))
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	get := func(cfg aws.Config) (string, error) {
		cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
		out, err := ssm.NewFromConfig(cfg).GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/x")})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Parameter.Value), nil
	}
	env := func(path string) map[string]string {
		return map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
			"AWS_ENDPOINT_URL": srv.URL, "AWS_CA_BUNDLE": path}
	}
	for _, tc := range []struct {
		name, path string
		reach      bool
	}{{"the server's certificate", server, true}, {"another certificate", other, false}} {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t, env(tc.path))
			got, ref := loadBoth(t)
			gv, gerr := get(got)
			rv, rerr := get(ref)
			if (gerr == nil) != tc.reach || (rerr == nil) != tc.reach || gv != rv {
				t.Errorf("Load: %q, %v; LoadDefaultConfig: %q, %v; want both to reach the server: %v", gv, gerr, rv, rerr, tc.reach)
			}
			var unknown x509.UnknownAuthorityError
			if !tc.reach && (!errors.As(gerr, &unknown) || !errors.As(rerr, &unknown)) {
				t.Errorf("want the server's certificate refused as of an unknown authority; Load: %v, LoadDefaultConfig: %v", gerr, rerr)
			}
		})
	}
	t.Run("no certificate in the bundle", func(t *testing.T) {
		isolate(t, env(empty))
		_, rerr := config.LoadDefaultConfig(context.Background())
		_, gerr := Load(os.Getenv, nil)
		if rerr == nil || gerr == nil || !strings.Contains(gerr.Error(), "AWS_CA_BUNDLE") {
			t.Errorf("Load: %v; LoadDefaultConfig: %v; want both to fail, Load naming AWS_CA_BUNDLE", gerr, rerr)
		}
	})
}
