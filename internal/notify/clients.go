package notify

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/awsreq"
	"github.com/cognito-guard/cognito-guard/internal/notify/common"
)

// The two operations the notifier calls are sent as signed HTTP requests
// (package awsreq) rather than through the SDK's EventBridge and SNS
// clients: both functions link this package, and those clients (their
// schemas, endpoint rules and serializers for every operation of the
// service) added about 2 MB to each binary and several milliseconds of
// package init to every cold start. Endpoint, Region, credentials and
// retries come from the aws.Config as the SDK clients take them.

// EventEntry is a PutEvents request entry (PutEventsRequestEntry); empty
// fields are left out.
type EventEntry struct {
	Source       string
	DetailType   string
	Detail       string
	EventBusName string
	Resources    []string
	Time         time.Time
}

// PutEventsOutput is PutEvents' answer: one result per entry, in request
// order; a rejected entry has an ErrorCode.
type PutEventsOutput struct {
	FailedEntryCount int
	Entries          []EventResult
}

// EventResult is a PutEvents result entry (PutEventsResultEntry).
type EventResult struct {
	EventID, ErrorCode, ErrorMessage string
}

// PublishInput is an SNS Publish request; each attribute is a message
// attribute of data type String.
type PublishInput struct {
	TopicARN, Subject, Message string
	Attributes                 map[string]string
}

// EventBridge calls PutEvents over HTTP.
type EventBridge struct{ c *awsreq.Client }

// NewEventBridge returns an EventBridge client configured from cfg like
// eventbridge.NewFromConfig(cfg): endpoint (awsreq.ResolveEndpoint, with
// AWS_ENDPOINT_URL_EVENTBRIDGE), Region, credentials, HTTP client, retries.
func NewEventBridge(cfg aws.Config) *EventBridge {
	return &EventBridge{awsreq.New(cfg, awsreq.EventBridge)}
}

// PutEvents sends entries (at most 10) in one PutEvents call. Protocol
// AWS JSON 1.1: POST / with X-Amz-Target AWSEvents.PutEvents and the
// input as JSON; timestamps are epoch seconds
// (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html,
// https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html).
func (e *EventBridge) PutEvents(ctx context.Context, entries []EventEntry) (*PutEventsOutput, error) {
	type wireEntry struct {
		Source       string   `json:"Source,omitempty"`
		Resources    []string `json:"Resources,omitempty"`
		DetailType   string   `json:"DetailType,omitempty"`
		Detail       string   `json:"Detail,omitempty"`
		EventBusName string   `json:"EventBusName,omitempty"`
		Time         *float64 `json:"Time,omitempty"`
	}
	in := struct {
		Entries []wireEntry `json:"Entries"`
	}{Entries: make([]wireEntry, 0, len(entries))}
	for _, en := range entries {
		w := wireEntry{Source: en.Source, Resources: en.Resources, DetailType: en.DetailType, Detail: en.Detail, EventBusName: en.EventBusName}
		if !en.Time.IsZero() {
			// Epoch seconds with millisecond precision, as the SDK writes them.
			t := float64(en.Time.UnixMilli()) / 1e3
			w.Time = &t
		}
		in.Entries = append(in.Entries, w)
	}
	body, err := common.EncodeRawJSON(in, false) // the SDK's encoder does not escape <, > and & either
	if err != nil {
		return nil, fmt.Errorf("events PutEvents: %w", err)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amz-Target", "AWSEvents.PutEvents")
	resp, err := e.c.Do(ctx, awsreq.Request{Op: "PutEvents", Header: h, Body: body, Error: awsreq.JSONError})
	if err != nil {
		return nil, err
	}
	var out struct {
		FailedEntryCount int
		Entries          []struct{ EventId, ErrorCode, ErrorMessage string }
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return nil, fmt.Errorf("events PutEvents: response: %w", err)
	}
	res := &PutEventsOutput{FailedEntryCount: out.FailedEntryCount, Entries: make([]EventResult, len(out.Entries))}
	for i, r := range out.Entries {
		res.Entries[i] = EventResult{EventID: r.EventId, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage}
	}
	return res, nil
}

// SNS calls Publish over HTTP.
type SNS struct{ c *awsreq.Client }

// NewSNS returns an SNS client configured from cfg like sns.NewFromConfig(cfg)
// (endpoint with AWS_ENDPOINT_URL_SNS; see NewEventBridge).
func NewSNS(cfg aws.Config) *SNS { return &SNS{awsreq.New(cfg, awsreq.SNS)} }

// Publish sends one message and returns its ID. Protocol AWS Query: POST /
// with the form Action=Publish&Version=2010-03-31&TopicArn=...&Message=...
// &Subject=...&MessageAttributes.entry.N.Name=...&MessageAttributes.entry.N.Value.DataType=String
// &MessageAttributes.entry.N.Value.StringValue=..., answered in XML
// (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html,
// https://docs.aws.amazon.com/sns/latest/api/Query_QueryPublish.html,
// https://smithy.io/2.0/aws/protocols/aws-query-protocol.html).
func (s *SNS) Publish(ctx context.Context, in PublishInput) (string, error) {
	form := url.Values{}
	form.Set("Action", "Publish")
	form.Set("Version", "2010-03-31")
	form.Set("TopicArn", in.TopicARN)
	form.Set("Message", in.Message)
	if in.Subject != "" {
		form.Set("Subject", in.Subject)
	}
	names := make([]string, 0, len(in.Attributes))
	for k := range in.Attributes {
		names = append(names, k)
	}
	slices.Sort(names)
	for i, k := range names {
		p := "MessageAttributes.entry." + strconv.Itoa(i+1) + "."
		form.Set(p+"Name", k)
		form.Set(p+"Value.DataType", "String")
		form.Set(p+"Value.StringValue", in.Attributes[k])
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.c.Do(ctx, awsreq.Request{Op: "Publish", Header: h, Body: []byte(form.Encode()), Error: awsreq.QueryError})
	if err != nil {
		return "", err
	}
	var out struct {
		MessageID string `xml:"PublishResult>MessageId"`
	}
	if err := xml.Unmarshal(resp, &out); err != nil {
		return "", fmt.Errorf("sns Publish: response: %w", err)
	}
	return out.MessageID, nil
}
