package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"value":       Value,
	"fixOrReason": func(f policy.Finding) string { return fixOrReason(f) },
	"name":        nameOr,
	"fields":      fieldList,
	"date":        func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"time":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"headline":    headline,
	"statuses":    func() []string { return Statuses },
}).Parse(pageSource))

// WriteHTML renders s as one self-contained HTML page: inline CSS, no
// script, nothing loaded from elsewhere.
func WriteHTML(w io.Writer, s Summary) error {
	// Render into a buffer so a template error leaves no half page.
	var buf bytes.Buffer
	if err := page.Execute(&buf, s); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}
