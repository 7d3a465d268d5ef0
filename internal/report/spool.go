package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
)

// MaxAttention is the most clients that need attention a streamed page
// lists, most urgent first; the JSON Lines and CSV files list every client.
// A page of a thousand clients with their findings is about 1.5 MB and
// still opens quickly.
const MaxAttention = 1000

// The files a Spool writes in its directory.
const (
	JSONLFile   = "clients.jsonl"
	CSVFile     = "clients.csv"
	HTMLFile    = "report.html"
	SummaryFile = "summary.json"
)

// ranks is the number of attention ranks (see attentionRank).
const ranks = 5

// Spool writes a report to files as outcomes arrive, so that its memory
// does not grow with the number of clients: each outcome is appended to
// the JSON Lines and CSV files and counted by an Aggregator; the clients
// that need attention are also appended to one file per rank (failed,
// unfixable, drift, remediated, expired exemption), at most MaxAttention
// each, from which Finish renders the page in order. It is safe for
// concurrent use.
type Spool struct {
	dir string

	mu    sync.Mutex
	agg   *Aggregator
	jsonl *spoolFile
	csv   *spoolFile
	cw    *csv.Writer
	rank  [ranks]*spoolFile
	nRank [ranks]int
	err   error
	done  bool
}

type spoolFile struct {
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
}

func createSpoolFile(path string) (*spoolFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &spoolFile{f: f, w: w, enc: enc}, nil
}

func (f *spoolFile) close() error {
	if f == nil {
		return nil
	}
	err := f.w.Flush()
	return errors.Join(err, f.f.Close())
}

// NewSpool starts a report in dir (which must exist and is not removed),
// reporting at now (see Summarize).
func NewSpool(dir string, now time.Time) (*Spool, error) {
	s := &Spool{dir: dir, agg: NewAggregator(now)}
	var err error
	if s.jsonl, err = createSpoolFile(filepath.Join(dir, JSONLFile)); err != nil {
		return nil, fmt.Errorf("report spool: %w", err)
	}
	if s.csv, err = createSpoolFile(filepath.Join(dir, CSVFile)); err != nil {
		s.Close()
		return nil, fmt.Errorf("report spool: %w", err)
	}
	s.cw = csv.NewWriter(s.csv.w)
	writeCSVHeader(s.cw)
	for i := range s.rank {
		if s.rank[i], err = createSpoolFile(filepath.Join(dir, fmt.Sprintf("attention-%d.jsonl", i))); err != nil {
			s.Close()
			return nil, fmt.Errorf("report spool: %w", err)
		}
	}
	return s, nil
}

// Path returns the path of one of the spool's files (JSONLFile, ...).
func (s *Spool) Path(name string) string { return filepath.Join(s.dir, name) }

// Add appends one outcome. A write error is kept and returned by Finish;
// the outcomes after it are still counted.
func (s *Spool) Add(o reconcile.Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		s.setErr(errors.New("report spool: Add after Finish"))
		return
	}
	s.agg.Add(o)
	if s.err != nil {
		return
	}
	s.setErr(s.jsonl.enc.Encode(o))
	writeCSVRows(s.cw, o)
	s.setErr(s.cw.Error())
	if NeedsAttention(o) {
		if r := attentionRank(o.Status); s.nRank[r] < MaxAttention {
			s.nRank[r]++
			s.setErr(s.rank[r].enc.Encode(o))
		}
	}
}

// AddPending and AddPoolErrors record clients left for later and pools not
// listed (see Aggregator).
func (s *Spool) AddPending(ps ...Pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.agg.AddPending(ps...)
}

func (s *Spool) AddPoolErrors(es ...PoolError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.agg.AddPoolErrors(es...)
}

func (s *Spool) setErr(err error) {
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("report spool: %w", err)
	}
}

// Finish completes the files: it flushes the JSON Lines and CSV files and
// writes the page (HTMLFile) and the summary as JSON (SummaryFile). The
// Summary it returns has no Attention list (the page has it).
func (s *Spool) Finish(startedAt time.Time, complete, dryRun bool) (Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return Summary{}, errors.New("report spool: Finish called twice")
	}
	s.done = true
	s.cw.Flush()
	s.setErr(s.cw.Error())
	s.setErr(s.jsonl.close())
	s.setErr(s.csv.close())
	s.jsonl, s.csv = nil, nil
	for i := range s.rank {
		s.setErr(s.rank[i].close())
		s.rank[i] = nil
	}
	sum := s.agg.Summary(startedAt, complete, dryRun, nil)
	sum.AttentionShown = min(sum.AttentionTotal, MaxAttention)
	if s.err != nil {
		return sum, s.err
	}
	if err := s.writeHTML(sum); err != nil {
		return sum, err
	}
	if err := writeJSONFile(s.Path(SummaryFile), sum); err != nil {
		return sum, err
	}
	return sum, nil
}

func (s *Spool) writeHTML(sum Summary) error {
	f, err := os.Create(s.Path(HTMLFile))
	if err != nil {
		return fmt.Errorf("report spool: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	shown := 0
	err = WriteHTMLStream(w, sum, func(fn func(reconcile.Outcome) error) error {
		for i := range ranks {
			if shown >= sum.AttentionShown {
				return nil
			}
			err := readJSONLFile(s.Path(fmt.Sprintf("attention-%d.jsonl", i)), func(o reconcile.Outcome) error {
				if shown >= sum.AttentionShown {
					return errEnough
				}
				shown++
				return fn(o)
			})
			if err != nil && !errors.Is(err, errEnough) {
				return err
			}
		}
		return nil
	})
	err = errors.Join(err, w.Flush(), f.Close())
	if err != nil {
		return fmt.Errorf("report spool: %w", err)
	}
	return nil
}

// Close releases the spool's open files (after an error; Finish closes
// them itself). The files stay in the directory.
func (s *Spool) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	_ = s.jsonl.close()
	_ = s.csv.close()
	for i := range s.rank {
		_ = s.rank[i].close()
	}
	s.jsonl, s.csv, s.rank = nil, nil, [ranks]*spoolFile{}
}

var errEnough = errors.New("enough")

func readJSONLFile(path string, fn func(reconcile.Outcome) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadJSONL(f, fn)
}

// ReadJSONL calls fn for each outcome of JSON Lines read from r (the
// format WriteJSONL and the Spool write), holding one at a time.
func ReadJSONL(r io.Reader, fn func(reconcile.Outcome) error) error {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	for n := 1; ; n++ {
		var o reconcile.Outcome
		if err := dec.Decode(&o); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("json lines: outcome %d: %w", n, err)
		}
		if err := fn(o); err != nil {
			return err
		}
	}
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		err = os.WriteFile(path, append(b, '\n'), 0o644)
	}
	if err != nil {
		return fmt.Errorf("report spool: %w", err)
	}
	return nil
}
