package sample_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognito-guard/cognito-guard/internal/testkit/emulator"
	"github.com/cognito-guard/cognito-guard/internal/testkit/sample"
)

func seeded(t *testing.T) *emulator.Emulator {
	t.Helper()
	baseline, err := os.ReadFile("../../../events/baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	emu := emulator.New(emulator.Options{Account: sample.Account, Region: sample.Region})
	if err := sample.Seed(emu, baseline); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return emu
}

// TestSeedHoldsOnlyStatesCognitoAccepts: the sample seeds through the
// emulator's CreateUserPoolClient validation, its drift is the realistic
// kind (a loopback http callback), and the same client with a non-loopback
// http callback is refused.
func TestSeedHoldsOnlyStatesCognitoAccepts(t *testing.T) {
	emu := seeded(t)
	c, ok := emu.Client(sample.PoolID, sample.DriftedID)
	if !ok {
		t.Fatal("drifted client not seeded")
	}
	for _, u := range append(c.CallbackURLs, c.LogoutURLs...) {
		if strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "http://localhost") {
			t.Errorf("non-loopback http URL %s in the sample", u)
		}
	}
	bad := sample.Drifted()
	bad.CallbackURLs = append(bad.CallbackURLs, "http://portal.example.com/callback")
	bad.ClientId = aws.String("6example0client0id0other01")
	if _, err := emu.PutClient(sample.PoolID, bad); err == nil || !strings.Contains(err.Error(), "InvalidParameterException") {
		t.Errorf("PutClient with a non-loopback http callback: err = %v, want InvalidParameterException", err)
	}
}

// TestEventsRecordOnlyChangesCognitoAccepts replays every sample
// Create/UpdateUserPoolClient and AddUserPoolClientSecret record's
// requestParameters against the
// emulator holding the sample pool: a record without errorCode must be
// accepted, a failed record must fail with its errorCode.
func TestEventsRecordOnlyChangesCognitoAccepts(t *testing.T) {
	files, err := filepath.Glob("../../../events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	replayed := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Detail struct {
				EventName         string         `json:"eventName"`
				ErrorCode         string         `json:"errorCode"`
				RequestParameters map[string]any `json:"requestParameters"`
			} `json:"detail"`
		}
		if json.Unmarshal(raw, &ev) != nil {
			continue
		}
		op := ev.Detail.EventName
		// DeleteUserPoolClientSecret names a secret ID (a creation time) the
		// seeded client cannot have, so it is not replayed.
		if op != "CreateUserPoolClient" && op != "UpdateUserPoolClient" && op != "AddUserPoolClientSecret" {
			continue
		}
		replayed++
		t.Run(filepath.Base(f), func(t *testing.T) {
			emu := seeded(t)
			body, err := json.Marshal(upperKeys(ev.Detail.RequestParameters))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
			rec := httptest.NewRecorder()
			emu.ServeHTTP(rec, req)
			got := rec.Header().Get("X-Amzn-ErrorType")
			if got != ev.Detail.ErrorCode {
				t.Errorf("%s from %s: error %q (%s), the record says %q", op, f, got, rec.Body, ev.Detail.ErrorCode)
			}
		})
	}
	if replayed < 7 {
		t.Errorf("replayed %d records, want every Create/Update/AddSecret sample (>= 7)", replayed)
	}
}

// upperKeys turns CloudTrail's lower-camel request keys into the API's
// member names (callbackURLs -> CallbackURLs).
func upperKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			r := []rune(k)
			r[0] = unicode.ToUpper(r[0])
			out[string(r)] = upperKeys(val)
		}
		return out
	case []any:
		for i := range x {
			x[i] = upperKeys(x[i])
		}
	}
	return v
}
