package audit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/middleware"

	"github.com/cognito-guard/cognito-guard/internal/emulator"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
	"github.com/cognito-guard/cognito-guard/pkg/baseline"
	"github.com/cognito-guard/cognito-guard/pkg/reconcile"
)

const baselineParam = "/cognito-guard/baseline"

// world is an emulated account: pools of clients, every driftEvery-th one
// drifted from events/baseline.json, behind an HTTP server.
type world struct {
	emu     *emulator.Emulator
	srv     *httptest.Server
	drifted map[reconcile.Ref]bool
	all     []reconcile.Ref

	// deleteAfterList, when set, deletes that client right after its pool
	// is listed: "deleted between List and Describe".
	mu              sync.Mutex
	deleteAfterList *reconcile.Ref
}

func poolID(i int) string { return fmt.Sprintf("us-east-1_Pool%04d", i) }

func clientID(pool, i int) string { return fmt.Sprintf("p%04dclient%05d", pool, i) }

// compliantClient meets every rule of events/baseline.json.
func compliantClient(pool string, id, name string) types.UserPoolClientType {
	return types.UserPoolClientType{
		UserPoolId:                 aws.String(pool),
		ClientId:                   aws.String(id),
		ClientName:                 aws.String(name),
		EnableTokenRevocation:      aws.Bool(true),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth},
	}
}

// driftedClient breaks three enforced, fixable rules.
func driftedClient(pool string, id, name string) types.UserPoolClientType {
	c := compliantClient(pool, id, name)
	c.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesLegacy
	c.ExplicitAuthFlows = append(c.ExplicitAuthFlows, types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)
	c.AccessTokenValidity = aws.Int32(24)
	return c
}

func newWorld(tb testing.TB, opts emulator.Options, pools, perPool, driftEvery int) *world {
	tb.Helper()
	w := &world{emu: emulator.New(opts), drifted: map[reconcile.Ref]bool{}}
	doc, err := os.ReadFile("../../events/baseline.json")
	if err != nil {
		tb.Fatal(err)
	}
	if _, _, err := w.emu.PutParameter(baselineParam, "String", string(doc), "", true); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for p := range pools {
		pid, err := w.emu.CreatePool(poolID(p), fmt.Sprintf("pool-%d", p))
		if err != nil {
			tb.Fatal(err)
		}
		for c := range perPool {
			id, name := clientID(p, c), fmt.Sprintf("app-%d-%d", p, c)
			cl := compliantClient(pid, id, name)
			ref := reconcile.Ref{UserPoolID: pid, ClientID: id}
			if driftEvery > 0 && n%driftEvery == 0 {
				cl = driftedClient(pid, id, name)
				w.drifted[ref] = true
			}
			n++
			if _, err := w.emu.PutClient(pid, cl); err != nil {
				tb.Fatal(err)
			}
			w.all = append(w.all, ref)
		}
	}
	w.srv = httptest.NewServer(http.HandlerFunc(w.serve))
	tb.Cleanup(w.srv.Close)
	return w
}

func (w *world) serve(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	w.emu.ServeHTTP(rw, r)
	w.mu.Lock()
	del := w.deleteAfterList
	w.mu.Unlock()
	if del == nil || r.Header.Get("X-Amz-Target") != "AWSCognitoIdentityProviderService.ListUserPoolClients" ||
		!bytes.Contains(body, []byte(del.UserPoolID)) {
		return
	}
	// The listing has been answered; now the client goes away.
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(fmt.Sprintf(`{"UserPoolId":%q,"ClientId":%q}`, del.UserPoolID, del.ClientID)))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.DeleteUserPoolClient")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec := httptest.NewRecorder()
	w.emu.ServeHTTP(rec, req)
	if rec.Code == http.StatusOK {
		w.mu.Lock()
		w.deleteAfterList = nil
		w.mu.Unlock()
	}
}

// sweeper wires a Sweeper the way functions/audit does, against the world.
func (w *world) sweeper(tb testing.TB, cfg Config) *Sweeper {
	tb.Helper()
	pacer, err := NewPacer(cfg.Limits)
	if err != nil {
		tb.Fatal(err)
	}
	cog := cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(w.srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		Retryer:      appclient.Retryer(6)(),
		APIOptions:   []func(*middleware.Stack) error{pacer.AddTo},
	})
	sm := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.srv.URL), Credentials: aws.AnonymousCredentials{}})
	clients := appclient.New(cog)
	log := slog.New(slog.DiscardHandler)
	return &Sweeper{
		Baselines:   baseline.NewLoader(sm, baselineParam, 0, nil),
		Lister:      clients,
		Reconciler:  &reconcile.Reconciler{Clients: clients, DryRun: !cfg.Writes(), Log: log},
		DryRun:      !cfg.Writes(),
		Concurrency: cfg.Concurrency,
		Margin:      cfg.Margin,
		Meter:       pacer,
		Log:         log,
	}
}

// calls counts the emulator's call log per operation (and error).
func (w *world) calls(op string) (ok, failed map[reconcile.Ref]int) {
	ok, failed = map[reconcile.Ref]int{}, map[reconcile.Ref]int{}
	for _, c := range w.emu.Calls() {
		if c.Op != op {
			continue
		}
		r := reconcile.Ref{UserPoolID: c.UserPoolID, ClientID: c.ClientID}
		if c.Error != "" {
			failed[r]++
		} else {
			ok[r]++
		}
	}
	return ok, failed
}

func testConfig(enforce bool) Config {
	return Config{Enforce: enforce, Limits: DefaultLimits, Concurrency: 4, Margin: 0}
}

func sweepAll(tb testing.TB, s *Sweeper) *Report {
	tb.Helper()
	rep, err := s.Sweep(context.Background(), Input{})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
