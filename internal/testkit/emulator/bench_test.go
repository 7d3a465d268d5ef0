package emulator_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// BenchmarkDescribeUpdate measures one Describe + full Update round trip
// through the real SDK client over HTTP (loopback), the remediation loop.
func BenchmarkDescribeUpdate(b *testing.B) {
	e := newEnv(b, emulator.Options{})
	id := aws.ToString(e.create(b, richClient()).ClientId)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out, err := e.cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(id)})
		if err != nil {
			b.Fatal(err)
		}
		in := updateFrom(out.UserPoolClient)
		in.AuthSessionValidity = aws.Int32(int32(3 + i%12))
		if _, err := e.cog.UpdateUserPoolClient(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

// BenchmarkDescribeUpdateParallel is the same from GOMAXPROCS goroutines,
// each on its own client, as the audit function drives it.
func BenchmarkDescribeUpdateParallel(b *testing.B) {
	e := newEnv(b, emulator.Options{})
	ctx := context.Background()
	ids := make(chan string, 64)
	for range 64 {
		ids <- aws.ToString(e.create(b, richClient()).ClientId)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := <-ids
		for i := 0; pb.Next(); i++ {
			out, err := e.cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(id)})
			if err != nil {
				b.Error(err)
				return
			}
			in := updateFrom(out.UserPoolClient)
			in.AuthSessionValidity = aws.Int32(int32(3 + i%12))
			if _, err := e.cog.UpdateUserPoolClient(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}

// BenchmarkScaleMemory seeds 100 pools x 10,000 clients (the largest
// account the audit must handle) per iteration and reports the heap each
// client takes (identical settings are stored once; the target is <= 400
// bytes). Run it alone: go test -run '^$' -bench ScaleMemory -benchtime 1x.
func BenchmarkScaleMemory(b *testing.B) {
	const pools, perPool = 100, 10000
	tmpl := types.UserPoolClientType{
		ClientName:                      aws.String("app"),
		ClientSecret:                    aws.String("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmno"),
		CallbackURLs:                    []string{"https://app.example.com/callback"},
		AllowedOAuthFlows:               []types.OAuthFlowType{"code"},
		AllowedOAuthScopes:              []string{"openid", "email"},
		AllowedOAuthFlowsUserPoolClient: aws.Bool(true),
	}
	var perClient float64
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		emu := emulator.New(emulator.Options{})
		for p := range pools {
			pid := fmt.Sprintf("us-east-1_SCALE%04d", p)
			if _, err := emu.CreatePool(pid, pid); err != nil {
				b.Fatal(err)
			}
			for c := range perPool {
				cl := tmpl
				cl.ClientId = aws.String(fmt.Sprintf("%06dscale0client0id%04d", c, p))
				if _, err := emu.PutClient(pid, cl); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		perClient = float64(after.HeapAlloc-before.HeapAlloc) / (pools * perPool)
		if _, ok := emu.Client("us-east-1_SCALE0042", "009999scale0client0id0042"); !ok {
			b.Fatal("seeded client missing")
		}
		runtime.KeepAlive(emu)
	}
	b.ReportMetric(perClient, "heap-bytes/client")
}

// BenchmarkDescribeUpdateHandler is the emulator's own cost of a Describe +
// Update pair, calling ServeHTTP directly (no SDK, no socket).
func BenchmarkDescribeUpdateHandler(b *testing.B) {
	emu := emulator.New(emulator.Options{MaxCalls: 1000})
	if _, err := emu.CreatePool(poolID, "p"); err != nil {
		b.Fatal(err)
	}
	in := richClient()
	c := types.UserPoolClientType{ClientId: aws.String("benchclient"), ClientName: in.ClientName, ClientSecret: aws.String("abcdefghijklmnopqrstuvwxyz0123456789"),
		CallbackURLs: in.CallbackURLs, AllowedOAuthFlows: in.AllowedOAuthFlows, AllowedOAuthScopes: in.AllowedOAuthScopes,
		AllowedOAuthFlowsUserPoolClient: aws.Bool(true), ReadAttributes: in.ReadAttributes, LogoutURLs: in.LogoutURLs}
	if _, err := emu.PutClient(poolID, c); err != nil {
		b.Fatal(err)
	}
	describe := `{"UserPoolId":"` + poolID + `","ClientId":"benchclient"}`
	update := `{"UserPoolId":"` + poolID + `","ClientId":"benchclient","ClientName":"web-portal","AllowedOAuthFlowsUserPoolClient":true,` +
		`"AllowedOAuthFlows":["code","implicit"],"AllowedOAuthScopes":["openid","email","profile"],` +
		`"CallbackURLs":["https://app.example.com/callback","http://localhost:3000/cb"],"LogoutURLs":["https://app.example.com/logout"],` +
		`"ReadAttributes":["email","email_verified","name"],"AuthSessionValidity":5}`
	serve := func(op, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", op, rec.Code, rec.Body)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		serve("DescribeUserPoolClient", describe)
		serve("UpdateUserPoolClient", update)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
