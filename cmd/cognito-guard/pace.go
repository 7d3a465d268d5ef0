package main

import (
	"fmt"

	// The pacer moves to pkg/appclient; only this file names its package.
	pacing "github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// pacer keeps the command's Cognito calls within its share of the
// account's quotas, exactly as the audit function does: every attempt
// (retries included) is paced per account and per pool, and the rate
// halves when Cognito still throttles.
type pacer = pacing.Pacer

// defaultRate is the command's share of the UserPoolClientRead budget
// (DescribeUserPoolClient + ListUserPoolClients, 15 requests per second per
// account and Region, shared with every other caller), the audit's default.
const defaultRate = 5

// newPacer returns a pacer for rate read requests per second. The command
// never writes; the update share is the smallest the pacer accepts.
func newPacer(rate float64) (*pacer, error) {
	p, err := pacing.NewPacer(pacing.Limits{
		Read:      rate,
		Update:    pacing.DefaultLimits.Update,
		Pool:      pacing.PoolRPS,
		ListPools: pacing.DefaultLimits.ListPools,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("--rate: %w", err)
	}
	return p, nil
}
