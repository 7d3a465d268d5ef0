// Command emulator serves the Cognito user-pool/app-client and SSM Parameter
// Store emulator (internal/testkit/emulator) on one endpoint, so AWS_ENDPOINT_URL can
// point the SDK, the AWS CLI or `sam local invoke` at it:
//
//	emulator -addr 127.0.0.1:4566 -seed testdata/seed.json -quotas -latency 20ms
//
// It prints "listening on http://ADDR" once ready and exits cleanly on
// SIGINT or SIGTERM. The control API is under /_emulator/ (see the package
// documentation).
//
// With -accounts KEY=ACCOUNT,… it serves several accounts at once: the access
// key ID that signs a request picks the account, and each has its own copy of
// the seed, its own state and its own quotas (emulator.Accounts; no control
// API then):
//
//	emulator -accounts AKIDA=111111111111,AKIDB=222222222222 -seed testdata/seed.json -quotas
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "emulator:", err)
		os.Exit(1)
	}
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4566", "listen address")
	quotas := fs.Bool("quotas", false, "enforce Cognito/SSM request-rate quotas")
	latency := fs.Duration("latency", 0, "latency added to every API call")
	seed := fs.String("seed", "", "optional seed JSON file (pools with their resource servers, identity providers, custom attributes and clients; parameters)")
	account := fs.String("account", "123456789012", "AWS account ID")
	region := fs.String("region", "us-east-1", "AWS Region")
	maxCalls := fs.Int("max-calls", 100000, "call log size (0 = unbounded)")
	accounts := fs.String("accounts", "", "several accounts, KEY=ACCOUNT[,KEY=ACCOUNT...]: the access key ID signing a request picks the account (replaces -account)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var doc []byte
	if *seed != "" {
		var err error
		if doc, err = os.ReadFile(*seed); err != nil {
			return err
		}
	}
	newAccount := func(id string, seed uint64) (*emulator.Emulator, error) {
		emu := emulator.New(emulator.Options{
			Account: id, Region: *region, Quotas: *quotas, Latency: *latency, MaxCalls: *maxCalls, Seed: seed,
		})
		if doc != nil {
			if err := emu.Seed(doc); err != nil {
				return nil, err
			}
		}
		return emu, nil
	}
	var handler http.Handler
	if *accounts == "" {
		emu, err := newAccount(*account, 0)
		if err != nil {
			return err
		}
		handler = emu
	} else {
		router := emulator.NewAccounts()
		for i, pair := range strings.Split(*accounts, ",") {
			key, id, ok := strings.Cut(pair, "=")
			if !ok || !accountID.MatchString(id) {
				return fmt.Errorf("-accounts: %q is not KEY=ACCOUNT with a 12-digit account ID", pair)
			}
			// Each account its own ID sequence: pools and clients created later differ.
			emu, err := newAccount(id, uint64(i+1))
			if err != nil {
				return err
			}
			if err := router.Add(key, emu); err != nil {
				return err
			}
		}
		handler = router
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
