// Package auditworld builds emulated accounts for the audit's integration
// tests, end-to-end tests and benchmark: pools of app clients in the
// emulator, a known share of them drifted from the baseline, and a hook
// that deletes a client between its listing and its describe.
package auditworld

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

// BaselineParameter is where New stores the baseline.
const BaselineParameter = "/cognito-guard/baseline"

// World is an emulated account. It is an http.Handler (AWS JSON 1.1 for
// Cognito and SSM on one endpoint).
type World struct {
	Emu *emulator.Emulator
	// All lists every client in pool order; Drifted those seeded drifted.
	All     []reconcile.Ref
	Drifted map[reconcile.Ref]bool

	mu              sync.Mutex
	deleteAfterList *reconcile.Ref
}

// PoolID and ClientID name the seeded pools and clients.
func PoolID(i int) string { return fmt.Sprintf("us-east-1_Pool%04d", i) }

// ClientID names client i of pool p.
func ClientID(p, i int) string { return fmt.Sprintf("p%04dclient%05d", p, i) }

// Compliant returns a client that meets every rule of events/baseline.json.
func Compliant(pool, id, name string) types.UserPoolClientType {
	return types.UserPoolClientType{
		UserPoolId:                 aws.String(pool),
		ClientId:                   aws.String(id),
		ClientName:                 aws.String(name),
		EnableTokenRevocation:      aws.Bool(true),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		ExplicitAuthFlows:          []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth},
	}
}

// Drifted returns a client that breaks three enforced, fixable rules of
// events/baseline.json.
func Drifted(pool, id, name string) types.UserPoolClientType {
	c := Compliant(pool, id, name)
	c.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypesLegacy
	c.ExplicitAuthFlows = append(c.ExplicitAuthFlows, types.ExplicitAuthFlowsTypeAllowUserPasswordAuth)
	c.AccessTokenValidity = aws.Int32(24)
	return c
}

// New seeds an emulator with pools × perPool clients, every driftEvery-th
// drifted (none when 0), and the baseline document at BaselineParameter.
func New(opts emulator.Options, baseline []byte, pools, perPool, driftEvery int) (*World, error) {
	w := &World{Emu: emulator.New(opts), Drifted: map[reconcile.Ref]bool{}}
	if _, _, err := w.Emu.PutParameter(BaselineParameter, "String", string(baseline), "", true); err != nil {
		return nil, err
	}
	w.All = make([]reconcile.Ref, 0, pools*perPool)
	n := 0
	for p := range pools {
		pid, err := w.Emu.CreatePool(PoolID(p), fmt.Sprintf("pool-%d", p))
		if err != nil {
			return nil, err
		}
		for c := range perPool {
			id, name := ClientID(p, c), fmt.Sprintf("app-%d-%d", p, c)
			cl := Compliant(pid, id, name)
			ref := reconcile.Ref{UserPoolID: pid, ClientID: id}
			if driftEvery > 0 && n%driftEvery == 0 {
				cl = Drifted(pid, id, name)
				w.Drifted[ref] = true
			}
			n++
			if _, err := w.Emu.PutClient(pid, cl); err != nil {
				return nil, err
			}
			w.All = append(w.All, ref)
		}
	}
	return w, nil
}

// DeleteAfterList deletes ref right after its pool is next listed: the
// client is in the listing but gone when described.
func (w *World) DeleteAfterList(ref reconcile.Ref) {
	w.mu.Lock()
	w.deleteAfterList = &ref
	w.mu.Unlock()
}

// ServeHTTP serves the emulator.
func (w *World) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
	w.Emu.ServeHTTP(sw, r)
	w.mu.Lock()
	del := w.deleteAfterList
	w.mu.Unlock()
	// Only a listing that was answered: a throttled one showed nothing.
	if del == nil || sw.status != http.StatusOK || r.Header.Get("X-Amz-Target") != "AWSCognitoIdentityProviderService.ListUserPoolClients" ||
		!bytes.Contains(body, []byte(`"`+del.UserPoolID+`"`)) {
		return
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(fmt.Sprintf(`{"UserPoolId":%q,"ClientId":%q}`, del.UserPoolID, del.ClientID)))
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.DeleteUserPoolClient")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec := httptest.NewRecorder()
	w.Emu.ServeHTTP(rec, req)
	if rec.Code == http.StatusOK {
		w.mu.Lock()
		w.deleteAfterList = nil
		w.mu.Unlock()
	}
}

// Calls counts the emulator's calls of op per client, answered and failed.
func (w *World) Calls(op string) (ok, failed map[reconcile.Ref]int) {
	ok, failed = map[reconcile.Ref]int{}, map[reconcile.Ref]int{}
	for _, c := range w.Emu.Calls() {
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

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
