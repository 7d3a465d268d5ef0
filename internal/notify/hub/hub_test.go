package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/cognito-guard/cognito-guard/internal/notify"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// asffSummary is what decides a finding's fate, as sent on the wire.
type asffSummary struct {
	Id, Compliance, RecordState, Workflow, Severity, CreatedAt string
}

func importedFindings(t *testing.T, c call) []asffSummary {
	t.Helper()
	var in struct {
		Findings []struct {
			Id          string
			Compliance  struct{ Status string }
			RecordState string
			Workflow    struct{ Status string }
			Severity    struct{ Label string }
			CreatedAt   string
		}
	}
	if err := json.Unmarshal(c.Body, &in); err != nil {
		t.Fatalf("BatchImportFindings body: %v", err)
	}
	var out []asffSummary
	for _, f := range in.Findings {
		out = append(out, asffSummary{f.Id, f.Compliance.Status, f.RecordState, f.Workflow.Status, f.Severity.Label, f.CreatedAt})
	}
	return out
}

const nowRFC = "2026-11-26T08:00:00Z"

func failedSum(client, rule, sev, created string) asffSummary {
	return asffSummary{FindingID(pool, client, rule), "FAILED", "ACTIVE", "NEW", sev, created}
}

func passedSum(client, rule, created string) asffSummary {
	// No Workflow: an import cannot change it; BatchUpdateFindings does.
	return asffSummary{FindingID(pool, client, rule), "PASSED", "ARCHIVED", "", "INFORMATIONAL", created}
}

func TestSecurityHubImport(t *testing.T) {
	aws := newFakeAWS(t, map[string]reply{"BatchImportFindings": importOK})
	n := newTestNotifier(Options{SecurityHub: aws.securityhub()})
	err := n.Publish(context.Background(), []reconcile.Outcome{remediated, unfixable, dryRun, compliant, skipped, failed, exempt})
	if err != nil {
		t.Fatal(err)
	}
	calls := aws.callsOf("BatchImportFindings")
	if len(calls) != 1 {
		t.Fatalf("%d BatchImportFindings calls, want 1", len(calls))
	}
	want := []asffSummary{
		// Remediated: the enforced rule was fixed; the report-only one stays.
		failedSum(remediated.ClientID, flowsRpt.Rule, "LOW", nowRFC),
		passedSum(remediated.ClientID, accessMax.Rule, nowRFC),
		failedSum(unfixable.ClientID, implicit.Rule, "HIGH", nowRFC),
		failedSum(dryRun.ClientID, accessMax.Rule, "MEDIUM", nowRFC),
		// Without a lookup, compliant and exempt clients name no rule to
		// resolve; skipped and failed ones say nothing about the client.
	}
	if diff := diff.Diff(want, importedFindings(t, calls[0])); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	golden(t, "securityhub_import.golden.json", indent(t, calls[0].Body))
}

