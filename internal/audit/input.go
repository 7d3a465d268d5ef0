package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cognito-guard/cognito-guard/pkg/appclient"
)

// Input is the audit payload. Both fields are optional; the zero Input
// sweeps every pool in the account and Region.
type Input struct {
	// UserPoolIDs limits the sweep to these pools, in this order.
	UserPoolIDs []string `json:"userPoolIds,omitempty"`
	// Cursor resumes a sweep a previous run could not finish.
	Cursor string `json:"cursor,omitempty"`
}

// scheduledEvent is the part of an EventBridge schedule event that tells it
// apart from a manual payload.
type scheduledEvent struct {
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
}

// ParseInput reads an invocation payload: empty, null, a scheduled
// EventBridge event (a full sweep), or a strict {"userPoolIds", "cursor"}
// object. Unknown keys are an error: a typo such as "userPoolId" must not
// silently widen the sweep to every pool.
func ParseInput(raw []byte) (Input, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return Input{}, nil
	}
	var ev scheduledEvent
	if err := json.Unmarshal(raw, &ev); err == nil && ev.Source == "aws.events" {
		if ev.DetailType != "Scheduled Event" {
			return Input{}, fmt.Errorf("parse input: EventBridge event with detail-type %q: only \"Scheduled Event\" starts a sweep", ev.DetailType)
		}
		return Input{}, nil
	}
	var in Input
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Input{}, fmt.Errorf("parse input: %w (want {\"userPoolIds\": [...], \"cursor\": \"...\"}, both optional)", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Input{}, fmt.Errorf("parse input: trailing data after the JSON object")
	}
	if err := in.validate(); err != nil {
		return Input{}, fmt.Errorf("parse input: %w", err)
	}
	return in, nil
}

func (in *Input) validate() error {
	if in.Cursor != "" && len(in.UserPoolIDs) > 0 {
		return fmt.Errorf("cursor and userPoolIds are mutually exclusive: the cursor already holds the pools left to do")
	}
	if in.Cursor != "" {
		if _, err := DecodeCursor(in.Cursor); err != nil {
			return err
		}
	}
	seen := make(map[string]bool, len(in.UserPoolIDs))
	ids := in.UserPoolIDs[:0:0]
	for i, id := range in.UserPoolIDs {
		if !appclient.ValidPoolID(id) {
			return fmt.Errorf("userPoolIds[%d]: %q is not a user pool ID", i, id)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if in.UserPoolIDs != nil {
		in.UserPoolIDs = ids
	}
	return nil
}
