package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/cognito-guard/cognito-guard/internal/awsreq"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// The tests of the client itself: the wire format of each operation (as
// the API references give it, and byte for byte as the SDK's Security Hub
// client writes the same input: the SDK is linked by these tests only),
// paging, error codes and retries.

// wireReq is a request as the server got it.
type wireReq struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// answer is a reply: status, headers, body.
type answer struct {
	Status int
	Header map[string]string
	Body   string
}

// wireServer records requests and answers with the next of its answers
// (the last one repeats).
type wireServer struct {
	mu      sync.Mutex
	reqs    []wireReq
	answers []answer
	srv     *httptest.Server
}

func newWireServer(t *testing.T, answers ...answer) *wireServer {
	t.Helper()
	s := &wireServer{answers: answers}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, wireReq{r.Method, r.URL.Path, r.Header.Clone(), string(body)})
		a := s.answers[min(len(s.reqs), len(s.answers))-1]
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		for k, v := range a.Header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.Status)
		_, _ = io.WriteString(w, a.Body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *wireServer) requests() []wireReq {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]wireReq(nil), s.reqs...)
}

// config points a client at s: static credentials, the standard retryer
// without pauses, attempts attempts.
func (s *wireServer) config(attempts int) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-real-key", ""),
		BaseEndpoint:     aws.String(s.srv.URL),
		HTTPClient:       s.srv.Client(),
		RetryMaxAttempts: attempts,
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		},
	}
}

