package emulator

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Request-rate quotas from https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html: each
// category has an account+Region RPS shared by its operations, and the
// client categories also cap each operation at 5 RPS per user pool.
// SSM's Get* operations share 40 TPS (default throughput).
var opCategory = map[string]string{
	"ListUserPools":          "UserPoolRead",
	"DescribeUserPool":       "UserPoolRead",
	"ListUserPoolClients":    "UserPoolClientRead",
	"DescribeUserPoolClient": "UserPoolClientRead",
	"UpdateUserPoolClient":   "UserPoolClientUpdate",
	"CreateUserPoolClient":   "UserPoolClientUpdate",
	"DeleteUserPoolClient":   "UserPoolClientUpdate",
	"GetParameter":           "SSMGet",
	"GetParameters":          "SSMGet",
	"GetParametersByPath":    "SSMGet",
}

var categoryRPS = map[string]float64{
	"UserPoolRead":         15,
	"UserPoolClientRead":   15,
	"UserPoolClientUpdate": 15,
	"SSMGet":               40,
}

// perPoolCategories are the categories with the "5 RPS for a single user
// pool" per-operation constraint (quotas page, footnote 3).
var perPoolCategories = map[string]bool{
	"UserPoolClientRead":   true,
	"UserPoolClientUpdate": true,
}

const perPoolRPS = 5

// burst keeps buckets small, so a caller pacing itself at exactly the limit
// passes (arrival jitter is absorbed) while a real burst is throttled.
func burst(rps float64) int {
	if b := int(rps / 5); b > 2 {
		return b
	}
	return 2
}

type quotaSet struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newQuotaSet() *quotaSet {
	return &quotaSet{limiters: make(map[string]*rate.Limiter)}
}

func (q *quotaSet) limiter(key string, rps float64) *rate.Limiter {
	l, ok := q.limiters[key]
	if !ok {
		l = rate.NewLimiter(rate.Limit(rps), burst(rps))
		q.limiters[key] = l
	}
	return l
}

// allow takes a token from the per-pool bucket and then from the account
// bucket; a throttled request does not consume account capacity.
func (q *quotaSet) allow(op, poolID string, now time.Time) *apiError {
	cat, ok := opCategory[op]
	if !ok {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	throttled := errf("TooManyRequestsException", "Too many requests")
	if cat == "SSMGet" {
		throttled = errf("ThrottlingException", "Rate exceeded")
	}
	if perPoolCategories[cat] && poolID != "" {
		if !q.limiter(op+"\x00"+poolID, perPoolRPS).AllowN(now, 1) {
			return throttled
		}
	}
	if !q.limiter(cat, categoryRPS[cat]).AllowN(now, 1) {
		return throttled
	}
	return nil
}
