package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// The page is written by hand rather than with html/template: executing a
// template makes the linker keep every exported method of every type in
// the binary (text/template looks methods up by name at run time), which
// doubled the audit function's binary (15.6 to 29 MB). Every value goes
// through esc, which escapes as html/template does for text and quoted
// attributes; the golden file pins the output.

// pageHead is the page up to its title; pageStyle follows the title.
const pageHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
`

const pageStyle = `<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 8px}h3{font-size:14px;margin:0}
p.meta{color:#57606a;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;list-style:none;padding:0;margin:0}
.cards li{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 16px;min-width:120px}
.cards .n{display:block;font-size:24px;font-weight:600}
.cards .l{color:#57606a}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{padding:5px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.z{color:#8c959f}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;background:#eaeef2}
.failed,.unfixable{background:#ffebe9;color:#a40e26}.drift{background:#fff8c5;color:#7d4e00}
.remediated{background:#dafbe1;color:#116329}.compliant{background:#dafbe1;color:#116329}
.exempt,.skipped,.pending{background:#eaeef2;color:#424a53}
.client{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;margin:0 0 12px}
.client p{margin:6px 0}
.client table{margin-top:6px}
.none{color:#57606a}
</style>
</head>
<body>
<main>
`

// htmlEscaper escapes text and quoted attribute values: the characters
// html/template's htmlEscaper escapes, the same way.
var htmlEscaper = strings.NewReplacer(
	"\x00", "\uFFFD", `"`, "&#34;", "'", "&#39;", "&", "&amp;", "+", "&#43;", "<", "&lt;", ">", "&gt;",
)

func esc(s string) string { return htmlEscaper.Replace(s) }

// WriteHTML renders s as one self-contained HTML page: inline CSS, no
// script, nothing loaded from elsewhere.
func WriteHTML(w io.Writer, s Summary) error {
	// Render into a buffer so an error leaves no half page.
	var buf bytes.Buffer
	err := WriteHTMLStream(&buf, s, func(fn func(reconcile.Outcome) error) error {
		for _, o := range s.Attention {
			if err := fn(o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

// WriteHTMLStream renders the page of s to w as it goes, taking the clients
// that need attention from attention (which calls fn once per client, in
// the order to show, s.AttentionShown of them) instead of s.Attention. On
// error w holds part of a page: write to a file and discard it.
func WriteHTMLStream(w io.Writer, s Summary, attention func(fn func(reconcile.Outcome) error) error) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	writeHead(bw, s)
	err := attention(func(o reconcile.Outcome) error {
		writeClient(bw, o)
		return nil
	})
	if err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	writeTail(bw, s)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

// p writes to a bufio.Writer, whose error is sticky and returned by Flush.
func p(w *bufio.Writer, parts ...string) {
	for _, s := range parts {
		_, _ = w.WriteString(s)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func writeHead(w *bufio.Writer, s Summary) {
	p(w, pageHead, "<title>Cognito app client audit ", esc(s.GeneratedAt.UTC().Format(time.RFC3339)), "</title>\n", pageStyle)
	p(w, "<h1>Cognito app client audit</h1>\n<p class=\"meta\">", esc(headline(s)), "</p>\n\n")
	p(w, `<section id="totals" aria-labelledby="totals-h">
<h2 id="totals-h">Totals</h2>
<ul class="cards">
<li><span class="n" data-total="clients">`, itoa(s.Total), `</span><span class="l">clients</span></li>
<li><span class="n" data-total="attention">`, itoa(s.AttentionTotal), `</span><span class="l">need attention</span></li>
<li><span class="n" data-total="expiring">`, itoa(s.ExpiringTotal), `</span><span class="l">exemptions expiring within 30 days</span></li>
`)
	for _, c := range s.Outcomes {
		p(w, `<li><span class="n" data-total="`, esc(c.Status), `">`, itoa(c.N), `</span><span class="l">`, esc(c.Status), "</span></li>\n")
	}
	p(w, `</ul>
</section>

<section id="attention" aria-labelledby="attention-h">
<h2 id="attention-h">Clients that need attention (`, itoa(s.AttentionTotal), ")</h2>\n")
}

func writeClient(w *bufio.Writer, o reconcile.Outcome) {
	st := esc(string(o.Status))
	p(w, `<article class="client" data-pool="`, esc(o.UserPoolID), `" data-client="`, esc(o.ClientID), `" data-outcome="`, st, "\">\n")
	p(w, `<h3><span class="badge `, st, `">`, st, `</span> <code>`, esc(o.UserPoolID), `</code> / <code>`, esc(o.ClientID), `</code> `, esc(nameOr(o.ClientName)), "</h3>\n")
	if o.Reason != "" {
		p(w, "<p>", esc(o.Reason), "</p>")
	}
	p(w, "\n")
	if len(o.Findings) > 0 {
		p(w, "<table>\n<thead><tr><th>rule</th><th>current</th><th>required</th><th>action</th><th>fix or reason</th></tr></thead>\n<tbody>\n")
		for _, f := range o.Findings {
			p(w, "<tr><td><code>", esc(f.Rule), "</code></td><td><code>", esc(Value(f.Current)), "</code></td><td>", esc(f.Required),
				"</td><td>", esc(string(f.Action)), "</td><td>", esc(fixOrReason(f)), "</td></tr>\n")
		}
		p(w, "</tbody>\n</table>")
	}
	p(w, "\n")
	for _, e := range o.ExpiredExemptions {
		p(w, "<p>Expired exemption (", esc(fieldList(e.Fields)), ", ", esc(e.Expires.UTC().Format(time.DateOnly)), "): ", esc(e.Reason), "</p>\n")
	}
	p(w, "</article>\n")
}

// zero is the class of a cell holding 0.
func zero(n int) string {
	if n == 0 {
		return " z"
	}
	return ""
}

func writeTail(w *bufio.Writer, s Summary) {
	switch {
	case s.AttentionTotal == 0:
		p(w, "<p class=\"none\">None.</p>\n")
	case s.AttentionShown < s.AttentionTotal:
		more := itoa(s.AttentionTotal - s.AttentionShown)
		p(w, `<p class="more" data-omitted="`, more, `">`, more, " more clients need attention: the JSON Lines and CSV reports list every client.</p>\n")
	}
	p(w, `</section>

<section id="expiring" aria-labelledby="expiring-h">
<h2 id="expiring-h">Exemptions expiring within 30 days (`, itoa(s.ExpiringTotal), ")</h2>\n")
	if len(s.Expiring) > 0 {
		p(w, `<table>
<thead><tr><th>expires</th><th class="n">days left</th><th>pool</th><th>client</th><th>fields</th><th>reason</th></tr></thead>
<tbody>
`)
		for _, e := range s.Expiring {
			p(w, "<tr><td>", esc(e.Expires.UTC().Format(time.RFC3339)), `</td><td class="n">`, itoa(e.Days), "</td><td><code>", esc(e.UserPoolID),
				"</code></td><td><code>", esc(e.ClientID), "</code> ", esc(nameOr(e.ClientName)), "</td><td>", esc(fieldList(e.Fields)), "</td><td>", esc(e.Reason), "</td></tr>\n")
		}
		p(w, "</tbody>\n</table>")
		if len(s.Expiring) < s.ExpiringTotal {
			p(w, `<p class="more">`, itoa(s.ExpiringTotal), " in all; the ", itoa(len(s.Expiring)), " soonest are listed.</p>")
		}
	} else {
		p(w, `<p class="none">None.</p>`)
	}
	p(w, `
</section>

<section id="outcomes" aria-labelledby="outcomes-h">
<h2 id="outcomes-h">Per outcome</h2>
<table>
<thead><tr><th>outcome</th><th class="n">clients</th></tr></thead>
<tbody>
`)
	for _, c := range s.Outcomes {
		p(w, `<tr><td><span class="badge `, esc(c.Status), `">`, esc(c.Status), `</span></td><td class="n`, zero(c.N), `">`, itoa(c.N), "</td></tr>\n")
	}
	p(w, `</tbody>
</table>
</section>

<section id="pools" aria-labelledby="pools-h">
<h2 id="pools-h">Per pool (`, itoa(len(s.Pools)), `)</h2>
<table>
<thead><tr><th>pool</th><th class="n">clients</th>`)
	for _, st := range Statuses {
		p(w, `<th class="n">`, esc(st), "</th>")
	}
	p(w, "<th>error</th></tr></thead>\n<tbody>\n")
	for _, r := range s.Pools {
		p(w, "<tr><td><code>", esc(r.UserPoolID), `</code></td><td class="n">`, itoa(r.Total), "</td>")
		for _, st := range Statuses {
			n := r.N(st)
			p(w, `<td class="n`, zero(n), `">`, itoa(n), "</td>")
		}
		p(w, "<td>", esc(r.Error), "</td></tr>\n")
	}
	p(w, `</tbody>
</table>
</section>

<section id="rules" aria-labelledby="rules-h">
<h2 id="rules-h">Per rule (`, itoa(len(s.Rules)), ")</h2>\n")
	if len(s.Rules) > 0 {
		p(w, `<table>
<thead><tr><th>rule</th><th class="n">clients</th><th class="n">fixable</th><th class="n">unfixable</th><th class="n">report only</th><th class="n">exempted</th></tr></thead>
<tbody>
`)
		for _, r := range s.Rules {
			p(w, "<tr><td><code>", esc(r.Rule), `</code></td><td class="n">`, itoa(r.Clients), `</td><td class="n">`, itoa(r.Fixable), `</td><td class="n">`,
				itoa(r.Unfixable), `</td><td class="n">`, itoa(r.Report), `</td><td class="n">`, itoa(r.Exempted), "</td></tr>\n")
		}
		p(w, "</tbody>\n</table>")
	} else {
		p(w, `<p class="none">No findings.</p>`)
	}
	p(w, "\n</section>\n")
	if len(s.Pending) > 0 {
		p(w, `
<section id="pending" aria-labelledby="pending-h">
<h2 id="pending-h">Pending: left for a later run (`, itoa(len(s.Pending)), `)</h2>
<table>
<thead><tr><th>pool</th><th>client</th><th>reason</th></tr></thead>
<tbody>
`)
		for _, x := range s.Pending {
			p(w, "<tr><td><code>", esc(x.UserPoolID), "</code></td><td><code>", esc(x.ClientID), "</code></td><td>", esc(x.Reason), "</td></tr>\n")
		}
		p(w, "</tbody>\n</table>\n</section>\n")
	}
	if len(s.PoolErrors) > 0 {
		p(w, `
<section id="pool-errors" aria-labelledby="pool-errors-h">
<h2 id="pool-errors-h">Pools not listed (`, itoa(len(s.PoolErrors)), `)</h2>
<table>
<thead><tr><th>pool</th><th>outcome</th><th>reason</th></tr></thead>
<tbody>
`)
		for _, x := range s.PoolErrors {
			p(w, "<tr><td><code>", esc(x.UserPoolID), "</code></td><td>", esc(string(x.Outcome)), "</td><td>", esc(x.Reason), "</td></tr>\n")
		}
		p(w, "</tbody>\n</table>\n</section>\n")
	}
	p(w, "\n</main>\n</body>\n</html>\n")
}