// checkWire checks the request line, the REST-JSON headers and the exact body.
func checkWire(t *testing.T, r wireReq, method, path, body string) {
	t.Helper()
	if r.Method != method || r.Path != path {
		t.Errorf("request %s %s, want %s %s", r.Method, r.Path, method, path)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q, want application/json", got)
	}
	if got := r.Header.Get("Authorization"); !strings.HasPrefix(got, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(got, "/us-east-1/securityhub/aws4_request") {
		t.Errorf("Authorization %q: not signed for securityhub in us-east-1", got)
	}
	if r.Body != body {
		t.Errorf("body\n got %s\nwant %s", r.Body, body)
	}
}

// sdkBody is the body the SDK's Security Hub client sends for the call.
func sdkBody(t *testing.T, call func(ctx context.Context, c *securityhub.Client) error, reply string) wireReq {
	t.Helper()
	s := newWireServer(t, answer{Status: 200, Body: reply})
	if err := call(context.Background(), securityhub.NewFromConfig(s.config(1))); err != nil {
		t.Fatalf("SDK client: %v", err)
	}
	return s.requests()[0]
}

// testFinding has every member the hub sets, single-key maps (so that the
// SDK's map order is fixed) and characters an HTML-escaping encoder would
// change.
var testFinding = AwsSecurityFinding{
	AwsAccountId: "123456789012", Compliance: &Compliance{Status: ComplianceStatusFailed}, CreatedAt: "2026-10-01T12:00:00Z",
	Description:           "AccessTokenValidity is \"24h\"; baseline: <= 1h & more",
	FindingProviderFields: &FindingProviderFields{Severity: &FindingProviderSeverity{Label: SeverityLabelMedium}, Types: []string{FindingType}},
	GeneratorId:           "cognito-guard/AccessTokenValidity.max", Id: "cognito-guard/p/c/AccessTokenValidity.max", LastObservedAt: "2026-11-26T08:00:00Z",
	ProductArn: "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default", ProductFields: map[string]string{"cognito-guard/Rule": "AccessTokenValidity.max"},
	ProductName: "cognito-guard", RecordState: RecordStateActive, Region: "us-east-1",
	Remediation:   &Remediation{Recommendation: &Recommendation{Text: "Change it"}},
	Resources:     []Resource{{Details: &ResourceDetails{Other: map[string]string{"clientId": "c"}}, Id: "arn:aws:cognito-idp:us-east-1:123456789012:userpool/p", Partition: "aws", Region: "us-east-1", Type: "Other"}},
	SchemaVersion: SchemaVersion, Severity: &Severity{Label: SeverityLabelMedium}, Title: "Cognito app client c does not meet AccessTokenValidity.max",
	Types: []string{FindingType}, UpdatedAt: "2026-11-26T08:00:00Z", Workflow: &Workflow{Status: WorkflowStatusNew},
}

// sdkFinding is testFinding in the SDK's types.
var sdkFinding = shtypes.AwsSecurityFinding{
	AwsAccountId: aws.String("123456789012"), Compliance: &shtypes.Compliance{Status: shtypes.ComplianceStatusFailed}, CreatedAt: aws.String("2026-10-01T12:00:00Z"),
	Description:           aws.String("AccessTokenValidity is \"24h\"; baseline: <= 1h & more"),
	FindingProviderFields: &shtypes.FindingProviderFields{Severity: &shtypes.FindingProviderSeverity{Label: shtypes.SeverityLabelMedium}, Types: []string{FindingType}},
	GeneratorId:           aws.String("cognito-guard/AccessTokenValidity.max"), Id: aws.String("cognito-guard/p/c/AccessTokenValidity.max"), LastObservedAt: aws.String("2026-11-26T08:00:00Z"),
	ProductArn: aws.String("arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"), ProductFields: map[string]string{"cognito-guard/Rule": "AccessTokenValidity.max"},
	ProductName: aws.String("cognito-guard"), RecordState: shtypes.RecordStateActive, Region: aws.String("us-east-1"),
	Remediation: &shtypes.Remediation{Recommendation: &shtypes.Recommendation{Text: aws.String("Change it")}},
	Resources: []shtypes.Resource{{Details: &shtypes.ResourceDetails{Other: map[string]string{"clientId": "c"}}, Id: aws.String("arn:aws:cognito-idp:us-east-1:123456789012:userpool/p"),
		Partition: shtypes.PartitionAws, Region: aws.String("us-east-1"), Type: aws.String("Other")}},
	SchemaVersion: aws.String(SchemaVersion), Severity: &shtypes.Severity{Label: shtypes.SeverityLabelMedium}, Title: aws.String("Cognito app client c does not meet AccessTokenValidity.max"),
	Types: []string{FindingType}, UpdatedAt: aws.String("2026-11-26T08:00:00Z"), Workflow: &shtypes.Workflow{Status: shtypes.WorkflowStatusNew},
}

// TestBatchImportFindingsWire: POST /findings/import with {"Findings":[...]}
// (API_BatchImportFindings), the members in the SDK's order, nothing
// HTML-escaped; the answer's counts and rejected findings are read.
func TestBatchImportFindingsWire(t *testing.T) {
	reply := `{"FailedCount":1,"SuccessCount":0,"FailedFindings":[{"Id":"cognito-guard/p/c/AccessTokenValidity.max","ErrorCode":"InvalidInput","ErrorMessage":"bad"}]}`
	s := newWireServer(t, answer{Status: 200, Body: reply})
	out, err := NewClient(s.config(1)).BatchImportFindings(context.Background(), []AwsSecurityFinding{testFinding})
	if err != nil {
		t.Fatal(err)
	}
	want := &BatchImportFindingsOutput{FailedCount: 1, FailedFindings: []ImportFindingsError{{Id: testFinding.Id, ErrorCode: "InvalidInput", ErrorMessage: "bad"}}}
	if diff := diff.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	wantBody := `{"Findings":[{"AwsAccountId":"123456789012","Compliance":{"Status":"FAILED"},"CreatedAt":"2026-10-01T12:00:00Z",` +
		`"Description":"AccessTokenValidity is \"24h\"; baseline: <= 1h & more",` +
		`"FindingProviderFields":{"Severity":{"Label":"MEDIUM"},"Types":["Software and Configuration Checks/AWS Security Best Practices"]},` +
		`"GeneratorId":"cognito-guard/AccessTokenValidity.max","Id":"cognito-guard/p/c/AccessTokenValidity.max","LastObservedAt":"2026-11-26T08:00:00Z",` +
		`"ProductArn":"arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default","ProductFields":{"cognito-guard/Rule":"AccessTokenValidity.max"},` +
		`"ProductName":"cognito-guard","RecordState":"ACTIVE","Region":"us-east-1","Remediation":{"Recommendation":{"Text":"Change it"}},` +
		`"Resources":[{"Details":{"Other":{"clientId":"c"}},"Id":"arn:aws:cognito-idp:us-east-1:123456789012:userpool/p","Partition":"aws","Region":"us-east-1","Type":"Other"}],` +
		`"SchemaVersion":"2018-10-08","Severity":{"Label":"MEDIUM"},"Title":"Cognito app client c does not meet AccessTokenValidity.max",` +
		`"Types":["Software and Configuration Checks/AWS Security Best Practices"],"UpdatedAt":"2026-11-26T08:00:00Z","Workflow":{"Status":"NEW"}}]}`
	checkWire(t, s.requests()[0], http.MethodPost, "/findings/import", wantBody)
	sdk := sdkBody(t, func(ctx context.Context, c *securityhub.Client) error {
		_, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{sdkFinding}})
		return err
	}, reply)
	checkWire(t, sdk, http.MethodPost, "/findings/import", wantBody)
}

