package audit

import (
	"io"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

func common(param string, dryRun bool) settings.Common {
	return settings.Common{BaselineParameter: param, BaselineTTL: 5 * time.Minute, DryRun: dryRun, MetricsNamespace: "CognitoGuard"}
}

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name       string
		env        map[string]string
		want       Config
		wantWrites bool
		wantErr    string
	}{{
		name: "defaults: report only",
		env:  map[string]string{"BASELINE_PARAMETER": "/cognito-guard/baseline"},
		want: Config{Common: common("/cognito-guard/baseline", false),
			Limits: appclient.Limits{Read: 5, Update: 5, Pool: 5, ListPools: 1}, Concurrency: 16, Margin: 10 * time.Second, Clients: ClientsAttention},
	}, {
		name: "enforce",
		env:  map[string]string{"BASELINE_PARAMETER": "b", "AUDIT_ENFORCE": "true", "AUDIT_RATE": "12", "AUDIT_POOL_RATE": "4.5", "AUDIT_CONCURRENCY": "8", "AUDIT_DEADLINE_MARGIN": "30s", "AUDIT_REPORT_CLIENTS": "all"},
		want: Config{Common: common("b", false), Enforce: true,
			Limits: appclient.Limits{Read: 12, Update: 12, Pool: 4.5, ListPools: 1}, Concurrency: 8, Margin: 30 * time.Second, Clients: ClientsAll},
		wantWrites: true,
	}, {
		name: "dry run wins over enforce",
		env:  map[string]string{"BASELINE_PARAMETER": "b", "AUDIT_ENFORCE": "true", "DRY_RUN": "true"},
		want: Config{Common: common("b", true), Enforce: true,
			Limits: appclient.Limits{Read: 5, Update: 5, Pool: 5, ListPools: 1}, Concurrency: 16, Margin: 10 * time.Second, Clients: ClientsAttention},
	}, {
		name: "every problem at once",
		env:  map[string]string{"AUDIT_RATE": "20", "AUDIT_ENFORCE": "yes", "AUDIT_CONCURRENCY": "0"},
		wantErr: "BASELINE_PARAMETER is not set\n" + `AUDIT_ENFORCE="yes": want true or false` + "\n" +
			"AUDIT_RATE/AUDIT_POOL_RATE: read rate 20: want more than 0 and at most 15 requests per second\n" +
			"AUDIT_CONCURRENCY=0: want 1 to 100",
	}, {
		name:    "pool rate above Cognito's cap",
		env:     map[string]string{"BASELINE_PARAMETER": "b", "AUDIT_POOL_RATE": "6"},
		wantErr: "pool rate 6: want more than 0 and at most 5",
	}, {
		name: "S3 report: the result lists no clients unless asked",
		env:  map[string]string{"BASELINE_PARAMETER": "b", "AUDIT_REPORT_BUCKET": " stack-auditreportbucket-1a2b3c ", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:5000"},
		want: Config{Common: common("b", false), Limits: appclient.Limits{Read: 5, Update: 5, Pool: 5, ListPools: 1}, Concurrency: 16, Margin: 10 * time.Second,
			Clients: ClientsNone, ReportBucket: "stack-auditreportbucket-1a2b3c", ReportEndpoint: "http://127.0.0.1:5000"},
	}, {
		name: "S3 report with the attention list asked for",
		env:  map[string]string{"BASELINE_PARAMETER": "b", "AUDIT_REPORT_BUCKET": "reports", "AUDIT_REPORT_CLIENTS": "attention"},
		want: Config{Common: common("b", false), Limits: appclient.Limits{Read: 5, Update: 5, Pool: 5, ListPools: 1}, Concurrency: 16, Margin: 10 * time.Second,
			Clients: ClientsAttention, ReportBucket: "reports"},
	}, {
		name:    "bucket name that cannot be one",
		env:     map[string]string{"BASELINE_PARAMETER": "b", "AUDIT_REPORT_BUCKET": "arn:aws:s3:::reports"},
		wantErr: `AUDIT_REPORT_BUCKET="arn:aws:s3:::reports": not an S3 bucket name`,
	}, {
		name:    "unknown report mode",
		env:     map[string]string{"BASELINE_PARAMETER": "b", "AUDIT_REPORT_CLIENTS": "some"},
		wantErr: `AUDIT_REPORT_CLIENTS="some": want all, attention or none`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := diff.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got.Writes() != tc.wantWrites {
				t.Errorf("Writes() = %v, want %v", got.Writes(), tc.wantWrites)
			}
		})
	}
}

// TestNewDefaultClients: a Config built in code (cmd/auditbench, tests)
// gets the same default list as one read from the environment, so the
// benchmark measures what the function returns.
func TestNewDefaultClients(t *testing.T) {
	for _, tc := range []struct {
		bucket string
		list   ClientList
		want   ClientList
	}{
		{"", "", ClientsAttention},
		{"reports", "", ClientsNone},
		{"reports", ClientsAll, ClientsAll},
	} {
		cfg := Config{Common: common("/cognito-guard/baseline", true), Limits: appclient.DefaultLimits, Concurrency: 1, Clients: tc.list, ReportBucket: tc.bucket}
		s, err := New(cfg, aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}}, io.Discard, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if s.Clients != tc.want {
			t.Errorf("bucket %q, Clients %q: Sweeper.Clients %q, want %q", tc.bucket, tc.list, s.Clients, tc.want)
		}
	}
}
