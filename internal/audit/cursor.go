package audit

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// cursorVersion guards against resuming from a cursor of another layout.
const cursorVersion = 1

// Cursor is the work a sweep has left. It is handed out opaque (base64 of
// this JSON) because its layout is ours to change; only its round trip is
// a contract.
type Cursor struct {
	V     int         `json:"v"`
	Pools []PoolState `json:"pools"`
	// Sweep is the sweep the next run continues (absent in a cursor from
	// an older version: the next run then starts a new one).
	Sweep *SweepState `json:"sweep,omitempty"`
}

// SweepState names a sweep that spans several runs, so that their reports
// land in one set of S3 objects (ReportWriter).
type SweepState struct {
	// ID is the sweep's start (UTC, to the second) and 6 random hex
	// digits: 20261201T060000Z-0a1b2c. It is part of the report's S3 keys.
	ID string `json:"id"`
	// Started is when the sweep's first run started; its UTC date is the
	// date in the report's keys.
	Started time.Time `json:"started"`
	// Run is the number of runs done so far (the cursor's) or the number of
	// this run (1 for the first).
	Run int `json:"run"`
}

// sweepIDPattern is the form of SweepState.ID, compiled on first use, not
// at package init.
var sweepIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$`) })

// newSweep starts a sweep at now.
func newSweep(now time.Time) SweepState {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	now = now.UTC().Truncate(time.Second)
	return SweepState{ID: now.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]), Started: now, Run: 1}
}

// PoolState is how far the sweep got in one pool. A pool not yet started
// is just its ID.
//
// Resuming re-reads the page Token names and skips the clients in Done, so
// the pages need not be cut at the same place twice; Done holds client IDs,
// not a count, so a client deleted in between does not shift the rest.
type PoolState struct {
	ID string `json:"id"`
	// Token is the NextToken of the page being worked on ("" = first page).
	Token string `json:"token,omitempty"`
	// Done lists the clients of that page already evaluated or moved to
	// Retry.
	Done []string `json:"done,omitempty"`
	// Retry lists clients whose evaluation failed in a way a retry can fix.
	Retry []string `json:"retry,omitempty"`
	// Listed is set once every page has been read; only Retry is left.
	Listed bool `json:"listed,omitempty"`
}

func (p *PoolState) finished() bool { return p.Listed && len(p.Retry) == 0 }

// Encode returns the opaque form passed back as {"cursor": "..."}.
func (c Cursor) Encode() string {
	c.V = cursorVersion
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // only strings and bools: cannot fail
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by Encode.
func DecodeCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("cursor: not a cursor returned by the audit: %w", err)
	}
	var c Cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return Cursor{}, fmt.Errorf("cursor: not a cursor returned by the audit: %w", err)
	}
	if c.V != cursorVersion {
		return Cursor{}, fmt.Errorf("cursor: version %d, want %d", c.V, cursorVersion)
	}
	if c.Sweep != nil && (!sweepIDPattern().MatchString(c.Sweep.ID) || c.Sweep.Run < 1 || c.Sweep.Started.IsZero()) {
		return Cursor{}, fmt.Errorf("cursor: sweep %q (run %d): not a sweep started by the audit", c.Sweep.ID, c.Sweep.Run)
	}
	for i, p := range c.Pools {
		if !appclient.ValidPoolID(p.ID) {
			return Cursor{}, fmt.Errorf("cursor: pools[%d]: %q is not a user pool ID", i, p.ID)
		}
	}
	return c, nil
}