// TestBatchUpdateFindingsWire: PATCH /findings/batchupdate
// (API_BatchUpdateFindings); processed and unprocessed findings are read.
func TestBatchUpdateFindingsWire(t *testing.T) {
	reply := `{"ProcessedFindings":[{"Id":"a","ProductArn":"p"}],"UnprocessedFindings":[{"FindingIdentifier":{"Id":"b","ProductArn":"p"},"ErrorCode":"FindingNotFound","ErrorMessage":"not yet"}]}`
	s := newWireServer(t, answer{Status: 200, Body: reply})
	out, err := NewClient(s.config(1)).BatchUpdateFindings(context.Background(), BatchUpdateFindingsInput{
		FindingIdentifiers: []FindingIdentifier{{Id: "a", ProductArn: "p"}, {Id: "b", ProductArn: "p"}}, Workflow: &WorkflowUpdate{Status: WorkflowStatusResolved}})
	if err != nil {
		t.Fatal(err)
	}
	want := &BatchUpdateFindingsOutput{ProcessedFindings: []FindingIdentifier{{"a", "p"}},
		UnprocessedFindings: []UnprocessedFinding{{FindingIdentifier: &FindingIdentifier{"b", "p"}, ErrorCode: "FindingNotFound", ErrorMessage: "not yet"}}}
	if diff := diff.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	wantBody := `{"FindingIdentifiers":[{"Id":"a","ProductArn":"p"},{"Id":"b","ProductArn":"p"}],"Workflow":{"Status":"RESOLVED"}}`
	checkWire(t, s.requests()[0], http.MethodPatch, "/findings/batchupdate", wantBody)
	sdk := sdkBody(t, func(ctx context.Context, c *securityhub.Client) error {
		_, err := c.BatchUpdateFindings(ctx, &securityhub.BatchUpdateFindingsInput{
			FindingIdentifiers: []shtypes.AwsSecurityFindingIdentifier{{Id: aws.String("a"), ProductArn: aws.String("p")}, {Id: aws.String("b"), ProductArn: aws.String("p")}},
			Workflow:           &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatusResolved}})
		return err
	}, reply)
	checkWire(t, sdk, http.MethodPatch, "/findings/batchupdate", wantBody)
}

// TestGetFindingsWire: POST /findings with the filters, MaxResults and
// NextToken in the body (API_GetFindings); the answer's findings (members
// this package does not know ignored) and NextToken are read, a null
// NextToken as none.
func TestGetFindingsWire(t *testing.T) {
	reply := `{"Findings":[{"Id":"cognito-guard/p/c/R.x","CreatedAt":"2026-10-01T12:00:00Z","Title":"t","Severity":{"Label":"HIGH","Normalized":70},"Note":{"Text":"n"},"Resources":[{"Type":"Other","Id":"r","Tags":{"k":"v"}}]}],"NextToken":null}`
	s := newWireServer(t, answer{Status: 200, Body: reply})
	in := GetFindingsInput{
		Filters: &FindingFilters{
			ProductArn:  []StringFilter{{Comparison: StringFilterComparisonEquals, Value: "arn:p"}},
			Id:          []StringFilter{{Comparison: StringFilterComparisonPrefix, Value: "cognito-guard/p/c/"}, {Comparison: StringFilterComparisonPrefix, Value: "cognito-guard/p/d/"}},
			RecordState: []StringFilter{{Comparison: StringFilterComparisonEquals, Value: RecordStateActive}},
		},
		MaxResults: 100,
		NextToken:  "page2",
	}
	out, err := NewClient(s.config(1)).GetFindings(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	want := &GetFindingsOutput{Findings: []AwsSecurityFinding{{Id: "cognito-guard/p/c/R.x", CreatedAt: "2026-10-01T12:00:00Z", Title: "t", Severity: &Severity{Label: "HIGH"}, Resources: []Resource{{Type: "Other", Id: "r"}}}}}
	if diff := diff.Diff(want, out); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	wantBody := `{"Filters":{"Id":[{"Comparison":"PREFIX","Value":"cognito-guard/p/c/"},{"Comparison":"PREFIX","Value":"cognito-guard/p/d/"}],` +
		`"ProductArn":[{"Comparison":"EQUALS","Value":"arn:p"}],"RecordState":[{"Comparison":"EQUALS","Value":"ACTIVE"}]},"MaxResults":100,"NextToken":"page2"}`
	checkWire(t, s.requests()[0], http.MethodPost, "/findings", wantBody)
	sdk := sdkBody(t, func(ctx context.Context, c *securityhub.Client) error {
		f := func(cmp shtypes.StringFilterComparison, v string) shtypes.StringFilter {
			return shtypes.StringFilter{Comparison: cmp, Value: aws.String(v)}
		}
		_, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{
			Filters: &shtypes.AwsSecurityFindingFilters{
				ProductArn:  []shtypes.StringFilter{f(shtypes.StringFilterComparisonEquals, "arn:p")},
				Id:          []shtypes.StringFilter{f(shtypes.StringFilterComparisonPrefix, "cognito-guard/p/c/"), f(shtypes.StringFilterComparisonPrefix, "cognito-guard/p/d/")},
				RecordState: []shtypes.StringFilter{f(shtypes.StringFilterComparisonEquals, "ACTIVE")},
			},
			MaxResults: aws.Int32(100), NextToken: aws.String("page2")})
		return err
	}, reply)
	checkWire(t, sdk, http.MethodPost, "/findings", wantBody)

	// The first page has no NextToken in the body.
	_, err = NewClient(s.config(1)).GetFindings(context.Background(), GetFindingsInput{MaxResults: 100})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.requests()[1].Body; got != `{"MaxResults":100}` {
		t.Errorf("first page body %s", got)
	}
}

