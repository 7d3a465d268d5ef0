package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

func describeErr(e *env, pool, id string) error {
	_, err := e.cog.DescribeUserPoolClient(context.Background(), &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String(id)})
	return err
}

func TestFaultsAndCallLog(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	id := aws.ToString(e.create(t, &cip.CreateUserPoolClientInput{ClientName: aws.String("a")}).ClientId)
	e.emu.ResetCalls()

	// Faults queue per op; the SDK decodes each into its modelled type.
	e.emu.Fail("UpdateUserPoolClient", 2, "ConcurrentModificationException")
	e.emu.Fail("DescribeUserPoolClient", 1, "InternalErrorException")
	update := func() error {
		_, err := e.cog.UpdateUserPoolClient(context.Background(), &cip.UpdateUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(id), ClientName: aws.String("a")})
		return err
	}
	var cme *types.ConcurrentModificationException
	for i := range 2 {
		if err := update(); !errors.As(err, &cme) {
			t.Fatalf("update %d: %v, want ConcurrentModificationException", i, err)
		}
	}
	if err := update(); err != nil {
		t.Fatalf("update after faults: %v", err)
	}
	var ie *types.InternalErrorException
	err := describeErr(e, poolID, id)
	if !errors.As(err, &ie) {
		t.Fatalf("describe: %v, want InternalErrorException", err)
	}
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Errorf("InternalErrorException status: %v", err)
	}
	if err := describeErr(e, poolID, id); err != nil {
		t.Fatalf("describe after fault: %v", err)
	}

	want := []emulator.Call{
		{Op: "UpdateUserPoolClient", UserPoolID: poolID, ClientID: id, Error: "ConcurrentModificationException"},
		{Op: "UpdateUserPoolClient", UserPoolID: poolID, ClientID: id, Error: "ConcurrentModificationException"},
		{Op: "UpdateUserPoolClient", UserPoolID: poolID, ClientID: id},
		{Op: "DescribeUserPoolClient", UserPoolID: poolID, ClientID: id, Error: "InternalErrorException"},
		{Op: "DescribeUserPoolClient", UserPoolID: poolID, ClientID: id},
	}
	if diff := diff.Diff(want, e.emu.Calls(), diff.IgnoreFields(emulator.Call{}, "Time")); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	e.emu.ResetCalls()
	if n := len(e.emu.Calls()); n != 0 {
		t.Errorf("%d calls after ResetCalls", n)
	}
}

func TestControlEndpoints(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	do := func(method, path, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %s", method, path, resp.Status)
		}
		return resp
	}
	seed := `{"pools":[{"id":"us-east-1_SEEDED001","name":"seeded","clients":[
	  {"ClientId":"6example0client0id0drift01","ClientName":"web-portal","ClientSecret":"abcdefghijklmnopqrstuvwxyz012345",
	   "AllowedOAuthFlowsUserPoolClient":true,"AllowedOAuthFlows":["code"],"AllowedOAuthScopes":["openid"],
	   "CallbackURLs":["http://localhost:3000/callback"]}]}],
	  "parameters":[{"name":"/cognito-guard/baseline","value":{"version":1}}]}`
	do(http.MethodPost, "/_emulator/seed", seed)
	c, ok := e.emu.Client("us-east-1_SEEDED001", "6example0client0id0drift01")
	if !ok || diffStrings([]string{"http://localhost:3000/callback"}, c.CallbackURLs) != "" || aws.ToString(c.ClientSecret) == "" {
		t.Errorf("seeded client: %v %+v", ok, c)
	}
	p, err := e.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/cognito-guard/baseline")})
	if err != nil || aws.ToString(p.Parameter.Value) != `{"version":1}` {
		t.Errorf("seeded parameter: %v %v", p, err)
	}

	do(http.MethodPost, "/_emulator/faults", `{"op":"DescribeUserPoolClient","n":1,"errorType":"TooManyRequestsException"}`)
	err = describeErr(e, "us-east-1_SEEDED001", "6example0client0id0drift01")
	var tmr *types.TooManyRequestsException
	if !errors.As(err, &tmr) {
		t.Errorf("after fault injection: %v, want TooManyRequestsException", err)
	}
	var calls []emulator.Call
	if err := json.NewDecoder(do(http.MethodGet, "/_emulator/calls", "").Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	last := calls[len(calls)-1]
	if last.Op != "DescribeUserPoolClient" || last.Error != "TooManyRequestsException" || last.ClientID != "6example0client0id0drift01" {
		t.Errorf("last call %+v", last)
	}
	var filtered []emulator.Call
	if err := json.NewDecoder(do(http.MethodGet, "/_emulator/calls?op=GetParameter", "").Body).Decode(&filtered); err != nil {
		t.Fatal(err)
	}
	if len(filtered) != 1 || filtered[0].Op != "GetParameter" || filtered[0].Name != "/cognito-guard/baseline" {
		t.Errorf("calls?op=GetParameter = %+v", filtered)
	}
	do(http.MethodDelete, "/_emulator/calls", "")
	if n := len(e.emu.Calls()); n != 0 {
		t.Errorf("%d calls after DELETE /_emulator/calls", n)
	}
	do(http.MethodPost, "/_emulator/quotas", `{"enabled":true}`)
	do(http.MethodPost, "/_emulator/latency", `{"latency":"1ms"}`)
	do(http.MethodPost, "/_emulator/reset", "")
	if _, ok := e.emu.Client("us-east-1_SEEDED001", "6example0client0id0drift01"); ok {
		t.Error("client survived reset")
	}
}

