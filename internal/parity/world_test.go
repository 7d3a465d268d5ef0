package parity_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"golang.org/x/time/rate"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

const (
	modeVar    = "COGNITO_GUARD_CONFORMANCE"
	confirmVar = "COGNITO_GUARD_CONFORMANCE_CONFIRM"
	confirmed  = "create-and-delete-one-user-pool"
	reportVar  = "COGNITO_GUARD_CONFORMANCE_REPORT"
	poolPrefix = "cognito-guard-parity-"
	// Names the facts refer to.
	rsID       = "parity"
	idpName    = "Google"
	customAttr = "custom:tenant"
)

// world is one target: an SDK client and the throwaway pool the facts use.
type world struct {
	name   string // "emulator" or "real"
	cog    *cip.Client
	cfg    aws.Config
	poolID string
	start  time.Time
	pace   func(ctx context.Context) // before every call; no-op on the emulator

	memo       map[string]string // client IDs by key
	partial    *types.UserPoolClientType
	partialErr string
}

// realRequested reports whether the real target is asked for, and fails the
// test when it is asked for without the explicit confirmation.
func realRequested(t *testing.T) bool {
	t.Helper()
	if os.Getenv(modeVar) != "real" {
		return false
	}
	if os.Getenv(confirmVar) != confirmed {
		t.Fatalf("%s=real needs %s=%s: the suite creates one user pool named %s<time>-<random> in the "+
			"account and Region of your AWS credentials, and deletes it at the end", modeVar, confirmVar, confirmed, poolPrefix)
	}
	return true
}

func emulatorWorld(t *testing.T) *world {
	t.Helper()
	emu := emulator.New(emulator.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "parity", ""),
		BaseEndpoint: aws.String(srv.URL),
		// The SDK's standard retryer, without its pauses: it counts Cognito's
		// LimitExceededException (secret/rotation's third secret) among the throttling errors
		// (retry.DefaultThrottleErrorCodes) and resent it twice after up to 1 and 2 s, which
		// changes no result.
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		},
	}
	w := &world{name: "emulator", cog: cip.NewFromConfig(cfg), cfg: cfg, start: time.Now(), pace: func(context.Context) {}, memo: map[string]string{}}
	w.setup(t)
	return w
}

// realWorld uses the default credential chain (AWS_PROFILE, ...). The
// pool is deleted in t.Cleanup and, on SIGINT/SIGTERM, before the process
// exits.
func realWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("AWS config: %v", err)
	}
	// Every category the suite uses allows 5 requests per second per pool
	// and operation (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html):
	// stay under it for all calls together.
	lim := rate.NewLimiter(4, 1)
	w := &world{name: "real", cog: cip.NewFromConfig(cfg), cfg: cfg, start: time.Now().UTC(),
		pace: func(ctx context.Context) { _ = lim.Wait(ctx) }, memo: map[string]string{}}
	w.setup(t)
	return w
}

func (w *world) setup(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := poolPrefix + time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(suffix)
	w.pace(ctx)
	out, err := w.cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String(name),
		Schema: []types.SchemaAttributeType{{
			Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(true),
		}},
		UserPoolTags: map[string]string{"purpose": "cognito-guard parity suite, safe to delete"},
	})
	if err != nil {
		t.Fatalf("%s: CreateUserPool: %v", w.name, err)
	}
	w.poolID = aws.ToString(out.UserPool.Id)
	t.Logf("%s: created throwaway user pool %s (%s)", w.name, w.poolID, name)
	stop := w.deleteOnSignal(t)
	t.Cleanup(func() {
		stop()
		w.deletePool(t)
	})
	w.pace(ctx)
	if _, err := w.cog.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: aws.String(w.poolID), Identifier: aws.String(rsID), Name: aws.String("parity"),
		Scopes: []types.ResourceServerScopeType{
			{ScopeName: aws.String("read"), ScopeDescription: aws.String("read")},
			{ScopeName: aws.String("write"), ScopeDescription: aws.String("write")},
		},
	}); err != nil {
		t.Fatalf("%s: CreateResourceServer: %v", w.name, err)
	}
	w.pace(ctx)
	if _, err := w.cog.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: aws.String(w.poolID), ProviderName: aws.String(idpName), ProviderType: types.IdentityProviderTypeTypeGoogle,
		// Dummy credentials: the provider is never used to sign in.
		ProviderDetails:  map[string]string{"client_id": "parity.apps.googleusercontent.com", "client_secret": "parity-dummy", "authorize_scopes": "openid email"},
		AttributeMapping: map[string]string{"email": "email"},
	}); err != nil {
		t.Fatalf("%s: CreateIdentityProvider: %v", w.name, err)
	}
}

func (w *world) deletePool(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w.pace(ctx)
	if _, err := w.cog.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(w.poolID)}); err != nil {
		t.Errorf("%s: could not delete user pool %s, delete it by hand: %v", w.name, w.poolID, err)
		return
	}
	t.Logf("%s: deleted user pool %s", w.name, w.poolID)
}

// deleteOnSignal deletes the pool and exits when the run is interrupted:
// go test's default on SIGINT kills the process without running cleanups.
func (w *world) deleteOnSignal(t *testing.T) (stop func()) {
	if w.name != "real" {
		return func() {}
	}
	sig := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sig:
			fmt.Fprintf(os.Stderr, "parity: %v: deleting user pool %s\n", s, w.poolID)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_, err := w.cog.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(w.poolID)})
			cancel()
			if err != nil {
				fmt.Fprintf(os.Stderr, "parity: could not delete user pool %s, delete it by hand: %v\n", w.poolID, err)
			}
			os.Exit(1)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
	}
}

// outcome renders a call's result: "accepted", or "<ErrorType> <HTTP status>".
func outcome(err error) string {
	if err == nil {
		return "accepted"
	}
	code := "error"
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("%s %d", code, re.HTTPStatusCode())
	}
	return code + " (not sent: " + err.Error() + ")"
}
