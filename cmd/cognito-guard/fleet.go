package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// Fleet is what reading the fleet found besides the clients.
type Fleet struct {
	Region  string `json:"region"`
	Pools   int    `json:"pools"`
	Clients int    `json:"clients"`
	// Gone are the pools and clients (pool/client) that were not found:
	// deleted while reading, or a --pools entry that names no pool.
	Gone []string `json:"gone,omitempty"`
}

// workers is how many describes are in flight: enough for the pacer's
// account share, not the per-pool cap, to be the limit when the fleet has
// several pools.
const workers = 8

// progressEvery is how often progress goes to stderr.
const progressEvery = 2 * time.Second

type ref struct{ pool, client string }

// readFleet lists the pools (or takes the given ones), lists their
// clients, and describes each, read-only. fn is called for every described
// client from one goroutine, in no particular order. Progress (clients
// done of total, time left) goes to progress unless it is nil.
func (a *app) readFleet(ctx context.Context, cl *appclient.Client, region string, pools []string, progress io.Writer,
	fn func(*types.UserPoolClientType)) (Fleet, error) {
	fl := Fleet{Region: region}
	prog := &progressLine{w: progress, now: a.now, last: a.now()}
	if len(pools) == 0 {
		err := cl.PoolPages(ctx, "", func(ps []types.UserPoolDescriptionType, _ string) error {
			for _, p := range ps {
				pools = append(pools, aws.ToString(p.Id))
			}
			prog.maybe("listed %d pools", len(pools))
			return nil
		})
		if err != nil {
			return fl, explain(err)
		}
	}
	byPool := make([][]ref, 0, len(pools))
	for _, p := range pools {
		var refs []ref
		err := cl.ClientPages(ctx, p, "", func(cs []types.UserPoolClientDescription, _ string) error {
			for _, c := range cs {
				refs = append(refs, ref{p, aws.ToString(c.ClientId)})
			}
			prog.maybe("listed %d clients in %d of %d pools", fl.Clients+len(refs), fl.Pools+1, len(pools))
			return nil
		})
		if err != nil {
			if appclient.Classify(err) == appclient.NotFound {
				fl.Gone = append(fl.Gone, p)
				continue
			}
			return fl, explain(err)
		}
		fl.Pools++
		fl.Clients += len(refs)
		byPool = append(byPool, refs)
	}
	refs := interleave(byPool)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan ref)
	type result struct {
		ref ref
		c   *types.UserPoolClientType
		err error
	}
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(workers, max(len(refs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				c, err := cl.Describe(ctx, r.pool, r.client)
				select {
				case results <- result{r, c, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, r := range refs {
			select {
			case jobs <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	start, done := a.now(), 0
	for res := range results {
		switch {
		case res.err == nil:
			fn(res.c)
		case appclient.Classify(res.err) == appclient.NotFound:
			fl.Gone = append(fl.Gone, res.ref.pool+"/"+res.ref.client)
		default:
			cancel(res.err)
			for range results { // let the workers finish
			}
			return fl, explain(res.err)
		}
		done++
		if elapsed := a.now().Sub(start); done < len(refs) {
			left := time.Duration(float64(elapsed) / float64(done) * float64(len(refs)-done)).Round(time.Second)
			prog.maybe("described %d of %d clients, about %s left", done, len(refs), left)
		}
	}
	if err := context.Cause(ctx); err != nil {
		return fl, err
	}
	return fl, nil
}

// interleave takes one client of each pool in turn, so that the describes
// in flight are spread over the pools: Cognito caps each pool at 5 per
// second, and clients taken pool by pool would hold the plan to that cap
// whatever the account share (300 clients in 10 pools at --rate 15: 47 s
// pool by pool, 21 s interleaved).
func interleave(byPool [][]ref) []ref {
	var out []ref
	for i := 0; ; i++ {
		n := len(out)
		for _, refs := range byPool {
			if i < len(refs) {
				out = append(out, refs[i])
			}
		}
		if len(out) == n {
			return out
		}
	}
}

// progressLine writes a progress line at most every progressEvery.
type progressLine struct {
	w    io.Writer
	now  func() time.Time
	last time.Time
}

func (p *progressLine) maybe(format string, args ...any) {
	if p.w == nil {
		return
	}
	if now := p.now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprintf(p.w, "cognito-guard: "+format+"\n", args...)
	}
}
