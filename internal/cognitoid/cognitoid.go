// Package cognitoid is the one definition of the shapes of Cognito's identifiers that the
// application checks before it trusts or uses one: the user pool ID and the app client ID, as the
// Amazon Cognito user pools API reference gives them (the UserPoolId and ClientId request
// parameters,
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeUserPoolClient.html).
// pkg/appclient (ValidPoolID), internal/audit (through it) and internal/trigger all check with it.
//
// The tests are appclient's TestValidPoolID and trigger's: this package has no test binary of its
// own to link.
package cognitoid

import (
	"regexp"
	"sync"
)

// The API reference's patterns, anchored (its patterns match the whole value; Go's regexp matches
// anywhere unless anchored), compiled on first use rather than at package init.
var (
	poolIDPattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`) })
	clientIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+]+$`) })
)

// PoolID reports whether id is a well-formed user pool ID: 1 to 55 characters matching
// [\w-]+_[0-9a-zA-Z]+.
func PoolID(id string) bool {
	return len(id) >= 1 && len(id) <= 55 && poolIDPattern().MatchString(id)
}

// ClientID reports whether id is a well-formed app client ID: 1 to 128 characters matching [\w+]+.
func ClientID(id string) bool {
	return len(id) >= 1 && len(id) <= 128 && clientIDPattern().MatchString(id)
}
