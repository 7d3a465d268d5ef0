package appclient

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// maxPage is the largest page both list operations accept (MaxResults 1–60;
// ListUserPools requires it).
const maxPage = 60

// PoolPages lists the user pools of the account and Region a page at a time,
// starting at startToken ("" for the first page) so that an interrupted
// sweep can resume. fn receives each page and the token of the page after it
// ("" after the last page). An error from fn stops the listing and is
// returned as is.
func (c *Client) PoolPages(ctx context.Context, startToken string, fn func(pools []types.UserPoolDescriptionType, next string) error) error {
	in := &cip.ListUserPoolsInput{MaxResults: aws.Int32(maxPage), NextToken: token(startToken)}
	p := cip.NewListUserPoolsPaginator(c.api, in)
	sent := startToken
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list user pools: %w", err)
		}
		next := aws.ToString(out.NextToken)
		if err := fn(out.UserPools, next); err != nil {
			return err
		}
		if err := checkProgress(sent, next); err != nil {
			return fmt.Errorf("list user pools: %w", err)
		}
		sent = next
	}
	return nil
}

// ClientPages lists the app clients of one pool like [Client.PoolPages].
// ListUserPoolClients returns only ClientId, ClientName and UserPoolId: each
// client needs its own [Client.Describe].
func (c *Client) ClientPages(ctx context.Context, userPoolID, startToken string, fn func(clients []types.UserPoolClientDescription, next string) error) error {
	in := &cip.ListUserPoolClientsInput{
		UserPoolId: aws.String(userPoolID),
		MaxResults: aws.Int32(maxPage),
		NextToken:  token(startToken),
	}
	p := cip.NewListUserPoolClientsPaginator(c.api, in)
	sent := startToken
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list user pool clients: %w", err)
		}
		next := aws.ToString(out.NextToken)
		if err := fn(out.UserPoolClients, next); err != nil {
			return err
		}
		if err := checkProgress(sent, next); err != nil {
			return fmt.Errorf("list user pool clients: %w", err)
		}
		sent = next
	}
	return nil
}

func token(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// checkProgress stops a listing whose service hands back the token it was
// given: the paginator would otherwise ask for the same page until the
// Lambda deadline. (The paginator's StopOnDuplicateToken would end the loop
// silently, reporting a partial sweep as complete.)
func checkProgress(sent, next string) error {
	if next != "" && next == sent {
		return fmt.Errorf("service returned the same NextToken again (%d characters)", len(next))
	}
	return nil
}
