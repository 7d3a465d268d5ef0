package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/cognito-guard/cognito-guard/internal/reconcile"
	"github.com/cognito-guard/cognito-guard/internal/report"
	"github.com/cognito-guard/cognito-guard/internal/s3object"
)

// ObjectStore stores and reads whole objects of one bucket;
// *s3object.Client has it.
type ObjectStore interface {
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// ReportWriter writes the full per-client report of each sweep to S3 under
// one prefix per sweep, audit/YYYY/MM/DD/SWEEP_ID/ (the sweep's start date,
// UTC):
//
//	report.html    one self-contained page: totals, per outcome, per pool,
//	               per rule, the clients that need attention (the first
//	               report.MaxAttention, most urgent first) with findings and
//	               reasons, exemptions expiring within 30 days
//	clients.jsonl  one reconcile outcome per line, every client
//	clients.csv    one row per finding (report.CSVHeader)
//	summary.json   the page's numbers (report.Summary)
//
// A sweep that takes several runs (a Step Functions loop passing the
// cursor back) keeps its ID in the cursor. Each run but the last writes its
// outcomes as parts/NNNN.jsonl and its pool errors as parts/NNNN.json; the
// run that completes the sweep reads the parts back, one outcome at a time,
// and writes the four objects for the whole sweep. Parts stay until the
// bucket's lifecycle rule expires them.
//
// Memory does not grow with the number of clients: outcomes go to files
// in a temporary directory as they come (report.Spool), the page is
// rendered from those files, and each object is sent from its file. The
// directory takes about 0.4 KB of /tmp per client (twice that in the run
// that assembles a multi-run sweep; internal/audit/BENCH.md) and is
// removed when the invocation ends.
type ReportWriter struct {
	Store  ObjectStore
	Bucket string
	// TempDir is where the run's files go (os.TempDir() when empty).
	TempDir string
	// Now is the report's clock (time.Now when nil): exemptions expiring
	// within 30 days of it are listed.
	Now func() time.Time
}

// Objects says where a run's report went.
type Objects struct {
	Bucket string `json:"bucket"`
	// Prefix holds the sweep's objects.
	Prefix string `json:"prefix"`
	// HTML, JSONL, CSV and Summary are the keys of the sweep's report,
	// written by the run that completes it.
	HTML    string `json:"html,omitempty"`
	JSONL   string `json:"jsonl,omitempty"`
	CSV     string `json:"csv,omitempty"`
	Summary string `json:"summary,omitempty"`
	// Part is the key of this run's outcomes when the sweep goes on.
	Part string `json:"part,omitempty"`
	// Bytes is the size of each object written, by key.
	Bytes map[string]int64 `json:"bytes,omitempty"`
	// MissingParts are runs whose part could not be read when the report
	// was assembled; the report then says it is not complete.
	MissingParts []int `json:"missingParts,omitempty"`
	// Error says why the report is not (wholly) written.
	Error string `json:"error,omitempty"`
}

// partMeta is parts/NNNN.json: what a run found besides its outcomes.
type partMeta struct {
	Run        int                `json:"run"`
	StartedAt  time.Time          `json:"startedAt"`
	DurationMS int64              `json:"durationMs"`
	Counts     map[string]int     `json:"counts"`
	PoolErrors []report.PoolError `json:"poolErrors,omitempty"`
}

// Prefix returns the key prefix of a sweep's objects.
func Prefix(sw SweepState) string {
	return "audit/" + sw.Started.UTC().Format("2006/01/02") + "/" + sw.ID + "/"
}

// reportRun is one invocation's files; its methods do nothing on nil.
type reportRun struct {
	dir   string
	spool *report.Spool
	err   error
}

func (w *ReportWriter) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// start opens the run's spool; an error is kept for finish to report.
func (w *ReportWriter) start(now time.Time) *reportRun {
	dir, err := os.MkdirTemp(w.TempDir, "audit-report-")
	if err != nil {
		return &reportRun{err: fmt.Errorf("report files: %w", err)}
	}
	sp, err := report.NewSpool(dir, w.now())
	if err != nil {
		os.RemoveAll(dir)
		return &reportRun{err: err}
	}
	return &reportRun{dir: dir, spool: sp}
}

func (r *reportRun) add(o reconcile.Outcome) {
	if r != nil && r.spool != nil {
		r.spool.Add(o)
	}
}

func (r *reportRun) cleanup() {
	if r == nil || r.dir == "" {
		return
	}
	if r.spool != nil {
		r.spool.Close()
	}
	os.RemoveAll(r.dir)
}

// finish writes the run's part or, when the sweep is complete, the sweep's
// report.
func (w *ReportWriter) finish(ctx context.Context, r *reportRun, rep *Report) *Objects {
	objs := &Objects{Bucket: w.Bucket, Bytes: map[string]int64{}}
	if rep.Sweep == nil { // cannot happen: every run has a sweep
		objs.Error = "no sweep"
		return objs
	}
	sw := *rep.Sweep
	objs.Prefix = Prefix(sw)
	if err := w.write(ctx, r, rep, sw, objs); err != nil {
		objs.Error = err.Error()
	}
	return objs
}

func (w *ReportWriter) write(ctx context.Context, r *reportRun, rep *Report, sw SweepState, objs *Objects) error {
	if r.err != nil {
		return r.err
	}
	r.spool.AddPoolErrors(poolErrors(rep.PoolErrors)...)
	r.spool.AddPending(pending(rep.Pending)...)
	if _, err := r.spool.Finish(sw.Started, rep.Complete, rep.DryRun); err != nil {
		return err
	}
	if !rep.Complete {
		part := objs.Prefix + fmt.Sprintf("parts/%04d", sw.Run)
		meta := partMeta{Run: sw.Run, StartedAt: rep.StartedAt, DurationMS: rep.DurationMS, Counts: rep.Counts, PoolErrors: poolErrors(rep.PoolErrors)}
		if err := w.putJSON(ctx, part+".json", meta, objs); err != nil {
			return err
		}
		if err := w.putFile(ctx, part+".jsonl", r.spool.Path(report.JSONLFile), "application/x-ndjson", objs); err != nil {
			return err
		}
		objs.Part = part + ".jsonl"
		return nil
	}
	final := r.spool
	if sw.Run > 1 {
		// Assemble the sweep: earlier runs' parts, then this run's outcomes.
		dir, err := os.MkdirTemp(r.dir, "sweep-")
		if err != nil {
			return fmt.Errorf("report files: %w", err)
		}
		if final, err = report.NewSpool(dir, w.now()); err != nil {
			return err
		}
		defer final.Close()
		for run := 1; run < sw.Run; run++ {
			if err := w.readPart(ctx, objs.Prefix+fmt.Sprintf("parts/%04d", run), final); err != nil {
				if !errors.Is(err, s3object.ErrNotFound) {
					return err
				}
				objs.MissingParts = append(objs.MissingParts, run)
			}
		}
		if err := readLocal(r.spool.Path(report.JSONLFile), final.Add); err != nil {
			return err
		}
		final.AddPoolErrors(poolErrors(rep.PoolErrors)...)
		if _, err := final.Finish(sw.Started, len(objs.MissingParts) == 0, rep.DryRun); err != nil {
			return err
		}
	}
	for _, o := range []struct {
		file, ctype string
		key         *string
	}{
		{report.JSONLFile, "application/x-ndjson", &objs.JSONL},
		{report.CSVFile, "text/csv; charset=utf-8", &objs.CSV},
		{report.SummaryFile, "application/json", &objs.Summary},
		{report.HTMLFile, "text/html; charset=utf-8", &objs.HTML},
	} {
		key := objs.Prefix + o.file
		if err := w.putFile(ctx, key, final.Path(o.file), o.ctype, objs); err != nil {
			return err
		}
		*o.key = key
	}
	if len(objs.MissingParts) > 0 {
		return fmt.Errorf("the report lacks the outcomes of run(s) %v: their parts are not in the bucket", objs.MissingParts)
	}
	return nil
}

// readPart adds a run's part (meta and outcomes) to sp.
func (w *ReportWriter) readPart(ctx context.Context, part string, sp *report.Spool) error {
	body, err := w.Store.Get(ctx, part+".json")
	if err != nil {
		return err
	}
	var meta partMeta
	err = json.NewDecoder(io.LimitReader(body, 64<<20)).Decode(&meta)
	body.Close()
	if err != nil {
		return fmt.Errorf("read %s.json: %w", part, err)
	}
	sp.AddPoolErrors(meta.PoolErrors...)
	if body, err = w.Store.Get(ctx, part+".jsonl"); err != nil {
		return err
	}
	defer body.Close()
	if err := report.ReadJSONL(body, func(o reconcile.Outcome) error { sp.Add(o); return nil }); err != nil {
		return fmt.Errorf("read %s.jsonl: %w", part, err)
	}
	return nil
}

func readLocal(file string, add func(reconcile.Outcome)) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("report files: %w", err)
	}
	defer f.Close()
	return report.ReadJSONL(f, func(o reconcile.Outcome) error { add(o); return nil })
}

func (w *ReportWriter) putFile(ctx context.Context, key, file, ctype string, objs *Objects) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("report files: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("report files: %w", err)
	}
	if err := w.Store.Put(ctx, key, f, st.Size(), ctype); err != nil {
		return err
	}
	objs.Bytes[path.Base(key)] = st.Size()
	return nil
}

func (w *ReportWriter) putJSON(ctx context.Context, key string, v any, objs *Objects) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := w.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), "application/json"); err != nil {
		return err
	}
	objs.Bytes[path.Base(key)] = int64(len(b))
	return nil
}

func poolErrors(es []PoolError) []report.PoolError {
	out := make([]report.PoolError, len(es))
	for i, e := range es {
		out[i] = report.PoolError(e)
	}
	return out
}

func pending(ps []Pending) []report.Pending {
	out := make([]report.Pending, len(ps))
	for i, p := range ps {
		out[i] = report.Pending(p)
	}
	return out
}
