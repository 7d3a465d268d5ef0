package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// Format is an output format.
type Format string

const (
	HTML     Format = "html"
	CSV      Format = "csv"
	Markdown Format = "md"
	JSONL    Format = "jsonl"
)

// Formats lists the formats in the order the documentation gives them.
var Formats = []Format{HTML, CSV, Markdown, JSONL}

// ParseFormat reads a format name ("markdown" is accepted for md).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case HTML, CSV, Markdown, JSONL:
		return f, nil
	case "markdown":
		return Markdown, nil
	}
	return "", fmt.Errorf("unknown format %q (want html, csv, md or jsonl)", s)
}

// Ext is the file extension of the format, without the dot.
func (f Format) Ext() string { return string(f) }

// Write renders d in format f at now (see Summarize).
func Write(w io.Writer, f Format, d Data, now time.Time) error {
	switch f {
	case JSONL:
		return WriteJSONL(w, d.Clients)
	case CSV:
		return WriteCSV(w, d.Clients)
	case Markdown:
		return WriteMarkdown(w, Summarize(d, now))
	case HTML:
		return WriteHTML(w, Summarize(d, now))
	}
	return fmt.Errorf("unknown format %q", f)
}

// WriteJSONL writes one outcome per line, as the functions log them.
func WriteJSONL(w io.Writer, outcomes []reconcile.Outcome) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, o := range outcomes {
		if err := enc.Encode(o); err != nil {
			return fmt.Errorf("write jsonl: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write jsonl: %w", err)
	}
	return nil
}

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{
	"userPoolId", "clientId", "clientName", "outcome", "reason",
	"rule", "field", "action", "fixable", "exempted", "current", "required", "fix", "findingReason",
}

// WriteCSV writes one row per finding (exempted findings included, marked)
// and one row with empty finding columns for a client without any.
func WriteCSV(w io.Writer, outcomes []reconcile.Outcome) error {
	cw := csv.NewWriter(w)
	writeCSVHeader(cw)
	for _, o := range outcomes {
		writeCSVRows(cw, o)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// csvRow writes one row, defused; the csv.Writer's error is sticky and
// checked by the caller.
func csvRow(cw *csv.Writer, cells ...string) {
	for i, c := range cells {
		cells[i] = defuse(c)
	}
	_ = cw.Write(cells)
}

func writeCSVHeader(cw *csv.Writer) { csvRow(cw, append([]string(nil), CSVHeader...)...) }

// writeCSVRows writes the rows of one outcome.
func writeCSVRows(cw *csv.Writer, o reconcile.Outcome) {
	head := []string{o.UserPoolID, o.ClientID, o.ClientName, string(o.Status), o.Reason}
	if len(o.Findings)+len(o.Exempted) == 0 {
		csvRow(cw, append(head, "", "", "", "", "", "", "", "", "")...)
		return
	}
	all := append(o.Findings[:len(o.Findings):len(o.Findings)], o.Exempted...)
	for i, f := range all {
		csvRow(cw, append(append([]string(nil), head...),
			f.Rule, f.Field, string(f.Action), strconv.FormatBool(f.Fixable), strconv.FormatBool(i >= len(o.Findings)),
			Value(f.Current), f.Required, Value(f.Fix), f.Reason)...)
	}
}

// defuse keeps a spreadsheet from evaluating a cell as a formula: a client
// name such as "=HYPERLINK(...)" is valid in Cognito.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
