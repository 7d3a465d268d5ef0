package appclient

import (
	"regexp"
	"sync"
)

// poolIDPattern is UserPoolIdType's pattern in the Cognito API model,
// compiled on first use, not at package init.
var poolIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`) })

// ValidPoolID reports whether id is a well-formed user pool ID: 1 to 55
// characters matching [\w-]+_[0-9a-zA-Z]+, as the UserPoolId parameter of
// the API reference says
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeUserPoolClient.html).
func ValidPoolID(id string) bool {
	return len(id) >= 1 && len(id) <= 55 && poolIDPattern().MatchString(id)
}
