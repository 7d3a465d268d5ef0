package appclient

import "github.com/cognito-guard/cognito-guard/internal/cognitoid"

// ValidPoolID reports whether id is a well-formed user pool ID: 1 to 55
// characters matching [\w-]+_[0-9a-zA-Z]+, as the UserPoolId parameter of
// the API reference says
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeUserPoolClient.html).
// The event parser (internal/trigger) checks with the same definition.
func ValidPoolID(id string) bool { return cognitoid.PoolID(id) }
