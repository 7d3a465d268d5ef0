package appclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// A setting Cognito added after the bundled SDK was generated comes back in
// DescribeUserPoolClient's JSON, but the SDK drops it while decoding, so the
// full-field update would omit it and Cognito would reset it ("If you don't
// provide a value for an attribute, Amazon Cognito sets it to its default
// value", API reference, UpdateUserPoolClient;
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
// RefreshTokenRotation arrived this way in 2025. The reflection guard in
// updateinput.go covers members the SDK knows on one side only; this covers
// members it does not know at all.

// UnknownMembersError is returned by [Client.Describe], together with the
// client, when Cognito's response carries members of UserPoolClient that
// this build's SDK does not know. The client is complete as far as the SDK
// goes, but it must not be written: an update would reset those members.
type UnknownMembersError struct {
	// Members are the JSON member names, sorted.
	Members []string
}

func (e *UnknownMembersError) Error() string {
	return fmt.Sprintf("DescribeUserPoolClient returned %s unknown to this build's AWS SDK (%s): a full-field update would reset %s; upgrade cognito-guard",
		plural(len(e.Members), "a setting", "settings"), strings.Join(e.Members, ", "), plural(len(e.Members), "it", "them"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// knownMembers are the members of UserPoolClient the SDK decodes: the
// exported fields of types.UserPoolClientType, whose names are the JSON
// member names of the Smithy model (awsjson1.1 uses the member name as is).
var knownMembers = func() map[string]bool {
	t := reflect.TypeFor[types.UserPoolClientType]()
	m := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			m[f.Name] = true
		}
	}
	return m
}()

// unknownMembers returns the member names of body's UserPoolClient object
// that are not in knownMembers, sorted; nil when the body cannot be read as
// such an object (the SDK's own deserializer reports that).
func unknownMembers(body []byte) []string {
	var top struct {
		UserPoolClient map[string]json.RawMessage
	}
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	var out []string
	for k := range top.UserPoolClient {
		if !knownMembers[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

type unknownMembersKey struct{}

// captureUnknown is a deserialize middleware placed next to the transport:
// it reads the raw body of a successful response, gives the SDK's
// deserializer an identical copy, and records the unknown members in the
// result metadata.
type captureUnknown struct{}

func (captureUnknown) ID() string { return "cognito-guard/UnknownClientMembers" }

func (captureUnknown) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.Body == nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return out, md, err
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		// The deserializer would fail on the truncated body as well;
		// let it report the error in its own words.
		return out, md, err
	}
	if m := unknownMembers(body); len(m) > 0 {
		md.Set(unknownMembersKey{}, m)
	}
	return out, md, err
}

// withUnknownCapture adds captureUnknown to one call.
func withUnknownCapture(o *cip.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		// After: the end of the deserialize step, inside the operation's
		// deserializer, so the raw response reaches us first.
		return s.Deserialize.Add(captureUnknown{}, middleware.After)
	})
}

func unknownFrom(md middleware.Metadata) []string {
	m, _ := md.Get(unknownMembersKey{}).([]string)
	return m
}
