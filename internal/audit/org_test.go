package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/cognito-guard/cognito-guard/internal/awsenv"
	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/templatetest"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/internal/testkit/moto"
	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// member is one account of the simulated organisation.
type member struct {
	account, key, secret, prefix string
	pools, perPool               int

	emu     *emulator.Emulator
	all     []reconcile.Ref
	drifted map[reconcile.Ref]bool
}

// TestOrganisation simulates cognito-guard in three accounts of one organisation, side by side on
// this machine (README "The simulation here"):
//
//   - One emulator address serves the three accounts (emulator.Accounts: the access key ID that
//     signs a request picks the account); each account's audit is wired by New, as
//     functions/audit does, from that account's credentials.
//   - Each audit takes a share of 12 of the 15 requests per second its account allows; 36 together.
//     Cognito's quotas are per account and Region, and so are the emulator's: no audit may be
//     throttled, each describes each of its clients exactly once, and no request reaches another
//     account's pools.
//   - Notifications go to moto's EventBridge, one default bus per account. There, the rule the
//     template creates (its pattern and target, read from template.yaml for a CentralEventBusArn)
//     forwards them to a central bus in a fourth account, whose rule delivers to an SQS queue. The
//     queue must hold every account's events, each once.
//
// moto checks each request's signature and its caller's IAM policy, but not bus policies or a
// rule's role when it forwards, so the forwarding role and the central bus's policy are not
// exercised here.
func TestOrganisation(t *testing.T) {
	t.Parallel()
	// Each account is an account of its own in the moto server the test binaries share
	// (internal/testkit/moto): its access key picks it there, and picks the member's emulator here.
	centralMoto := moto.Start(t)
	motoURL := centralMoto.URL
	ctx := context.Background()
	baseline, err := os.ReadFile("../../events/baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	members := []*member{
		{prefix: "A", pools: 2, perPool: 4},
		{prefix: "B", pools: 3, perPool: 3},
		{prefix: "C", pools: 1, perPool: 4},
	}
	for _, m := range members {
		mm := moto.Start(t)
		m.account, m.key, m.secret = mm.Account, mm.Credentials.AccessKeyID, mm.Credentials.SecretAccessKey
	}
	accounts := emulator.NewAccounts()
	for i, m := range members {
		m.emu = emulator.New(emulator.Options{Account: m.account, Quotas: true, Seed: uint64(i + 1)})
		m.seed(t, baseline, 3)
		if err := accounts.Add(m.key, m.emu); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(accounts)
	t.Cleanup(srv.Close)

	// The central account: its bus, and a rule that keeps what arrives in a queue.
	central := eventbridge.NewFromConfig(motoConfig(motoURL, centralMoto.Credentials))
	queues := sqs.NewFromConfig(motoConfig(motoURL, centralMoto.Credentials))
	bus, err := central.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("cognito-guard-central")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queues.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("cognito-guard-central")})
	if err != nil {
		t.Fatal(err)
	}
	qattrs, err := queues.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := central.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("keep"), EventBusName: bus.EventBusArn, EventPattern: aws.String(`{"source":["cognito-guard"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := central.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("keep"), EventBusName: bus.EventBusArn,
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(qattrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}

	// Each member account: the template's forwarding rule on its default bus.
	pattern, target := forwardRule(t, aws.ToString(bus.EventBusArn))
	for _, m := range members {
		eb := eventbridge.NewFromConfig(motoConfig(motoURL, aws.Credentials{AccessKeyID: m.key, SecretAccessKey: m.secret}))
		if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("central"), EventBusName: aws.String("default"), EventPattern: aws.String(pattern)}); err != nil {
			t.Fatal(err)
		}
		tg := target
		tg.RoleArn = aws.String("arn:aws:iam::" + m.account + ":role/CentralBusForwardRole")
		if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("central"), EventBusName: aws.String("default"), Targets: []ebtypes.Target{tg}}); err != nil {
			t.Fatal(err)
		}
	}

	// The audits, side by side.
	reports := make([]*Report, len(members))
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		cfg := testConfig(true)
		cfg.NotifyEventBus = "default"
		cfg.ExpectedAccount = m.account
		s, err := New(cfg, m.awsConfig(t, srv.URL, motoURL), io.Discard, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Handle, the Lambda entry point: it sweeps, then hands the outcomes to the outputs.
			reports[i], errs[i] = s.Handle(ctx, json.RawMessage(`{}`))
		}()
	}
	wg.Wait()

	wantCentral := map[string][]string{}
	for i, m := range members {
		rep, err := reports[i], errs[i]
		if err != nil {
			t.Fatalf("account %s: %v", m.account, err)
		}
		if !rep.Complete || len(rep.PoolErrors) > 0 || len(rep.Throttles) > 0 {
			t.Errorf("account %s: complete %v, pool errors %v, throttles %v", m.account, rep.Complete, rep.PoolErrors, rep.Throttles)
		}
		got := map[reconcile.Ref]reconcile.Status{}
		for _, o := range rep.Clients {
			got[reconcile.Ref{UserPoolID: o.UserPoolID, ClientID: o.ClientID}] = o.Status
		}
		want := map[reconcile.Ref]reconcile.Status{}
		for _, r := range m.all {
			want[r] = reconcile.Compliant
			if m.drifted[r] {
				want[r] = reconcile.Remediated
				wantCentral[m.account] = append(wantCentral[m.account], r.UserPoolID+"/"+r.ClientID)
			}
		}
		if diff := diff.Diff(want, got); diff != "" {
			t.Errorf("account %s outcomes (-want +got):\n%s", m.account, diff)
		}
		// The account's own call log: every client described once, nothing throttled, no pool of
		// another account.
		describes := map[reconcile.Ref]int{}
		calls := map[string]int{}
		for _, c := range m.emu.Calls() {
			calls[c.Op]++
			if c.Error != "" {
				t.Errorf("account %s: %s %s/%s failed: %s", m.account, c.Op, c.UserPoolID, c.ClientID, c.Error)
			}
			if c.UserPoolID != "" && !strings.HasPrefix(c.UserPoolID, "us-east-1_"+m.prefix) {
				t.Errorf("account %s got a call for pool %s", m.account, c.UserPoolID)
			}
			if c.Op == "DescribeUserPoolClient" {
				describes[reconcile.Ref{UserPoolID: c.UserPoolID, ClientID: c.ClientID}]++
			}
		}
		// A compliant client is described once; a drifted one also right before its update and
		// after it (reconcile re-reads before writing and verifies), and updated once.
		for _, r := range m.all {
			if want := 1; !m.drifted[r] && describes[r] != want || m.drifted[r] && describes[r] < 2 {
				t.Errorf("account %s: %v (drifted %v) described %d times", m.account, r, m.drifted[r], describes[r])
			}
		}
		if calls["ListUserPoolClients"] != m.pools || calls["UpdateUserPoolClient"] != len(m.drifted) {
			t.Errorf("account %s calls %v: want %d client lists, %d updates", m.account, calls, m.pools, len(m.drifted))
		}
		t.Logf("account %s: %d pools, %d clients, %d remediated; calls %v; %d ms", m.account, m.pools, len(m.all), len(m.drifted), calls, rep.DurationMS)
	}

	// For the record (not asserted: it depends on this machine's speed): the rate the three
	// accounts' UserPoolClientRead calls reached together while all three were sweeping, against
	// the 15 per second one account allows.
	var from, to time.Time
	for i, m := range members {
		calls := m.emu.Calls()
		if len(calls) == 0 {
			continue
		}
		if first := calls[0].Time; i == 0 || first.After(from) {
			from = first
		}
		if last := calls[len(calls)-1].Time; i == 0 || last.Before(to) {
			to = last
		}
	}
	together := 0
	for _, m := range members {
		for _, c := range m.emu.Calls() {
			if (c.Op == "DescribeUserPoolClient" || c.Op == "ListUserPoolClients") && !c.Time.Before(from) && !c.Time.After(to) {
				together++
			}
		}
	}
	if d := to.Sub(from).Seconds(); d > 0 {
		t.Logf("while all three swept (%.2f s): %d UserPoolClientRead calls, %.1f per second across the accounts", d, together, float64(together)/d)
	}

	// The central queue: every account's events, each once. The pool IDs say which account sent
	// which (moto's forward keeps the detail, not the source account).
	gotCentral := map[string][]string{}
	for {
		out, err := queues.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, msg := range out.Messages {
			var ev struct {
				Source     string `json:"source"`
				DetailType string `json:"detail-type"`
				Detail     struct {
					Function, Outcome, UserPoolID, ClientID string
				} `json:"detail"`
			}
			if err := json.Unmarshal([]byte(aws.ToString(msg.Body)), &ev); err != nil {
				t.Fatalf("central queue message %q: %v", aws.ToString(msg.Body), err)
			}
			if ev.Source != "cognito-guard" || ev.Detail.Function != "audit" || ev.Detail.Outcome != "remediated" {
				t.Errorf("central event %+v", ev)
			}
			acct := "unknown"
			for _, m := range members {
				if strings.HasPrefix(ev.Detail.UserPoolID, "us-east-1_"+m.prefix) {
					acct = m.account
				}
			}
			gotCentral[acct] = append(gotCentral[acct], ev.Detail.UserPoolID+"/"+ev.Detail.ClientID)
			if _, err := queues.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: msg.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, l := range []map[string][]string{wantCentral, gotCentral} {
		for _, v := range l {
			sort.Strings(v)
		}
	}
	if len(wantCentral) != len(members) {
		t.Fatalf("the seed drifts clients in %d accounts, want all %d", len(wantCentral), len(members))
	}
	if diff := diff.Diff(wantCentral, gotCentral); diff != "" {
		t.Errorf("central bus events by account (-want +got):\n%s", diff)
	}
}

// seed puts the baseline, and pools of clients (every driftEvery-th drifted) whose IDs start with
// the member's prefix, into its account.
func (m *member) seed(t *testing.T, baseline []byte, driftEvery int) {
	t.Helper()
	if _, _, err := m.emu.PutParameter(auditworld.BaselineParameter, "String", string(baseline), "", true); err != nil {
		t.Fatal(err)
	}
	m.drifted = map[reconcile.Ref]bool{}
	n := 0
	for p := range m.pools {
		pid, err := m.emu.CreatePool(fmt.Sprintf("us-east-1_%sPool%04d", m.prefix, p), fmt.Sprintf("pool-%s-%d", m.prefix, p))
		if err != nil {
			t.Fatal(err)
		}
		for c := range m.perPool {
			id, name := fmt.Sprintf("%sp%dclient%05d", strings.ToLower(m.prefix), p, c), fmt.Sprintf("app-%s-%d-%d", strings.ToLower(m.prefix), p, c)
			cl := auditworld.Compliant(pid, id, name)
			ref := reconcile.Ref{UserPoolID: pid, ClientID: id}
			if n%driftEvery == 0 {
				cl = auditworld.Drifted(pid, id, name)
				m.drifted[ref] = true
			}
			n++
			if _, err := m.emu.PutClient(pid, cl); err != nil {
				t.Fatal(err)
			}
			m.all = append(m.all, ref)
		}
	}
}

// awsConfig is the member's configuration as its function builds it (awsenv.Load) from the
// environment Lambda would give it: its own credentials (one key for every service, as in AWS),
// Cognito and SSM at the emulator (AWS_ENDPOINT_URL) and EventBridge at moto
// (AWS_ENDPOINT_URL_EVENTBRIDGE); the production retryer without the pause.
func (m *member) awsConfig(t *testing.T, emulatorURL, motoURL string) aws.Config {
	t.Helper()
	env := map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": m.key, "AWS_SECRET_ACCESS_KEY": m.secret,
		"AWS_ENDPOINT_URL": emulatorURL, "AWS_ENDPOINT_URL_EVENTBRIDGE": motoURL,
	}
	cfg, err := awsenv.Load(func(k string) string { return env[k] },
		func() aws.Retryer { return noBackoff{appclient.Retryer(6)().(aws.RetryerV2)} })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// motoConfig is a client configuration for moto as the account whose key creds is.
func motoConfig(motoURL string, creds aws.Credentials) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(motoURL),
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
	}
}

// forwardRule reads the template's CentralBusForwardRule for CentralEventBusArn=central: its event
// pattern (JSON) and its target, the role left for the caller.
func forwardRule(t *testing.T, central string) (string, ebtypes.Target) {
	t.Helper()
	root, err := templatetest.Root()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := templatetest.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := templatetest.New(tmpl, map[string]string{"CentralEventBusArn": central})
	if err != nil {
		t.Fatal(err)
	}
	if on, err := ev.Condition("ForwardToCentralBus"); err != nil || !on {
		t.Fatalf("ForwardToCentralBus = %v, %v with CentralEventBusArn set", on, err)
	}
	r, err := ev.Resolve(tmpl["Resources"].(map[string]any)["CentralBusForwardRule"])
	if err != nil {
		t.Fatal(err)
	}
	props := r.(map[string]any)["Properties"].(map[string]any)
	if props["EventBusName"] != "default" {
		t.Fatalf("the rule is on bus %v, want the default notification bus", props["EventBusName"])
	}
	pattern, err := json.Marshal(props["EventPattern"])
	if err != nil {
		t.Fatal(err)
	}
	tg := props["Targets"].([]any)[0].(map[string]any)
	arn, _ := tg["Arn"].(string)
	if arn != central {
		t.Fatalf("the rule's target is %v, want %s", tg["Arn"], central)
	}
	return string(pattern), ebtypes.Target{Id: aws.String(tg["Id"].(string)), Arn: aws.String(arn)}
}