func TestLatency(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	e.emu.SetLatency(30 * time.Millisecond)
	start := time.Now()
	_, err := e.cog.ListUserPools(context.Background(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("call took %v with 30ms latency", d)
	}
}

func TestQuotas(t *testing.T) {
	e := newEnv(t, emulator.Options{Quotas: true})
	ctx := context.Background()
	var pools []string
	for i := range 4 {
		id := fmt.Sprintf("us-east-1_QUOTA%04d", i)
		if _, err := e.emu.CreatePool(id, id); err != nil {
			t.Fatal(err)
		}
		pools = append(pools, id)
	}
	isThrottled := func(err error) bool {
		var tmr *types.TooManyRequestsException
		return errors.As(err, &tmr)
	}
	// Steady 5 RPS on one pool for 10 s passes; the same against the
	// per-pool cap at 6 RPS does not.
	for i := range 50 {
		e.clock.t = e.clock.t.Add(200 * time.Millisecond)
		if err := describeErr(e, pools[0], "x"); isThrottled(err) {
			t.Fatalf("request %d at 5 RPS throttled", i)
		}
	}
	throttled := 0
	for range 60 {
		e.clock.t = e.clock.t.Add(time.Second / 6)
		if isThrottled(describeErr(e, pools[0], "x")) {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("6 RPS on one pool never throttled")
	}

	// 5 RPS per pool is per operation: List and Describe on one pool at 5
	// RPS each pass together.
	e.clock.t = e.clock.t.Add(time.Minute)
	for i := range 25 {
		e.clock.t = e.clock.t.Add(200 * time.Millisecond)
		if isThrottled(describeErr(e, pools[1], "x")) {
			t.Fatalf("describe %d throttled", i)
		}
		_, err := e.cog.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(pools[1])})
		if isThrottled(err) {
			t.Fatalf("list %d throttled", i)
		}
	}

	// The account-wide 15 RPS is shared by Describe and List across pools:
	// 3 pools x 5 RPS passes, 4 pools x 5 RPS (20 RPS) does not.
	e.clock.t = e.clock.t.Add(time.Minute)
	for i := range 30 {
		e.clock.t = e.clock.t.Add(200 * time.Millisecond)
		for _, p := range pools[:3] {
			if isThrottled(describeErr(e, p, "x")) {
				t.Fatalf("round %d pool %s throttled at 15 RPS total", i, p)
			}
		}
	}
	throttled = 0
	for range 30 {
		e.clock.t = e.clock.t.Add(200 * time.Millisecond)
		for _, p := range pools {
			if isThrottled(describeErr(e, p, "x")) {
				throttled++
			}
		}
	}
	if throttled == 0 {
		t.Error("20 RPS across the account never throttled")
	}

	// UserPoolRead: ListUserPools, no per-pool cap; a burst of 20 at one
	// instant is throttled.
	e.clock.t = e.clock.t.Add(time.Minute)
	throttled = 0
	for range 20 {
		_, err := e.cog.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(1)})
		if isThrottled(err) {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("burst of 20 ListUserPools never throttled")
	}

	// SSM Get* answers ThrottlingException.
	var apiErr smithy.APIError
	gotThrottling := false
	for range 60 {
		_, err := e.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/x")})
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ThrottlingException" {
			gotThrottling = true
		}
	}
	if !gotThrottling {
		t.Error("SSM never throttled")
	}

	// Quotas off: nothing is throttled.
	e.emu.SetQuotas(false)
	for range 50 {
		if isThrottled(describeErr(e, pools[0], "x")) {
			t.Fatal("throttled with quotas off")
		}
	}
}

// TestConcurrentUse runs Describe/Update/List from many goroutines; run
// with -race.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	var ids []string
	for range 8 {
		ids = append(ids, aws.ToString(e.create(t, richClient()).ClientId))
	}
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				id := ids[(g+i)%len(ids)]
				out, err := e.cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(id)})
				if err != nil {
					errc <- err
					return
				}
				in := updateFrom(out.UserPoolClient)
				in.AuthSessionValidity = aws.Int32(int32(3 + i%12))
				if _, err := e.cog.UpdateUserPoolClient(ctx, in); err != nil {
					errc <- err
					return
				}
				if _, err := e.cog.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID)}); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if n := len(e.emu.Calls()); n != 8+8*20*3 {
		t.Errorf("%d calls logged, want %d", n, 8+8*20*3)
	}
}

func TestMaxCalls(t *testing.T) {
	e := newEnv(t, emulator.Options{MaxCalls: 3})
	for i := range 10 {
		_ = describeErr(e, poolID, fmt.Sprintf("client%d", i))
	}
	var got []string
	for _, c := range e.emu.Calls() {
		got = append(got, c.ClientID)
	}
	if diff := diff.Diff([]string{"client7", "client8", "client9"}, got); diff != "" {
		t.Errorf("kept calls (-want +got):\n%s", diff)
	}
}
