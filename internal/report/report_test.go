package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/report"
	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// now is the report's instant: 19 days before the partner exemption ends.
var now = time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)

func load(t *testing.T) report.Data {
	t.Helper()
	raw, err := os.ReadFile("testdata/audit.json")
	if err != nil {
		t.Fatal(err)
	}
	var d report.Data
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := diff.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, diff)
	}
}

func TestFormatsGolden(t *testing.T) {
	d := load(t)
	for _, f := range report.Formats {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := report.Write(&buf, f, d, now); err != nil {
				t.Fatal(err)
			}
			golden(t, "audit.golden."+f.Ext(), buf.Bytes())
		})
	}
}

func TestSummarize(t *testing.T) {
	s := report.Summarize(load(t), now)
	type row struct {
		Total, Listed, Attention int
		AttentionOrder           []string
		Expiring                 []string
		Pools                    []string
		TopRule                  report.RuleRow
	}
	got := row{Total: s.Total, Listed: s.Listed, Attention: len(s.Attention), TopRule: s.Rules[0]}
	for _, o := range s.Attention {
		got.AttentionOrder = append(got.AttentionOrder, string(o.Status)+" "+o.ClientID)
	}
	for _, e := range s.Expiring {
		got.Expiring = append(got.Expiring, e.ClientID+" "+e.Expires.Format(time.DateOnly))
	}
	for _, p := range s.Pools {
		got.Pools = append(got.Pools, p.UserPoolID)
	}
	want := row{
		Total: 7, Listed: 6, Attention: 4,
		AttentionOrder: []string{
			"failed 6failed0client0id000000000",
			"unfixable 4unfixable0client0id000000",
			"drift 3drift0client0id0000000000",
			"remediated 2remediated0client0id00000",
		},
		// The all-fields exemption ends in 2027, beyond 30 days; the
		// expired one is reported under attention, not here.
		Expiring: []string{"4unfixable0client0id000000 2026-12-20"},
		Pools:    []string{"ap-south-1_Gone01", "eu-west-1_AbC123", "us-east-1_XyZ789"},
		TopRule:  report.RuleRow{Rule: "AccessTokenValidity.max", Field: "AccessTokenValidity", Clients: 2, Fixable: 2},
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("summary mismatch (-want +got):\n%s", diff)
	}
}

// Counts are taken from the outcomes when the result has none (a JSON
// Lines file of outcomes).
func TestSummarizeWithoutCounts(t *testing.T) {
	d := load(t)
	d.Counts = nil
	s := report.Summarize(d, now)
	if s.Total != 7 { // 6 listed + 1 pending
		t.Errorf("Total = %d, want 7", s.Total)
	}
}

func TestHTMLSelfContainedAndEscaped(t *testing.T) {
	var buf bytes.Buffer
	if err := report.Write(&buf, report.HTML, load(t), now); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<img", "<b>", "<link", "@import", "url("} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	// No element loads anything: no src or href attribute in any tag.
	if m := regexp.MustCompile(`<[a-zA-Z][^>]*\s(src|href)=`).FindString(page); m != "" {
		t.Errorf("page loads a resource: %s", m)
	}
	for _, want := range []string{
		`&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;`,
		`&lt;img src=x onerror=alert(1)&gt;`,
		`id="totals"`, `id="attention"`, `data-total="clients">7<`, `data-total="attention">4<`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`<article class="client"`).FindAllString(page, -1)); n != 4 {
		t.Errorf("attention list has %d clients, want 4", n)
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, load(t).Clients); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for _, c := range r {
			if c != "" && strings.ContainsAny(c[:1], "=+-@") {
				t.Errorf("cell %q would be read as a formula", c)
			}
		}
	}
	// header, 1 compliant, 1 remediated, 1 drift, 2+1 unfixable, 1 exempt, 1 failed
	if len(rows) != 9 {
		t.Errorf("%d rows, want 9", len(rows))
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]report.Format{"HTML": report.HTML, "markdown": report.Markdown, "jsonl": report.JSONL, "csv": report.CSV} {
		got, err := report.ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := report.ParseFormat("pdf"); err == nil {
		t.Error("ParseFormat(pdf): no error")
	}
}

// An empty audit renders every section's empty form.
func TestHTMLEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := report.Write(&buf, report.HTML, report.Data{Complete: true}, now); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		"Clients that need attention (0)</h2>\n<p class=\"none\">None.</p>\n</section>",
		"Exemptions expiring within 30 days (0)</h2>\n<p class=\"none\">None.</p>\n</section>",
		"Per rule (0)</h2>\n<p class=\"none\">No findings.</p>\n</section>\n\n</main>\n</body>\n</html>\n",
		`data-total="clients">0<`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
