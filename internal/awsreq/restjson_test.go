package awsreq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/restjson"
)

// TestRESTJSONError: the code comes from X-Amzn-ErrorType when the header
// is there, else from the body's code, else from its __type, sanitized; the
// SDK's own REST-JSON error reading (restjson.GetErrorInfo and
// SanitizeErrorCode, as a generated deserializer combines them with the
// header) gives the same code for each answer.
func TestRESTJSONError(t *testing.T) {
	tests := []struct {
		name, header, body string
		wantCode, wantMsg  string
	}{
		{"header only", "LimitExceededException:http://internal.amazon.com/coral/com.amazonaws.securityhub/", `{"message":"slow down"}`, "LimitExceededException", "slow down"},
		{"header wins over the body", "InvalidAccessException", `{"__type":"InternalException","Code":"InternalException","Message":"no hub"}`, "InvalidAccessException", "no hub"},
		{"body code", "", `{"Code":"InvalidInputException","Message":"bad filter"}`, "InvalidInputException", "bad filter"},
		{"lower-case code", "", `{"code":"ResourceNotFoundException","message":"gone"}`, "ResourceNotFoundException", "gone"},
		{"code wins over __type", "", `{"__type":"com.amazonaws.securityhub#InternalException","code":"LimitExceededException"}`, "LimitExceededException", ""},
		{"__type with namespace", "", `{"__type":"com.amazonaws.securityhub#InvalidAccessException","message":"not subscribed"}`, "InvalidAccessException", "not subscribed"},
		{"empty body", "ThrottlingException", ``, "ThrottlingException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{}}
			if tt.header != "" {
				resp.Header.Set("X-Amzn-ErrorType", tt.header)
			}
			resp.Header.Set("X-Amzn-RequestId", "r-1")
			code, msg, id := RESTJSONError(resp, []byte(tt.body))
			if code != tt.wantCode || msg != tt.wantMsg || id != "r-1" {
				t.Errorf("got %q %q %q, want %q %q r-1", code, msg, id, tt.wantCode, tt.wantMsg)
			}
			// The SDK's reading of the same answer.
			sdk := restjson.SanitizeErrorCode(tt.header)
			if sdk == "" {
				jsonCode, _, err := restjson.GetErrorInfo(json.NewDecoder(strings.NewReader(tt.body)))
				if err != nil && !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				sdk = jsonCode
			}
			if code != sdk {
				t.Errorf("code %q, the SDK reads %q", code, sdk)
			}
		})
	}
	// An XML answer (a proxy, an emulator) is read as XML.
	code, msg, _ := RESTJSONError(&http.Response{Header: http.Header{}}, []byte(`<ErrorResponse><Error><Code>AccessDenied</Code><Message>x</Message></Error></ErrorResponse>`))
	if code != "AccessDenied" || msg != "x" {
		t.Errorf("XML: got %q %q", code, msg)
	}
}

// TestMethodAndPath: Request.Method and Path are sent as given, signed for
// the service's signing name.
func TestMethodAndPath(t *testing.T) {
	rec := newRecorder(t, status(200, "application/json", `{}`))
	c := New(testConfig(rec.srv.URL), SecurityHub)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	body := []byte(`{"FindingIdentifiers":[]}`)
	if _, err := c.Do(context.Background(), Request{Op: "BatchUpdateFindings", Method: http.MethodPatch, Path: "/findings/batchupdate", Header: h, Body: body, Error: RESTJSONError}); err != nil {
		t.Fatal(err)
	}
	r := rec.reqs[0]
	if r.Method != http.MethodPatch || r.URL.Path != "/findings/batchupdate" || !bytes.Equal(rec.bodies[0], body) {
		t.Errorf("%s %s %s", r.Method, r.URL.Path, rec.bodies[0])
	}
	if got := r.Header.Get("Authorization"); !strings.Contains(got, "/us-east-1/securityhub/aws4_request") {
		t.Errorf("Authorization %q: not signed for securityhub", got)
	}
	if got := r.Header.Get("User-Agent"); !strings.HasSuffix(got, "api/securityhub") {
		t.Errorf("User-Agent %q", got)
	}
}
