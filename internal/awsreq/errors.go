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
	if code == "" && message == "" {
		// Not JSON: an XML error from a proxy or an emulator.
		return xmlError(body)
	}
	return sanitizeCode(code), message, resp.Header.Get("X-Amzn-Requestid")
}

// RESTJSONError reads the error of an AWS REST-JSON (restJson1) answer as
// the SDK's generated deserializers do: the code from the X-Amzn-ErrorType
// header, else the body's code (any case), else its __type
// (aws/protocol/restjson.GetErrorInfo, which prefers code to __type), the
// namespace before '#' and anything after ':' dropped; the message from
// message (or Message)
// (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization).
// An answer that is not JSON is read as XML, as JSONError does.
func RESTJSONError(resp *http.Response, body []byte) (code, message, requestID string) {
	var e struct {
		Code    string // matches "code" and "Code"
		Type    string `json:"__type"`
		Message string // matches "message" and "Message"
	}
	_ = json.Unmarshal(body, &e)
	code = resp.Header.Get("X-Amzn-Errortype")
	if code == "" {
		code = e.Code
	}
	if code == "" {
		code = e.Type
	}
	if code == "" && e.Message == "" {
		return xmlError(body)
	}
	return sanitizeCode(code), e.Message, resp.Header.Get("X-Amzn-Requestid")
}

// xmlError reads <ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>,
// the same with <Errors> around <Error>, or <Error><Code/><Message/><RequestId/></Error>.
func xmlError(body []byte) (code, message, requestID string) {
	var e struct {
		XMLName   xml.Name
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
		Inner     struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
		Nested struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Errors>Error"`
	}
	if xml.Unmarshal(body, &e) != nil {
		return "", "", ""
	}
	if e.Inner.Code != "" {
		e.Code, e.Message = e.Inner.Code, e.Inner.Message
	} else if e.Nested.Code != "" {
		e.Code, e.Message = e.Nested.Code, e.Nested.Message
	}
	return strings.TrimSpace(e.Code), strings.TrimSpace(e.Message), strings.TrimSpace(e.RequestID)
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
	return xmlError(body)
}
