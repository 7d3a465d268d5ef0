package hub

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/moto"
)

// TestMoto syncs outcomes through this package's client to moto_server
// (authentication on, an IAM user's key: internal/testkit/moto) and reads
// the findings back with GetFindings, two per page: moto 5.2 implements
// BatchImportFindings and GetFindings (paged; it ignores Filters, which the
// hub's own Id prefix check makes up for), not BatchUpdateFindings, so the
// hub runs without Workflow here. A second sync, the unfixable client now
// compliant, resolves its open finding, keeping when it was first seen.
func TestMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server")
	}
	m := moto.Start(t)
	cfg := aws.Config{Region: region, BaseEndpoint: aws.String(m.URL), Credentials: credentials.StaticCredentialsProvider{Value: m.Credentials}}
	ctx := context.Background()
	c := NewClient(cfg)
	first := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	now := first
	h := New(Options{SecurityHub: c, Findings: c, Now: func() time.Time { return now }, Backoff: func(int) time.Duration { return 0 }})

	type state struct{ Compliance, RecordState, CreatedAt, UpdatedAt string }
	read := func() (map[string]state, int) {
		t.Helper()
		got := map[string]state{}
		pages := 0
		err := AllFindings(ctx, c, GetFindingsInput{MaxResults: 2}, func(page []AwsSecurityFinding) {
			pages++
			for _, f := range page {
				got[f.Id] = state{f.Compliance.Status, f.RecordState, f.CreatedAt, f.UpdatedAt}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, pages
	}

	if err := h.Sync(ctx, []reconcile.Outcome{remediated, unfixable, dryRun}, account, region); err != nil {
		t.Fatal(err)
	}
	t1 := first.Format(time.RFC3339)
	// With the lookup, a rule the remediation fixed is resolved only if it
	// had an open finding: remediated's AccessTokenValidity.max had none.
	want := map[string]state{
		FindingID(pool, remediated.ClientID, flowsRpt.Rule): {"FAILED", "ACTIVE", t1, t1},
		FindingID(pool, unfixable.ClientID, implicit.Rule):  {"FAILED", "ACTIVE", t1, t1},
		FindingID(pool, dryRun.ClientID, accessMax.Rule):    {"FAILED", "ACTIVE", t1, t1},
	}
	got, pages := read()
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("after the first sync (-want +got):\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("%d pages of 2 findings for 3, want 2", pages)
	}

	now = first.Add(24 * time.Hour)
	fixed := unfixable
	fixed.Status, fixed.Findings, fixed.Reason = reconcile.Compliant, nil, ""
	if err := h.Sync(ctx, []reconcile.Outcome{fixed}, account, region); err != nil {
		t.Fatal(err)
	}
	want[FindingID(pool, unfixable.ClientID, implicit.Rule)] = state{"PASSED", "ARCHIVED", t1, now.Format(time.RFC3339)}
	got, _ = read()
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("after the second sync (-want +got):\n%s", diff)
	}
}
