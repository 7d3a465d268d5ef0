package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Accounts serves several emulated AWS accounts at one address and tells
// them apart the way AWS does: by the credentials that signed the request.
// The access key ID in the SigV4 Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, …")
// picks the account's Emulator, which has its own user pools, SSM
// parameters, call log, faults and quota buckets: Cognito's request-rate
// quotas are per account and per Region ("Each Amazon Cognito quota
// represents a maximum volume of requests in one AWS Region in one AWS
// account", https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html).
// Signatures are not verified.
//
// A request signed with a key no account has, or not signed at all, gets what
// Cognito answers to an unknown key: HTTP 400 with UnrecognizedClientException,
// "The security token included in the request is invalid."
// (aws/aws-sdk-php#2444, a ListUsers call with a wrong key). The control API
// (/_emulator/) is per account: use each Emulator's methods.
type Accounts struct {
	mu    sync.RWMutex
	byKey map[string]*Emulator
}

// NewAccounts returns a router with no accounts.
func NewAccounts() *Accounts { return &Accounts{byKey: map[string]*Emulator{}} }

// Add routes requests signed with accessKeyID to e. Several keys may lead to
// one account; a key already added is an error.
func (a *Accounts) Add(accessKeyID string, e *Emulator) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if accessKeyID == "" {
		return fmt.Errorf("emulator accounts: empty access key ID")
	}
	if _, ok := a.byKey[accessKeyID]; ok {
		return fmt.Errorf("emulator accounts: access key ID %s already added", accessKeyID)
	}
	a.byKey[accessKeyID] = e
	return nil
}

// Keys returns the access key IDs added, sorted.
func (a *Accounts) Keys() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	keys := make([]string, 0, len(a.byKey))
	for k := range a.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Account returns the account ID of an emulator (Options.Account).
func (e *Emulator) Account() string { return e.account }

var credentialKey = regexp.MustCompile(`Credential=([^/,\s]+)/`)

// AccessKeyID returns the access key ID a SigV4 Authorization header names,
// "" when there is none.
func AccessKeyID(authorization string) string {
	if m := credentialKey.FindStringSubmatch(authorization); m != nil {
		return m[1]
	}
	return ""
}

// ServeHTTP routes the request to the account of its access key ID.
func (a *Accounts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") {
		http.Error(w, "the control API is per account: use each account's Emulator", http.StatusNotFound)
		return
	}
	auth := r.Header.Get("Authorization")
	key := AccessKeyID(auth)
	a.mu.RLock()
	e := a.byKey[key]
	a.mu.RUnlock()
	if auth == "" || key == "" || e == nil {
		const typ = "UnrecognizedClientException"
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", typ)
		w.WriteHeader(http.StatusBadRequest)
		out, _ := json.Marshal(map[string]string{"__type": typ, "message": "The security token included in the request is invalid."})
		_, _ = w.Write(out)
		return
	}
	e.ServeHTTP(w, r)
}
