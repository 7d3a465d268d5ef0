package batch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/batch"
	"github.com/cognito-guard/cognito-guard/internal/remediate"
	"github.com/cognito-guard/cognito-guard/internal/settings"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// TestParallelBatchRealWiring runs one batch through the function's real
// wiring (remediate.New: SDK clients, pacer, baseline cache, outputs)
// against the emulator, several clients at once: every drifted client is
// fixed, nothing fails, and `go test -race` finds no shared writes in the
// single handler that the batch handler now calls concurrently.
func TestParallelBatchRealWiring(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "events", "baseline.json"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := auditworld.New(emulator.Options{}, doc, 3, 2, 2) // 6 records for 4 workers: more than one per pool at once
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	defer srv.Close()
	limits, err := remediate.Share(15, 5, 1) // the whole budget: this test is about concurrency, not pacing
	if err != nil {
		t.Fatal(err)
	}
	awsCfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}, Retryer: appclient.Retryer(3)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := remediate.Config{Common: settings.Common{BaselineParameter: auditworld.BaselineParameter, BaselineTTL: time.Minute}, Limits: limits}
	single, err := remediate.New(cfg, awsCfg, io.Discard, log)
	if err != nil {
		t.Fatal(err)
	}
	b, err := policy.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	needFix := func() int {
		n := 0
		for _, ref := range w.All {
			c, ok := w.Emu.Client(ref.UserPoolID, ref.ClientID)
			if !ok {
				t.Fatalf("%v is gone", ref)
			}
			if r := policy.Evaluate(b, &c, time.Now()); r.Fixed != nil {
				n++
			}
		}
		return n
	}
	if before := needFix(); before == 0 || before != len(w.Drifted) {
		t.Fatalf("%d clients need a fix before the batch, want the %d seeded drifted (and some)", before, len(w.Drifted))
	}
	h := &batch.Handler{Single: single, Own: single.Own, Parallel: 4, Log: log}
	var ev events.SQSEvent
	for i, ref := range w.All {
		body, _ := json.Marshal(map[string]string{"userPoolId": ref.UserPoolID, "clientId": ref.ClientID})
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: string(body), EventSource: "aws:sqs"})
	}
	resp, err := h.Handle(context.Background(), ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle: %v, failures %v", err, resp.BatchItemFailures)
	}
	if after := needFix(); after != 0 {
		t.Errorf("%d clients still need a fix after the batch", after)
	}
}
