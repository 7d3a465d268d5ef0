package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// WriteMarkdown renders s as a Markdown document (GitHub tables).
func WriteMarkdown(w io.Writer, s Summary) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("# Cognito app client audit\n\n")
	p("%s\n\n", md(headline(s)))

	p("## Totals\n\n| clients | need attention | exemptions expiring within 30 days | pending | pools not listed |\n|---:|---:|---:|---:|---:|\n")
	p("| %d | %d | %d | %d | %d |\n\n", s.Total, s.AttentionTotal, s.ExpiringTotal, s.count("pending"), len(s.PoolErrors))

	p("## Per outcome\n\n| outcome | clients |\n|---|---:|\n")
	for _, c := range s.Outcomes {
		p("| %s | %d |\n", md(c.Status), c.N)
	}

	p("\n## Per pool\n\n| pool | clients |")
	for _, st := range Statuses {
		p(" %s |", st)
	}
	p(" error |\n|---|---:|%s---|\n", strings.Repeat("---:|", len(Statuses)))
	for _, r := range s.Pools {
		p("| %s | %d |", md(r.UserPoolID), r.Total)
		for _, st := range Statuses {
			p(" %d |", r.Counts[st])
		}
		p(" %s |\n", md(r.Error))
	}

	p("\n## Per rule\n\n")
	if len(s.Rules) == 0 {
		p("No findings.\n")
	} else {
		p("| rule | clients | fixable | unfixable | report only | exempted |\n|---|---:|---:|---:|---:|---:|\n")
		for _, r := range s.Rules {
			p("| %s | %d | %d | %d | %d | %d |\n", md(r.Rule), r.Clients, r.Fixable, r.Unfixable, r.Report, r.Exempted)
		}
	}

	p("\n## Clients that need attention\n\n")
	if len(s.Attention) == 0 {
		p("None.\n")
	}
	for _, o := range s.Attention {
		p("### %s / %s (%s): %s\n\n", md(o.UserPoolID), md(o.ClientID), md(nameOr(o.ClientName)), md(string(o.Status)))
		if o.Reason != "" {
			p("%s\n\n", md(o.Reason))
		}
		if len(o.Findings) > 0 {
			p("| rule | current | required | action | fix or reason |\n|---|---|---|---|---|\n")
			for _, f := range o.Findings {
				p("| %s | %s | %s | %s | %s |\n", md(f.Rule), md(Value(f.Current)), md(f.Required), md(string(f.Action)), md(fixOrReason(f)))
			}
			p("\n")
		}
		for _, e := range o.ExpiredExemptions {
			p("- expired exemption (%s, %s): %s\n", md(fieldList(e.Fields)), e.Expires.UTC().Format(time.DateOnly), md(e.Reason))
		}
		if len(o.ExpiredExemptions) > 0 {
			p("\n")
		}
	}

	p("\n## Exemptions expiring within 30 days\n\n")
	if len(s.Expiring) == 0 {
		p("None.\n")
	} else {
		p("| expires | days left | pool | client | fields | reason |\n|---|---:|---|---|---|---|\n")
		for _, e := range s.Expiring {
			p("| %s | %d | %s | %s (%s) | %s | %s |\n", e.Expires.Format(time.RFC3339), e.Days, md(e.UserPoolID),
				md(e.ClientID), md(nameOr(e.ClientName)), md(fieldList(e.Fields)), md(e.Reason))
		}
	}
	if len(s.Pending) > 0 {
		p("\n## Pending (left for a later run)\n\n| pool | client | reason |\n|---|---|---|\n")
		for _, x := range s.Pending {
			p("| %s | %s | %s |\n", md(x.UserPoolID), md(x.ClientID), md(x.Reason))
		}
	}
	if len(s.PoolErrors) > 0 {
		p("\n## Pools not listed\n\n| pool | outcome | reason |\n|---|---|---|\n")
		for _, x := range s.PoolErrors {
			p("| %s | %s | %s |\n", md(x.UserPoolID), md(string(x.Outcome)), md(x.Reason))
		}
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

func (s Summary) count(status string) int {
	for _, c := range s.Outcomes {
		if c.Status == status {
			return c.N
		}
	}
	return 0
}

func headline(s Summary) string {
	h := "Generated " + s.GeneratedAt.Format(time.RFC3339)
	if !s.StartedAt.IsZero() {
		h += "; sweep started " + s.StartedAt.UTC().Format(time.RFC3339)
	}
	if !s.Complete {
		h += "; the sweep is not complete (pools left for a later run)"
	}
	if s.DryRun {
		h += "; dry run: nothing was written"
	}
	if s.Listed < s.Total {
		h += fmt.Sprintf("; %d of %d clients are listed individually", s.Listed, s.Total)
	}
	return h + "."
}

func nameOr(s string) string {
	if s == "" {
		return "unnamed"
	}
	return s
}

func fieldList(fs []string) string {
	if len(fs) == 0 {
		return "all fields"
	}
	return strings.Join(fs, ", ")
}

func fixOrReason(f policy.Finding) string {
	var s string
	switch {
	case !f.Fixable:
		s = "no automatic fix: " + f.Reason
	case f.Fix == nil:
		s = "fix: clear"
	default:
		s = "fix: " + Value(f.Fix)
	}
	if f.Action == policy.Report {
		return "report only; " + s
	}
	return s
}

// md escapes a value for a Markdown table cell: pipes, line breaks, and
// the characters that would start HTML, emphasis, code or a link.
var mdEscaper = strings.NewReplacer(
	"|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "&", "&amp;",
	"`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "\\", `\\`,
)

func md(s string) string { return mdEscaper.Replace(s) }
