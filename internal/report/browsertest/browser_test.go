package browsertest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cognito-guard/cognito-guard/internal/report"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

// TestReportInChromium renders the report test data the way the audit
// does (report.Spool, the page streamed from its files), opens it in
// headless chromium from a file:// URL, and reads what a person sees: the
// totals, and the clients that need attention in their order with their
// findings. Then it saves a screenshot of the whole page.
func TestReportInChromium(t *testing.T) {
	browser := chromium(t)

	raw, err := os.ReadFile("../testdata/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	var d report.Data
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sp, err := report.NewSpool(dir, time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range d.Clients {
		sp.Add(o)
	}
	sp.AddPending(d.Pending...)
	sp.AddPoolErrors(d.PoolErrors...)
	if _, err := sp.Finish(d.StartedAt, d.Complete, d.DryRun); err != nil {
		t.Fatal(err)
	}

	// One process for the browser and its renderer (--single-process, with --no-zygote): the same
	// Blink renders and runs the page, without the zygote, renderer, GPU and utility processes a
	// default start forks. On a 2-core machine that is 2.5 s and ~3.8 s of CPU for this test,
	// against ~5 s and ~10 s.
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900),
		chromedp.Flag("single-process", true), chromedp.Flag("no-zygote", true))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	const readTotals = `Object.fromEntries([...document.querySelectorAll('#totals [data-total]')].map(e => [e.dataset.total, e.textContent]))`
	const readAttention = `[...document.querySelectorAll('#attention article.client')].map(a => ({
		client: a.dataset.client, outcome: a.dataset.outcome,
		badge: a.querySelector('.badge').textContent,
		rules: [...a.querySelectorAll('tbody tr td:first-child')].map(td => td.textContent).join(' '),
		text: a.textContent}))`
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(dir, report.HTMLFile)), chromedp.WaitVisible("#attention")); err != nil {
		t.Fatalf("chromium: open the page: %v", err)
	}
	totals, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](readTotals))
	if err != nil {
		t.Fatalf("chromium: read the totals: %v", err)
	}
	attention, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](readAttention))
	if err != nil {
		t.Fatalf("chromium: read the attention list: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('attention-h').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.scripts.length`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: screenshot: %v", err)
	}

	wantTotals := map[string]string{
		"clients": "7", "attention": "4", "expiring": "1",
		"compliant": "1", "remediated": "1", "drift": "1", "unfixable": "1", "exempt": "1", "skipped": "0", "failed": "1", "pending": "1",
	}
	if diff := diff.Diff(wantTotals, totals); diff != "" {
		t.Errorf("totals on the page (-want +got):\n%s", diff)
	}
	if heading != "Clients that need attention (4)" {
		t.Errorf("attention heading %q", heading)
	}
	var got []string
	for _, a := range attention {
		got = append(got, a["outcome"]+" "+a["client"]+" ["+a["rules"]+"]")
		if a["badge"] != a["outcome"] {
			t.Errorf("%s: badge %q, outcome %q", a["client"], a["badge"], a["outcome"])
		}
	}
	want := []string{
		"failed 6failed0client0id000000000 []",
		"unfixable 4unfixable0client0id000000 [CallbackURLs.requireHttps AccessTokenValidity.max]",
		"drift 3drift0client0id0000000000 [ClientName.pattern]",
		"remediated 2remediated0client0id00000 [AccessTokenValidity.max]",
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("attention list on the page (-want +got):\n%s", diff)
	}
	// The hostile values in the test data are shown as text, not run.
	if scripts != 0 {
		t.Errorf("the page has %d script elements", scripts)
	}
	for _, a := range attention {
		if a["client"] == "6failed0client0id000000000" && !strings.Contains(a["text"], "<script>alert('x')</script>") {
			t.Errorf("the failed client's reason is not shown as text: %q", a["text"])
		}
	}

	out := os.Getenv("TEST_ARTIFACTS")
	if out == "" {
		out = os.TempDir()
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, "audit-report.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(shot))
}

// chromium finds the browser, or skips (fails under CI=true).
func chromium(t *testing.T) string {
	t.Helper()
	names := []string{"chromium", "chromium-browser", "google-chrome"}
	if c := os.Getenv("CHROMIUM"); c != "" {
		names = []string{c}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	const why = "chromium not found (apt-get install chromium, or set CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; .ci/run installs it", why)
	}
	t.Skipf("SKIPPED browser test: %s", why)
	return ""
}
