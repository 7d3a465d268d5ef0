package awsreq

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
)

// JSONError reads the error of an AWS JSON 1.0/1.1 or REST-JSON answer: the
// code from the X-Amzn-ErrorType header or the body's __type (or code), the
// namespace before '#' and anything after ':' dropped; the message from
// message (or Message)
// (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization).
func JSONError(resp *http.Response, body []byte) (code, message, requestID string) {
	var e struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(body, &e)
	code = resp.Header.Get("X-Amzn-Errortype")
	if code == "" {
		code = e.Type
	}
	if code == "" {
		code = e.Code
	}
	message = e.Message
	if message == "" {
		message = e.MessageU
	}
	return sanitizeCode(code), message, resp.Header.Get("X-Amzn-Requestid")
}

func sanitizeCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return strings.TrimSpace(code)
}

// QueryError reads the error of an AWS Query answer,
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
// (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#operation-error-serialization).
func QueryError(_ *http.Response, body []byte) (code, message, requestID string) {
	var e struct {
		Code      string `xml:"Error>Code"`
		Message   string `xml:"Error>Message"`
		RequestID string `xml:"RequestId"`
	}
	_ = xml.Unmarshal(body, &e)
	return strings.TrimSpace(e.Code), strings.TrimSpace(e.Message), strings.TrimSpace(e.RequestID)
}
