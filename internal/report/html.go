package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

//go:embed report.html.tmpl
var pageSource string

// page has three parts, so that the attention list can be streamed: head
// (up to the attention list's heading), client (one client that needs
// attention) and tail (the rest).
var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"value":       Value,
	"fixOrReason": func(f policy.Finding) string { return fixOrReason(f) },
	"name":        nameOr,
	"fields":      fieldList,
	"date":        func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"time":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"headline":    headline,
	"statuses":    func() []string { return Statuses },
	"more":        func(s Summary) int { return s.AttentionTotal - s.AttentionShown },
}).Parse(pageSource))

// WriteHTML renders s as one self-contained HTML page: inline CSS, no
// script, nothing loaded from elsewhere.
func WriteHTML(w io.Writer, s Summary) error {
	// Render into a buffer so a template error leaves no half page.
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
	if err := page.ExecuteTemplate(w, "head", s); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	err := attention(func(o reconcile.Outcome) error {
		return page.ExecuteTemplate(w, "client", o)
	})
	if err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if err := page.ExecuteTemplate(w, "tail", s); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}
