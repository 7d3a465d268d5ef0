package trigger

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

var roleARNRegexp = regexp.MustCompile(roleARNPattern)

// roleARNCases are near misses of each part of the pattern.
var roleARNCases = []string{
	"arn:aws:iam::123456789012:role/cognito-guard-RemediateFunctionRole-1A2B3C",
	"arn:aws:iam::123456789012:role/service-role/path/name",
	"arn:aws-us-gov:iam::123456789012:role/name",
	"arn:aws-cn:iam::123456789012:role/a",
	"arn:aws-iso-b:iam::123456789012:role/x_+=,.@-y",
	"", "arn", "arn:aws", "arn:aws:", "arn:aws:iam", "arn:aws:iam::", "arn:AWS:iam::123456789012:role/a",
	"arn:aws1:iam::123456789012:role/a", "arn:aws_x:iam::123456789012:role/a", "xarn:aws:iam::123456789012:role/a",
	"arn:aws:iam:123456789012:role/a", "arn:aws:iam::12345678901:role/a", "arn:aws:iam::1234567890123:role/a",
	"arn:aws:iam::12345678901a:role/a", "arn:aws:iam::123456789012:role", "arn:aws:iam::123456789012:role/",
	"arn:aws:iam::123456789012:role//a", "arn:aws:iam::123456789012:role/a/", "arn:aws:iam::123456789012:role/a//b",
	"arn:aws:iam::123456789012:role/a b", "arn:aws:iam::123456789012:role/a\n", "arn:aws:iam::123456789012:role/é",
	"arn:aws:iam::123456789012:role/a\xff", "arn:aws:iam::123456789012:roles/a", "arn:aws:iam::123456789012:user/a",
	"arn:aws:iam::123456789012:role/" + strings.Repeat("a", 64),
	"arn:aws:iam::123456789012:role/" + strings.Repeat("a", 65),
	"arn:aws:iam::123456789012:role/" + strings.Repeat("p", 100) + "/" + strings.Repeat("a", 64),
	"arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/a",
}

// TestIsRoleARNIsThePattern: isRoleARN answers as the regular expression it
// replaces, on near misses of each part and on random edits of valid ARNs.
func TestIsRoleARNIsThePattern(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := isRoleARN(s), roleARNRegexp.MatchString(s); got != want {
			t.Errorf("isRoleARN(%q) = %v, the pattern says %v", s, got, want)
		}
	}
	for _, s := range roleARNCases {
		check(s)
	}
	const alphabet = "arnwsimolep:/-_+=,.@09aZ \x00é"
	rng := rand.New(rand.NewPCG(15, 15))
	for range 20000 {
		b := []byte(roleARNCases[rng.IntN(5)])
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(b) + 1)
			switch rng.IntN(3) {
			case 0: // insert
				b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
			case 1: // delete
				if i < len(b) {
					b = append(b[:i], b[i+1:]...)
				}
			default: // replace
				if i < len(b) {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
			}
		}
		check(string(b))
	}
}

// FuzzRoleARN: isRoleARN and the regular expression agree on any input.
// Explore with: go test ./internal/trigger -run '^$' -fuzz FuzzRoleARN -fuzztime 60s
func FuzzRoleARN(f *testing.F) {
	for _, s := range roleARNCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isRoleARN(s), roleARNRegexp.MatchString(s); got != want {
			t.Fatalf("isRoleARN(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
