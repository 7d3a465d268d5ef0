package audit

import (
	"os"
	"strings"
	"testing"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

func TestParseInput(t *testing.T) {
	scheduled, err := os.ReadFile("../../events/scheduled-event.json")
	if err != nil {
		t.Fatal(err)
	}
	cursor := Cursor{Pools: []PoolState{{ID: "us-east-1_A", Token: "t", Done: []string{"c1"}}}}.Encode()
	// UserPoolId is at most 55 characters (API reference); 56 here, in the
	// pattern otherwise.
	long := "us-east-1_" + strings.Repeat("a", 46)
	longCursor := Cursor{Pools: []PoolState{{ID: long}}}.Encode()
	for _, tc := range []struct {
		name    string
		raw     string
		want    Input
		wantErr string
	}{
		{name: "empty", raw: ""},
		{name: "null", raw: "null"},
		{name: "empty object", raw: "{}"},
		{name: "scheduled event", raw: string(scheduled)},
		{name: "pools", raw: `{"userPoolIds": ["us-east-1_B", "us-east-1_A", "us-east-1_B"]}`,
			want: Input{UserPoolIDs: []string{"us-east-1_B", "us-east-1_A"}}},
		{name: "cursor", raw: `{"cursor": "` + cursor + `"}`, want: Input{Cursor: cursor}},
		{name: "unknown key", raw: `{"userPoolId": "us-east-1_A"}`, wantErr: `unknown field "userPoolId"`},
		{name: "both", raw: `{"userPoolIds": ["us-east-1_A"], "cursor": "` + cursor + `"}`, wantErr: "mutually exclusive"},
		{name: "bad pool id", raw: `{"userPoolIds": ["us-east-1_A", "not a pool"]}`, wantErr: `userPoolIds[1]: "not a pool" is not a user pool ID`},
		{name: "pool id too long", raw: `{"userPoolIds": ["` + long + `"]}`, wantErr: `userPoolIds[0]: "` + long + `" is not a user pool ID`},
		{name: "cursor pool id too long", raw: `{"cursor": "` + longCursor + `"}`, wantErr: `cursor: pools[0]: "` + long + `" is not a user pool ID`},
		{name: "bad cursor", raw: `{"cursor": "bm90IGEgY3Vyc29y"}`, wantErr: "not a cursor returned by the audit"},
		{name: "old cursor", raw: `{"cursor": "eyJ2IjowLCJwb29scyI6W119"}`, wantErr: "version 0, want 1"},
		{name: "other EventBridge event", raw: `{"source": "aws.events", "detail-type": "Something Else"}`, wantErr: `detail-type "Something Else"`},
		{name: "trailing data", raw: `{} {}`, wantErr: "trailing data"},
		{name: "not an object", raw: `["us-east-1_A"]`, wantErr: "cannot unmarshal array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseInput([]byte(tc.raw))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := diff.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	want := Cursor{V: 1, Pools: []PoolState{
		{ID: "us-east-1_A", Token: "opaque+/=token", Done: []string{"c1", "c2"}, Retry: []string{"c0"}},
		{ID: "us-east-1_B", Listed: true, Retry: []string{"c9"}},
		{ID: "us-east-1_C"},
	}}
	got, err := DecodeCursor(want.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestEventsSamples: the samples `sam local invoke AuditFunction -e` uses
// parse as documented in events/README.md; a remediate event is refused.
func TestEventsSamples(t *testing.T) {
	for _, tc := range []struct {
		file    string
		want    Input
		wantErr string
	}{
		{file: "audit.json", want: Input{UserPoolIDs: []string{"us-east-1_EXAMPLE01"}}},
		{file: "scheduled-event.json", want: Input{}},
		{file: "update-user-pool-client.json", wantErr: "unknown field"},
		{file: "manual.json", wantErr: "unknown field"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile("../../events/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseInput(raw)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := diff.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
