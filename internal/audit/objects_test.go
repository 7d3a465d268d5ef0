package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/report"
	"github.com/cognito-guard/cognito-guard/internal/s3object"
	"github.com/cognito-guard/cognito-guard/internal/testkit/auditworld"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/internal/testkit/moto"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// memStore is an ObjectStore in memory.
type memStore struct {
	mu      sync.Mutex
	objects map[string][]byte
	types   map[string]string
}

func newMemStore() *memStore {
	return &memStore{objects: map[string][]byte{}, types: map[string]string{}}
}

func (m *memStore) Put(_ context.Context, key string, body io.ReadSeeker, size int64, ctype string) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if int64(len(b)) != size {
		return fmt.Errorf("put %s: %d bytes, size %d", key, len(b), size)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[key], m.types[key] = b, ctype
	return nil
}

func (m *memStore) Get(_ context.Context, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objects[key]
	if !ok {
		return nil, &s3object.Error{Op: "get", Key: key, StatusCode: 404, Code: "NoSuchKey"}
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memStore) keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ks []string
	for k := range m.objects {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestReportAcrossRuns: a sweep cut into runs by deadlines writes one part
// per run but the last, and the last run writes one set of objects for the
// whole sweep under one prefix: every client exactly once in the JSON Lines
// and on the page's totals. The result carries the keys, not the clients.
func TestReportAcrossRuns(t *testing.T) {
	b := &fakeBaselines{b: &policy.Baseline{}}
	l := threePools()
	r := newFakeReconciler(b.b, l)
	r.script[ref("us-east-1_C", "c2")] = []result{{out: reconcile.Outcome{Status: reconcile.Drift, Reason: "drift reported only"}}}
	// The sweep starts at 23:30 and crosses midnight. The runs' contexts take real deadlines, an
	// hour of the fake clock ahead, so the fake day is today's (or tomorrow's, once today's 23:30
	// is past): a fixed date would put every deadline in the past.
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(23*time.Hour + 30*time.Minute)
	if start.Before(time.Now()) {
		start = start.Add(24 * time.Hour)
	}
	clock := &fakeClock{t: start}
	r.onCall = func(reconcile.Ref) { clock.Advance(30 * time.Minute) }
	store := newMemStore()
	var logs bytes.Buffer
	s := newSweeper(l, r, b)
	s.Concurrency, s.Now, s.Margin, s.Clients = 1, clock.Now, time.Minute, ClientsNone
	s.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	s.Reports = &ReportWriter{Store: store, Bucket: "reports", TempDir: t.TempDir(), Now: clock.Now}

	raw := json.RawMessage(`{}`)
	var last *Report
	for run := 1; ; run++ {
		if run > 20 {
			t.Fatal("no end after 20 runs")
		}
		ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(time.Hour))
		rep, err := s.Handle(ctx, raw)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Objects == nil || rep.Objects.Error != "" {
			t.Fatalf("run %d: objects %+v", run, rep.Objects)
		}
		if !strings.HasPrefix(rep.Objects.Prefix, start.Format("audit/2006/01/02/20060102T150405Z-")) {
			t.Errorf("run %d: prefix %s, want the sweep's start date and ID", run, rep.Objects.Prefix)
		}
		if !rep.Complete && rep.Objects.Part != rep.Objects.Prefix+fmt.Sprintf("parts/%04d.jsonl", run) {
			t.Errorf("run %d: part %q", run, rep.Objects.Part)
		}
		if len(rep.Clients) != 0 {
			t.Errorf("run %d: result lists %d clients, want none", run, len(rep.Clients))
		}
		last = rep
		if rep.Complete {
			if run < 3 {
				t.Fatalf("complete after %d runs; the test wants several", run)
			}
			break
		}
		raw = json.RawMessage(`{"cursor": "` + rep.Cursor + `"}`)
		clock.Advance(time.Hour)
	}
	o := last.Objects
	pre := o.Prefix
	for _, k := range []string{o.HTML, o.JSONL, o.CSV, o.Summary} {
		if !strings.HasPrefix(k, pre) || store.objects[k] == nil {
			t.Errorf("object %q missing", k)
		}
	}
	if got := store.types[o.HTML]; got != "text/html; charset=utf-8" {
		t.Errorf("html content type %q", got)
	}
	for _, k := range store.keys() {
		if !strings.HasPrefix(k, pre) {
			t.Errorf("object %s outside the sweep's prefix %s", k, pre)
		}
	}
	var got []string
	if err := report.ReadJSONL(bytes.NewReader(store.objects[o.JSONL]), func(o reconcile.Outcome) error {
		got = append(got, o.UserPoolID+"/"+o.ClientID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	if diff := diff.Diff(refsOf(allOutcomes(l)), got); diff != "" {
		t.Errorf("clients.jsonl (-want +got):\n%s", diff)
	}
	var sum report.Summary
	if err := json.Unmarshal(store.objects[o.Summary], &sum); err != nil {
		t.Fatal(err)
	}
	if n := len(allOutcomes(l)); sum.Total != n || sum.AttentionTotal != 1 || !sum.Complete {
		t.Errorf("summary: total %d attention %d complete %v; want %d, 1, true", sum.Total, sum.AttentionTotal, sum.Complete, n)
	}
	page := string(store.objects[o.HTML])
	for _, want := range []string{fmt.Sprintf(`data-total="clients">%d<`, len(allOutcomes(l))), `data-total="attention">1<`, `data-client="c2"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The last log line is the summary with the keys.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if !strings.Contains(lines[len(lines)-1], `"html":"`+o.HTML+`"`) {
		t.Errorf("log line lacks the page's key:\n%s", lines[len(lines)-1])
	}
}

// allOutcomes is one outcome per client of l, for refsOf.
func allOutcomes(l *fakeLister) []reconcile.Outcome {
	var outs []reconcile.Outcome
	for _, r := range allRefs(l) {
		pool, id, _ := strings.Cut(r, "/")
		outs = append(outs, reconcile.Outcome{UserPoolID: pool, ClientID: id})
	}
	return outs
}

// TestEmulatorReportToMoto runs the real chain against the emulator and
// writes the report to moto_server's S3 with signed requests: the objects
// are there, complete, and none holds a client's secret.
func TestEmulatorReportToMoto(t *testing.T) {
	t.Parallel()
	srv := moto.Start(t)
	bucket := srv.CreateBucket(t, "audit-reports")
	w := newWorld(t, emulator.Options{}, 2, 5, 3)
	const secret = "s3cr3t0value0that0must0never0leak0anywhere0000"
	secretClient := auditworld.Drifted(auditworld.PoolID(0), "secretclient0000000000000", "has-a-secret")
	secretClient.ClientSecret = aws.String(secret)
	if _, err := w.Emu.PutClient(auditworld.PoolID(0), secretClient); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(false)
	cfg.Clients, cfg.ReportBucket, cfg.ReportEndpoint = ClientsNone, bucket, srv.URL
	awsCfg := w.awsConfig()
	awsCfg.Credentials = aws.NewCredentialsCache(credsOf(srv.Credentials))
	var logs bytes.Buffer
	s, err := New(cfg, awsCfg, io.Discard, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Handle(context.Background(), json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Objects == nil || rep.Objects.Error != "" || !rep.Complete {
		t.Fatalf("objects %+v, complete %v", rep.Objects, rep.Complete)
	}
	store := s3object.New(awsCfg, bucket, srv.URL)
	read := func(key string) []byte {
		body, err := store.Get(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const clients = 2*5 + 1
	for _, key := range []string{rep.Objects.HTML, rep.Objects.JSONL, rep.Objects.CSV, rep.Objects.Summary} {
		b := read(key)
		if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("ClientSecret")) || bytes.Contains(b, []byte("clientSecret")) {
			t.Errorf("%s holds the client secret", key)
		}
		if int64(len(b)) != rep.Objects.Bytes[key[strings.LastIndex(key, "/")+1:]] {
			t.Errorf("%s: %d bytes, result says %d", key, len(b), rep.Objects.Bytes[key])
		}
	}
	if n := bytes.Count(read(rep.Objects.JSONL), []byte("\n")); n != clients {
		t.Errorf("clients.jsonl has %d lines, want %d", n, clients)
	}
	page := read(rep.Objects.HTML)
	if !bytes.Contains(page, []byte(fmt.Sprintf(`data-total="clients">%d<`, clients))) || !bytes.Contains(page, []byte(`data-client="secretclient0000000000000"`)) {
		t.Errorf("page lacks the totals or the drifted client")
	}
	if len(rep.Clients) != 0 || bytes.Contains(logs.Bytes(), []byte(secret)) {
		t.Errorf("result lists %d clients (want none with a bucket), or the log holds the secret", len(rep.Clients))
	}
}

type credsOf aws.Credentials

func (c credsOf) Retrieve(context.Context) (aws.Credentials, error) { return aws.Credentials(c), nil }
