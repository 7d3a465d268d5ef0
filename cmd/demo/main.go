// Command demo runs the remediate function end to end on this machine with
// no AWS account: it starts the Cognito+SSM emulator, seeds the sample pool
// with a drifted client and events/baseline.json, builds the real bootstrap
// and runs it under the AWS Lambda Runtime Interface Emulator, invokes it
// with events/update-user-pool-client.json, prints the client before and
// after, then replays the event to show it converged. `make demo` runs it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/remediate"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/internal/testkit/rie"
	"github.com/cognito-guard/cognito-guard/internal/testkit/sample"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

func main() {
	events := flag.String("events", "events", "folder with baseline.json and the sample events")
	flag.Parse()
	if err := run(*events); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(events string) error {
	ctx := context.Background()
	baseline, err := os.ReadFile(filepath.Join(events, "baseline.json"))
	if err != nil {
		return err
	}
	event, err := os.ReadFile(filepath.Join(events, "update-user-pool-client.json"))
	if err != nil {
		return err
	}

	// 1. The local AWS: Cognito user pools and SSM Parameter Store.
	emu := emulator.New(emulator.Options{Account: sample.Account, Region: sample.Region})
	if err := sample.Seed(emu, baseline); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // closed below
	defer srv.Close()
	endpoint := "http://" + ln.Addr().String()
	step("Cognito + SSM emulator on %s: pool %s, client %q drifted, baseline in %s", endpoint, sample.PoolID, "web-portal", sample.BaselineParameter)

	// 2. The real function: bootstrap under the Lambda Runtime Interface Emulator.
	step("building the remediate bootstrap and the Lambda Runtime Interface Emulator")
	bootstrap, err := rie.BuildBinary("./functions/remediate", false)
	if err != nil {
		return err
	}
	rieBin, err := rie.BuildBinary("", true)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "cognito-guard-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fn, err := rie.Run(rieBin, bootstrap, dir, rie.Hermetic(dir, map[string]string{
		"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": sample.Region,
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "demo",
		"BASELINE_PARAMETER": sample.BaselineParameter, "DRY_RUN": "false",
		"EXECUTION_ROLE_ARN": "arn:aws:iam::" + sample.Account + ":role/cognito-guard-RemediateFunctionRole-DEMO",
	}))
	if err != nil {
		return err
	}
	defer fn.Stop()
	step("remediate function listening at %s", fn.URL())

	cognito := appclient.New(cognitoidentityprovider.New(cognitoidentityprovider.Options{
		Region: sample.Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "demo", ""),
	}))
	before, err := cognito.Describe(ctx, sample.PoolID, sample.DriftedID)
	if err != nil {
		return err
	}

	// 3. The drifting change's CloudTrail event arrives.
	step("invoking with events/update-user-pool-client.json (someone just changed the client in the console)")
	emu.ResetCalls()
	res, err := invoke(ctx, fn, event)
	if err != nil {
		return err
	}
	fmt.Printf("\n  outcome: %s — %s\n", res.Outcome.Status, res.Reason)
	fmt.Printf("  findings:\n")
	for _, f := range res.Findings {
		fix := "not fixed: " + f.Reason
		if f.Fixable && f.Action == "enforce" {
			fix = fmt.Sprintf("fixed → %s", show(f.Fix))
		} else if f.Action == "report" {
			fix = "reported only"
		}
		fmt.Printf("    %-34s %-28s required %-26s %s\n", f.Rule, show(f.Current), f.Required, fix)
	}
	fmt.Printf("  AWS calls: %s\n", calls(emu))

	after, err := cognito.Describe(ctx, sample.PoolID, sample.DriftedID)
	if err != nil {
		return err
	}
	printDiff(before, after)

	// 4. Its own update comes back as an event: it must converge.
	step("invoking again: the function's own UpdateUserPoolClient comes back through CloudTrail")
	emu.ResetCalls()
	res, err = invoke(ctx, fn, event)
	if err != nil {
		return err
	}
	fmt.Printf("\n  outcome: %s (%d findings)\n  AWS calls: %s\n", res.Outcome.Status, len(res.Findings), calls(emu))
	if res.Outcome.Status != "compliant" {
		return fmt.Errorf("second invoke did not converge: %s", res.Outcome.Status)
	}
	fmt.Printf("\nConverged: a compliant client is never written. First invoke (cold) %v, second %v: nearly all of it\n"+
		"is the pacer keeping the describes of one pool 1 s apart (REMEDIATE_POOL_RATE 2 shared by\n"+
		"REMEDIATE_MAX_CONCURRENCY 2 containers: the function's share of the pool's quota; README \"Figures\").\n",
		fn.ColdStart().Round(time.Millisecond/10), rie.Median(fn.Latencies()[1:]).Round(time.Millisecond/100))
	return nil
}

func invoke(ctx context.Context, fn *rie.Function, payload []byte) (remediate.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	body, err := fn.Invoke(ctx, payload)
	var res remediate.Result
	if err != nil {
		var fe *rie.FunctionError
		if errors.As(err, &fe) {
			return res, fmt.Errorf("the function failed: %s: %s\n%s", fe.Type, fe.Message, fn.Logs())
		}
		return res, err
	}
	return res, json.Unmarshal(body, &res)
}

// printDiff shows the settings that changed and counts those that did not:
// the update carried every other field back as it was.
func printDiff(before, after *types.UserPoolClientType) {
	fmt.Printf("\n  %-32s %-58s %s\n", "setting", "before", "after")
	b, a := reflect.ValueOf(*before), reflect.ValueOf(*after)
	same := 0
	for i := 0; i < b.NumField(); i++ {
		name := b.Type().Field(i).Name
		if !b.Type().Field(i).IsExported() || name == "LastModifiedDate" || name == "ClientSecret" {
			continue
		}
		bs, as := show(b.Field(i).Interface()), show(a.Field(i).Interface())
		if bs == as {
			same++
			continue
		}
		fmt.Printf("  %-32s %-58s %s\n", name, bs, as)
	}
	fmt.Printf("  (%d other settings unchanged; TokenValidityUnits %s; the client secret is kept and never shown)\n", same, show(after.TokenValidityUnits))
}

// show renders a value compactly: pointers dereferenced, lists sorted.
func show(v any) string {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "—"
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return "—"
	}
	switch rv.Kind() {
	case reflect.Slice:
		items := make([]string, rv.Len())
		for i := range items {
			items[i] = fmt.Sprint(rv.Index(i).Interface())
		}
		sort.Strings(items)
		return "[" + strings.Join(items, " ") + "]"
	case reflect.Struct:
		var parts []string
		for i := 0; i < rv.NumField(); i++ {
			if rv.Type().Field(i).IsExported() {
				if s := show(rv.Field(i).Interface()); s != "" && s != "—" {
					parts = append(parts, rv.Type().Field(i).Name+":"+s)
				}
			}
		}
		return "{" + strings.Join(parts, " ") + "}"
	}
	return fmt.Sprint(rv.Interface())
}

func calls(emu *emulator.Emulator) string {
	var ops []string
	for _, c := range emu.Calls() {
		ops = append(ops, c.Op)
	}
	if len(ops) == 0 {
		return "none"
	}
	return strings.Join(ops, ", ")
}

func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}