// TestAllFindingsPages: AllFindings follows NextToken over three pages and
// stops at a page without one, as the SDK's paginator does.
func TestAllFindingsPages(t *testing.T) {
	s := newWireServer(t,
		answer{Status: 200, Body: `{"Findings":[{"Id":"a"},{"Id":"b"}],"NextToken":"t2"}`},
		answer{Status: 200, Body: `{"Findings":[{"Id":"c"}],"NextToken":"t3"}`},
		answer{Status: 200, Body: `{"Findings":[{"Id":"d"}],"NextToken":""}`},
		answer{Status: 500, Body: `{"message":"one page too many"}`},
	)
	var ids []string
	err := AllFindings(context.Background(), NewClient(s.config(1)), GetFindingsInput{MaxResults: 2}, func(page []AwsSecurityFinding) {
		for _, f := range page {
			ids = append(ids, f.Id)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff([]string{"a", "b", "c", "d"}, ids); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	var bodies []string
	for _, r := range s.requests() {
		bodies = append(bodies, r.Body)
	}
	want := []string{`{"MaxResults":2}`, `{"MaxResults":2,"NextToken":"t2"}`, `{"MaxResults":2,"NextToken":"t3"}`}
	if diff := diff.Diff(want, bodies); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestClientErrors: error codes from the header or the body, and which
// errors are retried (3 attempts configured): the SDK's standard retryer
// decides, so throttling codes (LimitExceededException, Security Hub's
// answer to too many requests, and TooManyRequestsException) and 5xx are
// retried, access and input errors are not; an HTTP 429 is retried unless
// its code is one of the operation's modeled errors that is not throttling.
// The SDK's own client makes the same number of attempts on the same
// answers.
func TestClientErrors(t *testing.T) {
	hdr := func(status int, code, body string) answer {
		return answer{Status: status, Header: map[string]string{"X-Amzn-ErrorType": code, "X-Amzn-RequestId": "req-7"}, Body: body}
	}
	tests := []struct {
		name         string
		answers      []answer
		wantCode     string
		wantStatus   int
		wantAttempts int // requests sent
		wantErr      string
	}{
		{"access denied, header", []answer{hdr(401, "InvalidAccessException:http://internal.amazon.com/coral/com.amazonaws.securityhub/", `{"Code":"InvalidAccessException","Message":"Account is not subscribed to AWS Security Hub"}`)},
			"InvalidAccessException", 401, 1, "securityhub GetFindings: HTTP 401: InvalidAccessException: Account is not subscribed to AWS Security Hub (request ID req-7)"},
		{"invalid input, body code", []answer{{Status: 400, Body: `{"Code":"InvalidInputException","Message":"bad filter"}`}}, "InvalidInputException", 400, 1, "HTTP 400: InvalidInputException: bad filter"},
		{"limit exceeded is throttling", []answer{hdr(429, "LimitExceededException", `{"Message":"rate exceeded"}`)}, "LimitExceededException", 429, 3, "(after 3 attempts)"},
		{"too many requests, __type", []answer{{Status: 429, Body: `{"__type":"TooManyRequestsException","message":"slow"}`}}, "TooManyRequestsException", 429, 3, "TooManyRequestsException"},
		{"internal error is retried", []answer{{Status: 500, Body: `{"Code":"InternalException","Message":"oops"}`}}, "InternalException", 500, 3, "HTTP 500: InternalException"},
		{"429 with a modeled code that is not throttling", []answer{{Status: 429, Body: `{"Code":"InternalException","Message":"x"}`}}, "InternalException", 429, 1, "HTTP 429: InternalException"},
		{"429 with an unmodeled code is throttling", []answer{{Status: 429, Body: `{"Code":"SlowDownPlease","Message":"x"}`}}, "SlowDownPlease", 429, 3, "(after 3 attempts)"},
		{"a 503 then success", []answer{{Status: 503, Body: `{}`}, {Status: 200, Body: `{"Findings":[]}`}}, "", 0, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newWireServer(t, tt.answers...)
			_, err := NewClient(s.config(3)).GetFindings(context.Background(), GetFindingsInput{})
			if got := len(s.requests()); got != tt.wantAttempts {
				t.Errorf("%d requests, want %d", got, tt.wantAttempts)
			}
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				var e *awsreq.Error
				if !errors.As(err, &e) || e.Code != tt.wantCode || e.StatusCode != tt.wantStatus || e.Op != "GetFindings" {
					t.Errorf("error %#v, want an *awsreq.Error with code %s, status %d", err, tt.wantCode, tt.wantStatus)
				}
			}
			// The SDK's client on the same answers.
			sdk := newWireServer(t, tt.answers...)
			_, sdkErr := securityhub.NewFromConfig(sdk.config(3)).GetFindings(context.Background(), &securityhub.GetFindingsInput{})
			if got := len(sdk.requests()); got != tt.wantAttempts || (sdkErr == nil) != (err == nil) {
				t.Errorf("the SDK's client: %d requests (%v); ours: %d (%v)", got, sdkErr, len(s.requests()), err)
			}
		})
	}
}

// TestClientConfigErrors: a configuration the SDK's client refuses makes
// every call fail with the reason, without a request.
func TestClientConfigErrors(t *testing.T) {
	c := NewClient(aws.Config{})
	if _, err := c.BatchImportFindings(context.Background(), []AwsSecurityFinding{testFinding}); err == nil || !strings.Contains(err.Error(), "Missing Region") {
		t.Errorf("no Region: %v", err)
	}
	if _, err := c.GetFindings(context.Background(), GetFindingsInput{}); err == nil {
		t.Errorf("no Region: GetFindings did not fail")
	}
}

// TestHubRetriesThroughClient: a BatchImportFindings call answered 503 is
// retried by the client (the configuration's retry settings) before the hub
// sees an error; a throttled GetFindings too.
func TestHubRetriesThroughClient(t *testing.T) {
	flaky := func(first int, then reply) reply {
		return func(t *testing.T, n int, body []byte) (int, string) {
			if n == 1 {
				return first, `{"Code":"InternalException","Message":"try again"}`
			}
			return then(t, n, body)
		}
	}
	fake := newFakeAWS(t, map[string]reply{
		"GetFindings":         flaky(429, func(*testing.T, int, []byte) (int, string) { return 200, `{"Findings":[]}` }),
		"BatchImportFindings": flaky(503, importOK),
	})
	cfg := fake.config()
	cfg.RetryMaxAttempts = 3
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	// 429 with InternalException is not throttling by code, and 429 is not
	// a retryable status: the lookup fails once and the import goes on.
	sh := NewClient(cfg)
	n := newTestNotifier(Options{SecurityHub: sh, Findings: sh})
	err := n.Publish(context.Background(), []reconcile.Outcome{unfixable})
	checkErr(t, err, "securityhub: get open findings: securityhub GetFindings: HTTP 429: InternalException")
	if got := len(fake.callsOf("GetFindings")); got != 1 {
		t.Errorf("%d GetFindings calls, want 1 (not retryable)", got)
	}
	if got := len(fake.callsOf("BatchImportFindings")); got != 2 {
		t.Errorf("%d BatchImportFindings calls, want 2 (a 503, then the retry)", got)
	}
	if got := fmt.Sprint(len(importedFindings(t, fake.callsOf("BatchImportFindings")[1]))); got != "1" {
		t.Errorf("retried import carries %s findings, want 1", got)
	}
}