func TestSecurityHubResolvesOpenFindings(t *testing.T) {
	const oldCreated = "2026-10-01T12:00:00Z"
	open := func(client, rule string) string {
		return fmt.Sprintf(`{"SchemaVersion":"2018-10-08","Id":%q,"ProductArn":"arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default","GeneratorId":"cognito-guard/%s","AwsAccountId":"123456789012","CreatedAt":%q,"UpdatedAt":%q,"Title":"Cognito app client old title does not meet %s","Description":"d","Resources":[{"Type":"Other","Id":%q}],"Compliance":{"Status":"FAILED"},"RecordState":"ACTIVE"}`,
			FindingID(pool, client, rule), rule, oldCreated, oldCreated, rule, poolARN)
	}
	var getBodies [][]byte
	aws := newFakeAWS(t, map[string]reply{
		"GetFindings": func(t *testing.T, n int, body []byte) (int, string) {
			getBodies = append(getBodies, body)
			switch n {
			case 1: // two pages, to check the paginator is followed
				return 200, `{"Findings":[` + open(compliant.ClientID, accessMax.Rule) + `,` + open(unfixable.ClientID, implicit.Rule) + `],"NextToken":"page2"}`
			case 2:
				return 200, `{"Findings":[` + open(unfixable.ClientID, "OldRule.removed") + `,` + open(exempt.ClientID, accessMax.Rule) + `]}`
			}
			t.Errorf("GetFindings call %d, want 2", n)
			return 500, `{}`
		},
		"BatchImportFindings": importOK,
	})
	sh := aws.securityhub()
	n := newTestNotifier(Options{SecurityHub: sh, Findings: sh})
	if err := n.Publish(context.Background(), []reconcile.Outcome{compliant, unfixable, exempt, skipped}); err != nil {
		t.Fatal(err)
	}
	calls := aws.callsOf("BatchImportFindings")
	if len(calls) != 1 {
		t.Fatalf("%d BatchImportFindings calls, want 1", len(calls))
	}
	want := []asffSummary{
		passedSum(compliant.ClientID, accessMax.Rule, oldCreated),
		// Still failing: updated, keeping when it was first seen.
		failedSum(unfixable.ClientID, implicit.Rule, "HIGH", oldCreated),
		passedSum(unfixable.ClientID, "OldRule.removed", oldCreated),
		passedSum(exempt.ClientID, accessMax.Rule, oldCreated),
	}
	if diff := diff.Diff(want, importedFindings(t, calls[0])); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	// The resolved finding keeps its title.
	if !bytes.Contains(calls[0].Body, []byte(`"Title":"Cognito app client old title does not meet OldRule.removed"`)) {
		t.Errorf("resolved finding lost its title: %s", calls[0].Body)
	}

	// The query: our product, our clients (skipped is not one), active only.
	var q struct {
		Filters    map[string][]map[string]string
		MaxResults int
		NextToken  string
	}
	if err := json.Unmarshal(getBodies[0], &q); err != nil {
		t.Fatal(err)
	}
	wantFilters := map[string][]map[string]string{
		"ProductArn":  {{"Comparison": "EQUALS", "Value": "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"}},
		"RecordState": {{"Comparison": "EQUALS", "Value": "ACTIVE"}},
		"Id": {
			{"Comparison": "PREFIX", "Value": clientPrefix(pool, compliant.ClientID)},
			{"Comparison": "PREFIX", "Value": clientPrefix(pool, unfixable.ClientID)},
			{"Comparison": "PREFIX", "Value": clientPrefix(pool, exempt.ClientID)},
		},
	}
	if diff := diff.Diff(wantFilters, q.Filters); diff != "" {
		t.Errorf("GetFindings filters (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal(getBodies[1], &q); err != nil || q.NextToken != "page2" {
		t.Errorf("second GetFindings NextToken = %q (%v), want page2", q.NextToken, err)
	}
}

func TestSecurityHubManyClientsListAllOpen(t *testing.T) {
	var body []byte
	aws := newFakeAWS(t, map[string]reply{
		"GetFindings": func(_ *testing.T, _ int, b []byte) (int, string) {
			body = b
			return 200, `{"Findings":[]}`
		},
		"BatchImportFindings": importOK,
	})
	sh := aws.securityhub()
	n := newTestNotifier(Options{SecurityHub: sh, Findings: sh})
	var outcomes []reconcile.Outcome
	for i := range maxClientFilters + 1 {
		o := compliant
		o.ClientID = fmt.Sprintf("client%02d", i)
		outcomes = append(outcomes, o)
	}
	if err := n.Publish(context.Background(), outcomes); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte(`"Id":[{"Comparison":"PREFIX","Value":"cognito-guard/"}]`)) {
		t.Errorf("GetFindings body %s, want one Id PREFIX cognito-guard/ filter", body)
	}
	// Nothing open, everything compliant: nothing to import.
	if c := aws.callsOf("BatchImportFindings"); len(c) != 0 {
		t.Errorf("%d BatchImportFindings calls, want none", len(c))
	}
}

