package awsreq

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func TestEnvName(t *testing.T) {
	for svc, want := range map[Service]string{
		EventBridge:                       "AWS_ENDPOINT_URL_EVENTBRIDGE",
		SNS:                               "AWS_ENDPOINT_URL_SNS",
		SecurityHub:                       "AWS_ENDPOINT_URL_SECURITYHUB",
		{ID: "Cognito Identity Provider"}: "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
	} {
		if got := svc.EnvName(); got != want {
			t.Errorf("%s: %s, want %s", svc.ID, got, want)
		}
	}
}

// errSent stops the SDK client's request once its URL is known.
var errSent = errors.New("recorded")

type urlRecorder struct{ url string }

func (r *urlRecorder) Do(req *http.Request) (*http.Response, error) {
	u := *req.URL
	u.RawQuery = ""
	r.url = strings.TrimSuffix(u.String(), "/")
	return nil, errSent
}

// sdkURL is where the SDK's own client for svc sends a request with cfg
// (or its endpoint error).
func sdkURL(t *testing.T, cfg aws.Config, svc Service) (string, error) {
	t.Helper()
	rec := &urlRecorder{}
	cfg.HTTPClient = rec
	cfg.RetryMaxAttempts = 1
	ctx := context.Background()
	var err error
	switch svc.ID {
	case "EventBridge":
		_, err = eventbridge.NewFromConfig(cfg).PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{Source: aws.String("s")}}})
	case "SNS":
		_, err = sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String("t"), Message: aws.String("m")})
	case "SecurityHub":
		_, err = securityhub.NewFromConfig(cfg).GetFindings(ctx, &securityhub.GetFindingsInput{})
		rec.url = strings.TrimSuffix(rec.url, "/findings") // the operation's path
	default:
		t.Fatalf("no SDK client for %s", svc.ID)
	}
	if rec.url != "" {
		return rec.url, nil
	}
	return "", err
}

// isolate keeps the machine's AWS settings out of a test: no shared files
// unless the test writes them, static credentials.
func isolate(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
}

