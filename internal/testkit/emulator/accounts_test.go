package emulator_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// TestAccounts: one address, two accounts told apart by the access key that signs each request;
// each has its own pools, parameters, call log and quota buckets.
func TestAccounts(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)} // frozen: buckets never refill
	a := emulator.New(emulator.Options{Account: "111111111111", Quotas: true, Now: clk.now, Seed: 1})
	b := emulator.New(emulator.Options{Account: "222222222222", Quotas: true, Now: clk.now, Seed: 2})
	accounts := emulator.NewAccounts()
	for key, e := range map[string]*emulator.Emulator{"AKIDACCOUNTA": a, "AKIDACCOUNTB": b} {
		if err := accounts.Add(key, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := accounts.Add("AKIDACCOUNTA", b); err == nil {
		t.Error("Add accepted a key twice")
	}
	srv := httptest.NewServer(accounts)
	t.Cleanup(srv.Close)
	clients := func(key string) (*cip.Client, *ssm.Client) {
		cfg := awsConfig(srv.URL)
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, "secret", "")
		return cip.NewFromConfig(cfg), ssm.NewFromConfig(cfg)
	}
	cogA, ssmA := clients("AKIDACCOUNTA")
	cogB, ssmB := clients("AKIDACCOUNTB")

	if _, err := a.CreatePool("us-east-1_AAAAAAAAA", "pool-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreatePool("us-east-1_BBBBBBBBB", "pool-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := ssmA.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/cognito-guard/baseline"), Value: aws.String(`{"a":1}`), Type: ssmtypes.ParameterTypeString}); err != nil {
		t.Fatal(err)
	}

	// Quotas per account: ListUserPools' category allows a burst of 3 with the clock frozen. A's
	// fourth call is throttled; B's first is not, its bucket is its own.
	var aErrs []string
	for range 4 {
		_, err := cogA.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
		aErrs = append(aErrs, apiCode(err))
	}
	_, errB := cogB.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if want := []string{"", "", "", "TooManyRequestsException"}; strings.Join(aErrs, ",") != strings.Join(want, ",") || errB != nil {
		t.Errorf("account A's ListUserPools calls: %q, want %q; account B's: %v", aErrs, want, errB)
	}
	clk.t = clk.t.Add(time.Second) // both buckets full again

	// Each account sees its own pool, with its own account in the ARN, and not the other's.
	for _, tc := range []struct {
		cog        *cip.Client
		own, other string
		account    string
	}{{cogA, "us-east-1_AAAAAAAAA", "us-east-1_BBBBBBBBB", "111111111111"}, {cogB, "us-east-1_BBBBBBBBB", "us-east-1_AAAAAAAAA", "222222222222"}} {
		out, err := tc.cog.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.UserPools) != 1 || aws.ToString(out.UserPools[0].Id) != tc.own {
			t.Errorf("account %s lists %v, want only %s", tc.account, out.UserPools, tc.own)
		}
		d, err := tc.cog.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(tc.own)})
		if err != nil || !strings.Contains(aws.ToString(d.UserPool.Arn), ":"+tc.account+":") {
			t.Errorf("account %s: DescribeUserPool ARN %v, err %v", tc.account, d, err)
		}
		if _, err := tc.cog.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(tc.other)}); apiCode(err) != "ResourceNotFoundException" {
			t.Errorf("account %s describes the other account's pool: %v", tc.account, err)
		}
	}
	if _, err := ssmB.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/cognito-guard/baseline")}); apiCode(err) != "ParameterNotFound" {
		t.Errorf("account B reads account A's parameter: %v", err)
	}

	count := func(e *emulator.Emulator) (n int) {
		for _, c := range e.Calls() {
			if c.Op == "ListUserPools" || c.Op == "DescribeUserPool" {
				n++
			}
		}
		return n
	}
	if count(a) != 7 || count(b) != 4 {
		t.Errorf("call logs: account A %d, account B %d Cognito pool calls; want 7 and 4", count(a), count(b))
	}

	// Unknown and missing keys.
	cogX, _ := clients("AKIDNOBODY")
	_, err := cogX.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	var re *awshttp.ResponseError
	if apiCode(err) != "UnrecognizedClientException" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest {
		t.Errorf("unknown key: %v", err)
	}
	resp, err := http.Post(srv.URL, "application/x-amz-json-1.1", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != "UnrecognizedClientException" {
		t.Errorf("unsigned request: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	if len(accounts.Keys()) != 2 {
		t.Errorf("keys %v", accounts.Keys())
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestAccessKeyID(t *testing.T) {
	for h, want := range map[string]string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc": "AKIDEXAMPLE",
		"AWS4-HMAC-SHA256 Credential=ASIA5EXAMPLE0001/20261126/eu-west-1/ssm/aws4_request,SignedHeaders=host,Signature=abc":                 "ASIA5EXAMPLE0001",
		"": "", "Bearer abc": "",
	} {
		if got := emulator.AccessKeyID(h); got != want {
			t.Errorf("AccessKeyID(%q) = %q, want %q", h, got, want)
		}
	}
}
