package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/awsreq"
	"github.com/cognito-guard/cognito-guard/internal/notify/common"
)

// The three Security Hub operations the hub calls are sent as signed HTTP
// requests (package awsreq) rather than through the SDK's Security Hub
// client, whose serializers, types and endpoint rules for the service's
// hundred-odd operations (and the SDK's REST-JSON and document packages,
// which only it used) made 3.5 MB of the audit binary. Endpoint
// (with AWS_ENDPOINT_URL_SECURITYHUB), Region, credentials and retries come
// from the aws.Config as securityhub.NewFromConfig takes them.
//
// Protocol REST-JSON (restJson1, https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html):
// the input is the JSON body, Content-Type application/json; the operation
// is the method and path; errors carry their code in the X-Amzn-ErrorType
// header and/or the body's code or __type (awsreq.RESTJSONError).

// Client calls BatchImportFindings, BatchUpdateFindings and GetFindings
// over HTTP. It has the methods of BatchImportFindingsAPI,
// BatchUpdateFindingsAPI and GetFindingsAPI.
type Client struct{ c *awsreq.Client }

// NewClient returns a Security Hub client configured from cfg like
// securityhub.NewFromConfig(cfg): endpoint (awsreq.ResolveEndpoint),
// Region, credentials, HTTP client, retries.
func NewClient(cfg aws.Config) *Client { return &Client{awsreq.New(cfg, awsreq.SecurityHub)} }

// do sends in as the JSON body of method path and decodes the answer into out.
func (c *Client) do(ctx context.Context, op, method, path string, in, out any) error {
	body, err := common.EncodeRawJSON(in, false) // the SDK's encoder does not escape <, > and & either
	if err != nil {
		return fmt.Errorf("securityhub %s: %w", op, err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	resp, err := c.c.Do(ctx, awsreq.Request{Op: op, Method: method, Path: path, Header: h, Body: body, Error: awsreq.RESTJSONError, ModeledErrors: modeledErrors})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("securityhub %s: response: %w", op, err)
	}
	return nil
}

// BatchImportFindings creates or updates findings (at most 100): POST
// /findings/import with {"Findings":[...]}; the answer counts the findings
// imported and lists those rejected with their error codes
// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html).
func (c *Client) BatchImportFindings(ctx context.Context, findings []AwsSecurityFinding) (*BatchImportFindingsOutput, error) {
	in := struct {
		Findings []AwsSecurityFinding `json:"Findings"`
	}{findings}
	if in.Findings == nil {
		in.Findings = []AwsSecurityFinding{}
	}
	out := &BatchImportFindingsOutput{}
	if err := c.do(ctx, "BatchImportFindings", http.MethodPost, "/findings/import", in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// BatchUpdateFindings updates findings' customer fields (here the
// workflow status): PATCH /findings/batchupdate with
// {"FindingIdentifiers":[{"Id","ProductArn"}],"Workflow":{"Status"}}; the
// answer lists the findings processed and those not, with error codes
// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchUpdateFindings.html).
func (c *Client) BatchUpdateFindings(ctx context.Context, in BatchUpdateFindingsInput) (*BatchUpdateFindingsOutput, error) {
	if in.FindingIdentifiers == nil {
		in.FindingIdentifiers = []FindingIdentifier{}
	}
	out := &BatchUpdateFindingsOutput{}
	if err := c.do(ctx, "BatchUpdateFindings", http.MethodPatch, "/findings/batchupdate", in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetFindings returns one page of the findings that match in.Filters:
// POST /findings with {"Filters":{...},"MaxResults":n,"NextToken":"..."}
// (paging in the body, not the query string); the answer's NextToken, when
// not empty, asks for the next page
// (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_GetFindings.html).
func (c *Client) GetFindings(ctx context.Context, in GetFindingsInput) (*GetFindingsOutput, error) {
	out := &GetFindingsOutput{}
	if err := c.do(ctx, "GetFindings", http.MethodPost, "/findings", in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// modeledErrors are the error types of the three operations in the SDK's
// client (each operation's awsRestjson1_deserializeOpError switch): on an
// HTTP 429 the retryer retries any other code as throttling, these only by
// their codes (LimitExceededException is a throttling code).
var modeledErrors = []string{"InternalException", "InvalidAccessException", "InvalidInputException", "LimitExceededException"}

// AllFindings calls GetFindings until a page has no NextToken, as the
// SDK's GetFindingsPaginator does (in.NextToken is the first page's), and
// hands each page's findings to page.
func AllFindings(ctx context.Context, api GetFindingsAPI, in GetFindingsInput, page func([]AwsSecurityFinding)) error {
	for {
		out, err := api.GetFindings(ctx, in)
		if err != nil {
			return err
		}
		page(out.Findings)
		if out.NextToken == "" {
			return nil
		}
		in.NextToken = out.NextToken
	}
}
