// Package baseline loads the baseline document from SSM Parameter Store and
// keeps it across warm invocations for a TTL.
//
// It fails closed: a missing, unreadable or invalid parameter is an error,
// never an empty or stale baseline, so nothing is written on a guess.
package baseline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// GetParameterAPI is the one SSM call the loader makes.
type GetParameterAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Loader reads and caches one baseline parameter. It is safe for concurrent use.
type Loader struct {
	api  GetParameterAPI
	name string
	ttl  time.Duration
	now  func() time.Time

	mu       sync.Mutex
	cached   *policy.Baseline
	version  int64
	fetched  time.Time
	versions []loaded // the last parsed baselines, newest last
}

// NewLoader returns a loader for the parameter name. A ttl of 0 reads SSM
// on every Load; now defaults to time.Now.
func NewLoader(api GetParameterAPI, name string, ttl time.Duration, now func() time.Time) *Loader {
	if now == nil {
		now = time.Now
	}
	return &Loader{api: api, name: name, ttl: ttl, now: now}
}

// Load returns the baseline, from cache while it is younger than the TTL.
func (l *Loader) Load(ctx context.Context) (*policy.Baseline, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cached != nil && l.ttl > 0 && l.now().Sub(l.fetched) < l.ttl {
		return l.cached, nil
	}
	return l.fetchLocked(ctx)
}

// Current reads the parameter's version from SSM now, whatever the TTL (one
// GetParameter), and returns the current baseline and its version: the
// cached one when the version is unchanged, else the new version, parsed
// and cached. Call it right before a write, so that a warm container
// holding an older baseline cannot undo a fix made under the new one.
func (l *Loader) Current(ctx context.Context) (*policy.Baseline, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := l.fetchLocked(ctx)
	if err != nil {
		return nil, 0, err
	}
	return b, l.version, nil
}

// Version returns the parameter version b was parsed from, 0 when b did not
// come from this loader (or is older than the last few versions it loaded).
func (l *Loader) Version(b *policy.Baseline) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range l.versions {
		if v.b == b {
			return v.version
		}
	}
	return 0
}

// keptVersions bounds how many parsed baselines Version remembers: callers
// may still hold a baseline loaded before the latest reload.
const keptVersions = 4

type loaded struct {
	b       *policy.Baseline
	version int64
}

func (l *Loader) fetchLocked(ctx context.Context) (*policy.Baseline, error) {
	out, err := l.api.GetParameter(ctx, &ssm.GetParameterInput{
		Name:           aws.String(l.name),
		WithDecryption: aws.Bool(true), // SecureString baselines; ignored for String
	})
	if err != nil {
		var nf *types.ParameterNotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("baseline parameter %q not found: %w", l.name, err)
		}
		return nil, fmt.Errorf("read baseline parameter %q: %w", l.name, err)
	}
	if out.Parameter == nil || out.Parameter.Value == nil {
		return nil, fmt.Errorf("baseline parameter %q has no value", l.name)
	}
	// Parse only when the parameter changed; a warm function re-reads SSM
	// once per TTL but keeps the parsed rules if the version is the same.
	if l.cached != nil && out.Parameter.Version == l.version {
		l.fetched = l.now()
		return l.cached, nil
	}
	b, err := policy.Parse([]byte(aws.ToString(out.Parameter.Value)))
	if err != nil {
		return nil, fmt.Errorf("baseline parameter %q (version %d) is invalid: %w", l.name, out.Parameter.Version, err)
	}
	l.cached, l.version, l.fetched = b, out.Parameter.Version, l.now()
	l.versions = append(l.versions, loaded{b: b, version: l.version})
	if len(l.versions) > keptVersions {
		l.versions = l.versions[len(l.versions)-keptVersions:]
	}
	return b, nil
}
