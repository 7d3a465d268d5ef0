package settings

import (
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Common
		wantErr []string
	}{
		{
			name: "defaults",
			env:  map[string]string{"BASELINE_PARAMETER": "/cg/baseline"},
			want: Common{BaselineParameter: "/cg/baseline", BaselineTTL: 5 * time.Minute, MetricsNamespace: "CognitoGuard"},
		},
		{
			name: "everything set",
			env: map[string]string{"BASELINE_PARAMETER": "b", "BASELINE_CACHE_TTL": "30s", "DRY_RUN": "true",
				"AWS_LAMBDA_LOG_LEVEL": "DEBUG", "EXPECTED_ACCOUNT_ID": "123456789012", "METRICS_NAMESPACE": "X",
				"NOTIFY_EVENT_BUS": "bus", "NOTIFY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:t", "SECURITY_HUB": "true"},
			want: Common{BaselineParameter: "b", BaselineTTL: 30 * time.Second, DryRun: true, LogLevel: "DEBUG", LambdaLogLevel: "DEBUG",
				ExpectedAccount: "123456789012", MetricsNamespace: "X", NotifyEventBus: "bus",
				NotifyTopicARN: "arn:aws:sns:us-east-1:123456789012:t", SecurityHub: true},
		},
		{
			name:    "every problem at once",
			env:     map[string]string{"DRY_RUN": "yes please", "BASELINE_CACHE_TTL": "-1s"},
			wantErr: []string{`DRY_RUN="yes please"`, `BASELINE_CACHE_TTL="-1s"`, "BASELINE_PARAMETER is not set"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(func(k string) string { return tt.env[k] })
			got := Read(r)
			err := r.Err()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if diff := diff.Diff(tt.want, got); diff != "" {
					t.Errorf("Read (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