// TestResolveEndpoint: for each setting (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_EVENTBRIDGE, AWS_ENDPOINT_URL_SNS,
// AWS_ENDPOINT_URL_SECURITYHUB, the shared config's
// services section, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, FIPS, dual-stack,
// Regions of each partition), ResolveEndpoint gives the URL stated here, and
// the URL the SDK's own EventBridge, SNS and Security Hub clients send to
// (the request's path left out) with the same
// configuration from config.LoadDefaultConfig.
func TestResolveEndpoint(t *testing.T) {
	tests := []struct {
		name         string
		region       string
		env          map[string]string
		configFile   string
		wantEB       string // "error: ..." for an error containing it
		wantSNS      string
		wantSH       string // Security Hub
		skipSDKCheck bool
	}{
		{name: "default", region: "us-east-1", wantEB: "https://events.us-east-1.amazonaws.com", wantSNS: "https://sns.us-east-1.amazonaws.com", wantSH: "https://securityhub.us-east-1.amazonaws.com"},
		{name: "another region", region: "eu-west-3", wantEB: "https://events.eu-west-3.amazonaws.com", wantSNS: "https://sns.eu-west-3.amazonaws.com", wantSH: "https://securityhub.eu-west-3.amazonaws.com"},
		{name: "China", region: "cn-north-1", wantEB: "https://events.cn-north-1.amazonaws.com.cn", wantSNS: "https://sns.cn-north-1.amazonaws.com.cn", wantSH: "https://securityhub.cn-north-1.amazonaws.com.cn"},
		{name: "GovCloud", region: "us-gov-west-1", wantEB: "https://events.us-gov-west-1.amazonaws.com", wantSNS: "https://sns.us-gov-west-1.amazonaws.com", wantSH: "https://securityhub.us-gov-west-1.amazonaws.com"},
		{name: "ISO", region: "us-iso-east-1", wantEB: "https://events.us-iso-east-1.c2s.ic.gov", wantSNS: "https://sns.us-iso-east-1.c2s.ic.gov", wantSH: "https://securityhub.us-iso-east-1.c2s.ic.gov"},
		{name: "ISO-B", region: "us-isob-east-1", wantEB: "https://events.us-isob-east-1.sc2s.sgov.gov", wantSNS: "https://sns.us-isob-east-1.sc2s.sgov.gov", wantSH: "https://securityhub.us-isob-east-1.sc2s.sgov.gov"},
		{name: "ISO-E", region: "eu-isoe-west-1", wantEB: "https://events.eu-isoe-west-1.cloud.adc-e.uk", wantSNS: "https://sns.eu-isoe-west-1.cloud.adc-e.uk", wantSH: "https://securityhub.eu-isoe-west-1.cloud.adc-e.uk"},
		{name: "ISO-F", region: "us-isof-south-1", wantEB: "https://events.us-isof-south-1.csp.hci.ic.gov", wantSNS: "https://sns.us-isof-south-1.csp.hci.ic.gov", wantSH: "https://securityhub.us-isof-south-1.csp.hci.ic.gov"},
		{name: "EUSC", region: "eusc-de-east-1", wantEB: "https://events.eusc-de-east-1.amazonaws.eu", wantSNS: "https://sns.eusc-de-east-1.amazonaws.eu", wantSH: "https://securityhub.eusc-de-east-1.amazonaws.eu"},
		{name: "FIPS", region: "us-east-1", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"},
			wantEB: "https://events-fips.us-east-1.amazonaws.com", wantSNS: "https://sns-fips.us-east-1.amazonaws.com", wantSH: "https://securityhub-fips.us-east-1.amazonaws.com"},
		{name: "FIPS pseudo region", region: "fips-us-west-2",
			wantEB: "https://events-fips.us-west-2.amazonaws.com", wantSNS: "https://sns-fips.us-west-2.amazonaws.com", wantSH: "https://securityhub-fips.us-west-2.amazonaws.com"},
		{name: "FIPS in GovCloud", region: "us-gov-east-1", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"},
			wantEB: "https://events.us-gov-east-1.amazonaws.com", wantSNS: "https://sns.us-gov-east-1.amazonaws.com", wantSH: "https://securityhub-fips.us-gov-east-1.amazonaws.com"},
		{name: "FIPS in China", region: "cn-northwest-1", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"},
			wantEB: "https://events-fips.cn-northwest-1.amazonaws.com.cn", wantSNS: "https://sns-fips.cn-northwest-1.amazonaws.com.cn", wantSH: "https://securityhub-fips.cn-northwest-1.amazonaws.com.cn"},
		{name: "dual-stack", region: "us-east-1", env: map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "true"},
			wantEB: "https://events.us-east-1.api.aws", wantSNS: "https://sns.us-east-1.api.aws", wantSH: "https://securityhub.us-east-1.api.aws"},
		{name: "dual-stack in China", region: "cn-north-1", env: map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "true"},
			wantEB: "https://events.cn-north-1.api.amazonwebservices.com.cn", wantSNS: "https://sns.cn-north-1.api.amazonwebservices.com.cn", wantSH: "https://securityhub.cn-north-1.api.amazonwebservices.com.cn"},
		{name: "FIPS and dual-stack", region: "us-east-1", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
			wantEB: "https://events-fips.us-east-1.api.aws", wantSNS: "https://sns-fips.us-east-1.api.aws", wantSH: "https://securityhub-fips.us-east-1.api.aws"},
		{name: "FIPS and dual-stack in GovCloud", region: "us-gov-west-1", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
			wantEB: "https://events.us-gov-west-1.api.aws", wantSNS: "https://sns-fips.us-gov-west-1.api.aws", wantSH: "https://securityhub-fips.us-gov-west-1.api.aws"},
		{name: "AWS_ENDPOINT_URL", region: "us-east-1", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
			wantEB: "http://127.0.0.1:4566", wantSNS: "http://127.0.0.1:4566", wantSH: "http://127.0.0.1:4566"},
		{name: "AWS_ENDPOINT_URL_EVENTBRIDGE", region: "us-east-1", env: map[string]string{"AWS_ENDPOINT_URL_EVENTBRIDGE": "http://events.local:1"},
			wantEB: "http://events.local:1", wantSNS: "https://sns.us-east-1.amazonaws.com", wantSH: "https://securityhub.us-east-1.amazonaws.com"},
		{name: "AWS_ENDPOINT_URL_SNS", region: "us-east-1", env: map[string]string{"AWS_ENDPOINT_URL_SNS": "http://sns.local:2/base"},
			wantEB: "https://events.us-east-1.amazonaws.com", wantSNS: "http://sns.local:2/base", wantSH: "https://securityhub.us-east-1.amazonaws.com"},
		{name: "a service's own URL wins over AWS_ENDPOINT_URL", region: "us-east-1",
			env:    map[string]string{"AWS_ENDPOINT_URL": "http://all.local:3", "AWS_ENDPOINT_URL_SNS": "http://sns.local:2"},
			wantEB: "http://all.local:3", wantSNS: "http://sns.local:2", wantSH: "http://all.local:3"},
		{name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", region: "us-east-1",
			env:    map[string]string{"AWS_ENDPOINT_URL": "http://all.local:3", "AWS_ENDPOINT_URL_SNS": "http://sns.local:2", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			wantEB: "https://events.us-east-1.amazonaws.com", wantSNS: "https://sns.us-east-1.amazonaws.com", wantSH: "https://securityhub.us-east-1.amazonaws.com"},
		{name: "shared config services section", region: "us-east-1",
			configFile: "[default]\nservices = local\nendpoint_url = http://profile.local:5\n\n[services local]\nsns =\n  endpoint_url = http://sns-profile.local:6\n",
			wantEB:     "http://profile.local:5", wantSNS: "http://sns-profile.local:6", wantSH: "http://profile.local:5"},
		{name: "FIPS with a configured endpoint", region: "us-east-1", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL_SNS": "http://sns.local:2"},
			wantEB: "https://events-fips.us-east-1.amazonaws.com", wantSNS: "error: FIPS and custom endpoint are not supported", wantSH: "https://securityhub-fips.us-east-1.amazonaws.com"},
		{name: "AWS_ENDPOINT_URL_SECURITYHUB", region: "us-east-1", env: map[string]string{"AWS_ENDPOINT_URL": "http://all.local:3", "AWS_ENDPOINT_URL_SECURITYHUB": "http://hub.local:7"},
			wantEB: "http://all.local:3", wantSNS: "http://all.local:3", wantSH: "http://hub.local:7"},
		{name: "Security Hub in the shared config's services section", region: "eu-west-1",
			configFile: "[default]\nservices = local\n\n[services local]\nsecurityhub =\n  endpoint_url = http://hub-profile.local:8\n",
			wantEB:     "https://events.eu-west-1.amazonaws.com", wantSNS: "https://sns.eu-west-1.amazonaws.com", wantSH: "http://hub-profile.local:8"},
		{name: "no region", region: "", wantEB: "error: Missing Region", wantSNS: "error: Missing Region", skipSDKCheck: true, wantSH: "error: Missing Region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.configFile != "" {
				if err := os.WriteFile(os.Getenv("AWS_CONFIG_FILE"), []byte(tt.configFile), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(tt.region))
			if err != nil {
				t.Fatal(err)
			}
			for svc, want := range map[Service]string{EventBridge: tt.wantEB, SNS: tt.wantSNS, SecurityHub: tt.wantSH} {
				got, err := ResolveEndpoint(cfg, svc)
				if wantErr, isErr := strings.CutPrefix(want, "error: "); isErr {
					if err == nil || !strings.Contains(err.Error(), wantErr) {
						t.Errorf("%s: %q, %v; want an error containing %q", svc.ID, got, err, wantErr)
					}
				} else if err != nil || got != want {
					t.Errorf("%s: %q, %v; want %q", svc.ID, got, err, want)
				}
				if tt.skipSDKCheck {
					continue
				}
				sdk, sdkErr := sdkURL(t, cfg, svc)
				if (err == nil) != (sdkErr == nil) || sdk != got {
					t.Errorf("%s: ResolveEndpoint %q (%v), the SDK's client %q (%v)", svc.ID, got, err, sdk, sdkErr)
				}
			}
		})
	}
}

// TestNewSignsForTheRealRegion: a FIPS pseudo Region is signed as the Region
// it stands for.
func TestNewSignsForTheRealRegion(t *testing.T) {
	c := New(aws.Config{Region: "us-east-1-fips"}, EventBridge)
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	if c.Region != "us-east-1" || c.Endpoint != "https://events-fips.us-east-1.amazonaws.com" {
		t.Errorf("region %q endpoint %q", c.Region, c.Endpoint)
	}
}