func TestSecurityHubBatchesAndRetries(t *testing.T) {
	// 105 failing rules on one client: 100 + 5.
	big := unfixable
	big.Findings = nil
	for i := range 105 {
		f := implicit
		f.Rule = fmt.Sprintf("Rule%03d.x", i)
		big.Findings = append(big.Findings, f)
	}
	rejectOnce := func(t *testing.T, n int, body []byte) (int, string) {
		if n == 1 {
			return 200, fmt.Sprintf(`{"FailedCount":1,"SuccessCount":99,"FailedFindings":[{"Id":%q,"ErrorCode":"InvalidInput","ErrorMessage":"x"}]}`, FindingID(pool, big.ClientID, "Rule007.x"))
		}
		return importOK(t, n, body)
	}
	alwaysReject := func(_ *testing.T, _ int, body []byte) (int, string) {
		var in struct{ Findings []struct{ Id string } }
		_ = json.Unmarshal(body, &in)
		var failed []string
		for _, f := range in.Findings {
			failed = append(failed, fmt.Sprintf(`{"Id":%q,"ErrorCode":"LimitExceeded","ErrorMessage":"x"}`, f.Id))
		}
		return 200, fmt.Sprintf(`{"FailedCount":%d,"SuccessCount":0,"FailedFindings":[%s]}`, len(failed), strings.Join(failed, ","))
	}
	tests := []struct {
		name      string
		reply     reply
		outcome   reconcile.Outcome
		wantSizes []int
		wantErr   string
	}{
		{"100 per call, rejected finding sent again", rejectOnce, big, []int{100, 5, 1}, ""},
		{"gives up after three attempts", alwaysReject, unfixable, []int{1, 1, 1}, "securityhub: 1 finding(s) not imported after 3 attempts: LimitExceeded x1"},
		{"request error", serviceError("InvalidAccessException"), unfixable, []int{1}, "securityhub: import findings: securityhub BatchImportFindings: HTTP 400: InvalidAccessException: no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aws := newFakeAWS(t, map[string]reply{"BatchImportFindings": tt.reply})
			n := newTestNotifier(Options{SecurityHub: aws.securityhub()})
			checkErr(t, n.Publish(context.Background(), []reconcile.Outcome{tt.outcome}), tt.wantErr)
			var sizes []int
			for _, c := range aws.callsOf("BatchImportFindings") {
				sizes = append(sizes, len(importedFindings(t, c)))
			}
			if diff := diff.Diff(tt.wantSizes, sizes); diff != "" {
				t.Errorf("findings per call (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecurityHubLookupFailureStillImports(t *testing.T) {
	aws := newFakeAWS(t, map[string]reply{
		"GetFindings":         serviceError("TooManyRequestsException"),
		"BatchImportFindings": importOK,
	})
	sh := aws.securityhub()
	n := newTestNotifier(Options{SecurityHub: sh, Findings: sh})
	err := n.Publish(context.Background(), []reconcile.Outcome{remediated})
	checkErr(t, err, "securityhub: get open findings")
	calls := aws.callsOf("BatchImportFindings")
	if len(calls) != 1 {
		t.Fatalf("%d BatchImportFindings calls, want 1", len(calls))
	}
	want := []asffSummary{failedSum(remediated.ClientID, flowsRpt.Rule, "LOW", nowRFC), passedSum(remediated.ClientID, accessMax.Rule, nowRFC)}
	if diff := diff.Diff(want, importedFindings(t, calls[0])); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestSecurityHubNeedsAccountAndRegion(t *testing.T) {
	aws := newFakeAWS(t, nil)
	n := notify.New(notify.Options{SecurityHub: New(Options{SecurityHub: aws.securityhub()})})
	checkErr(t, n.Publish(context.Background(), []reconcile.Outcome{unfixable}), "securityhub: account and region are required")
}

func TestAccountAndRegionFromLambdaContext(t *testing.T) {
	aws := newFakeAWS(t, map[string]reply{"BatchImportFindings": importOK})
	n := notify.New(notify.Options{SecurityHub: New(Options{SecurityHub: aws.securityhub(), Now: fixedNow}), Now: fixedNow})
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		InvokedFunctionArn: "arn:aws:lambda:eu-west-1:210987654321:function:cognito-guard-remediate:live",
	})
	if err := n.Publish(ctx, []reconcile.Outcome{unfixable}); err != nil {
		t.Fatal(err)
	}
	var in struct {
		Findings []struct {
			ProductArn, AwsAccountId string
			Resources                []struct{ Id string }
		}
	}
	calls := aws.callsOf("BatchImportFindings")
	if len(calls) != 1 {
		t.Fatalf("%d BatchImportFindings calls, want 1", len(calls))
	}
	if err := json.Unmarshal(calls[0].Body, &in); err != nil || len(in.Findings) != 1 {
		t.Fatalf("body %s: %v", calls[0].Body, err)
	}
	f := in.Findings[0]
	got := []string{f.ProductArn, f.AwsAccountId, f.Resources[0].Id}
	want := []string{"arn:aws:securityhub:eu-west-1:210987654321:product/210987654321/default", "210987654321", "arn:aws:cognito-idp:eu-west-1:210987654321:userpool/" + pool}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("identity from the function ARN (-want +got):\n%s", diff)
	}
}

func TestVerdict(t *testing.T) {
	rules := func(fs []policy.Finding) []string {
		var r []string
		for _, f := range fs {
			r = append(r, f.Rule)
		}
		return r
	}
	partly := unfixable
	partly.Findings = []policy.Finding{accessMax, implicit}
	partly.Changes = remediated.Changes
	dryUnfixable := partly
	dryUnfixable.DryRun = true
	tests := []struct {
		name              string
		o                 reconcile.Outcome
		wantStay, wantFix []string
	}{
		{"drift", dryRun, []string{accessMax.Rule}, nil},
		{"remediated keeps report-only", remediated, []string{flowsRpt.Rule}, []string{accessMax.Rule}},
		{"unfixable after a partial fix", partly, []string{implicit.Rule}, []string{accessMax.Rule}},
		{"unfixable in a dry run fixes nothing", dryUnfixable, []string{accessMax.Rule, implicit.Rule}, nil},
		{"compliant", compliant, nil, nil},
		{"exempt", exempt, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stay, fixed := verdict(tt.o)
			if diff := diff.Diff(tt.wantStay, rules(stay)); diff != "" {
				t.Errorf("stay (-want +got):\n%s", diff)
			}
			if diff := diff.Diff(tt.wantFix, rules(fixed)); diff != "" {
				t.Errorf("fixed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPartitionARNs(t *testing.T) {
	tests := []struct{ region, product string }{
		{"us-east-1", "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"},
		{"cn-north-1", "arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default"},
		{"us-gov-west-1", "arn:aws-us-gov:securityhub:us-gov-west-1:123456789012:product/123456789012/default"},
	}
	for _, tt := range tests {
		if got := ProductARN(tt.region, account); got != tt.product {
			t.Errorf("ProductARN(%q) = %q, want %q", tt.region, got, tt.product)
		}
	}
}

// TestSecurityHubResolvesWorkflow: a resolved finding is archived by the
// import and its workflow set to RESOLVED by BatchUpdateFindings (an
// import cannot change the workflow of an existing finding); a finding
// the import rejected is not touched, and one left unprocessed is sent
// again.
func TestSecurityHubResolvesWorkflow(t *testing.T) {
	type ident struct{ Id, ProductArn string }
	var updates [][]ident
	var statuses []string
	rejected := FindingID(pool, compliant.ClientID, accessMax.Rule)
	aws := newFakeAWS(t, map[string]reply{
		"GetFindings": func(*testing.T, int, []byte) (int, string) {
			f := func(client, rule string) string {
				return fmt.Sprintf(`{"Id":%q,"CreatedAt":"2026-10-01T12:00:00Z","Title":"t","RecordState":"ACTIVE"}`, FindingID(pool, client, rule))
			}
			return 200, `{"Findings":[` + f(compliant.ClientID, accessMax.Rule) + `,` + f(exempt.ClientID, accessMax.Rule) + `,` + f(exempt.ClientID, "OldRule.removed") + `]}`
		},
		"BatchImportFindings": func(t *testing.T, _ int, body []byte) (int, string) {
			return 200, `{"FailedCount":1,"SuccessCount":2,"FailedFindings":[{"Id":"` + rejected + `","ErrorCode":"InvalidInput","ErrorMessage":"no"}]}`
		},
		"BatchUpdateFindings": func(t *testing.T, n int, body []byte) (int, string) {
			var in struct {
				FindingIdentifiers []ident
				Workflow           struct{ Status string }
			}
			if err := json.Unmarshal(body, &in); err != nil {
				t.Fatal(err)
			}
			updates = append(updates, in.FindingIdentifiers)
			statuses = append(statuses, in.Workflow.Status)
			if n == 1 { // the first one is left for later
				id := in.FindingIdentifiers[0]
				return 200, fmt.Sprintf(`{"ProcessedFindings":[],"UnprocessedFindings":[{"FindingIdentifier":{"Id":%q,"ProductArn":%q},"ErrorCode":"FindingNotFound","ErrorMessage":"not yet"}]}`, id.Id, id.ProductArn)
			}
			return 200, `{"ProcessedFindings":[],"UnprocessedFindings":[]}`
		},
	})
	sh := aws.securityhub()
	n := newTestNotifier(Options{SecurityHub: sh, Findings: sh, Workflow: sh})
	err := n.Publish(context.Background(), []reconcile.Outcome{compliant, exempt})
	checkErr(t, err, "securityhub: 1 finding(s) not imported after 3 attempts: InvalidInput x1")
	product := ProductARN(region, account)
	a, b := FindingID(pool, exempt.ClientID, accessMax.Rule), FindingID(pool, exempt.ClientID, "OldRule.removed")
	want := [][]ident{{{a, product}, {b, product}}, {{a, product}}}
	if diff := diff.Diff(want, updates); diff != "" {
		t.Errorf("BatchUpdateFindings identifiers (-want +got):\n%s", diff)
	}
	if diff := diff.Diff([]string{"RESOLVED", "RESOLVED"}, statuses); diff != "" {
		t.Errorf("workflow statuses (-want +got):\n%s", diff)
	}
}
