package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures an Emulator. The zero value is usable.
type Options struct {
	Account string // default 123456789012
	Region  string // default us-east-1
	// Quotas switches on the Cognito and SSM request-rate quotas
	// (TooManyRequestsException / ThrottlingException).
	Quotas bool
	// Latency is added to every API call (not to control calls).
	Latency time.Duration
	// Now is the clock for timestamps and quotas; default time.Now.
	Now func() time.Time
	// Seed makes generated IDs and secrets deterministic; 0 picks a fixed
	// default, so runs are reproducible unless a test asks otherwise.
	Seed uint64
	// MaxCalls bounds the call log (oldest entries dropped); 0 = unbounded.
	MaxCalls int
}

// Call is one API call as recorded in the call log.
type Call struct {
	Op         string    `json:"op"`
	UserPoolID string    `json:"userPoolId,omitempty"`
	ClientID   string    `json:"clientId,omitempty"`
	Name       string    `json:"name,omitempty"` // SSM parameter name or path
	Error      string    `json:"error,omitempty"`
	Time       time.Time `json:"time"`
}

// Emulator is the Cognito + SSM emulator. It is an http.Handler and safe for
// concurrent use.
type Emulator struct {
	account, region string
	now             func() time.Time

	mu     sync.RWMutex
	pools  map[string]*pool
	params map[string]*parameter

	rngMu sync.Mutex
	rng   *rand.Rand

	ctlMu    sync.Mutex
	calls    []Call
	maxCalls int
	faults   map[string][]fault
	latency  time.Duration
	quotas   *quotaSet // nil when off
}

type fault struct {
	errType string
	n       int
}

// New returns an empty emulator.
func New(opts Options) *Emulator {
	if opts.Account == "" {
		opts.Account = "123456789012"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	seed := opts.Seed
	if seed == 0 {
		seed = 0x636f676e69746f // "cognito"
	}
	e := &Emulator{
		account:  opts.Account,
		region:   opts.Region,
		now:      opts.Now,
		pools:    make(map[string]*pool),
		params:   make(map[string]*parameter),
		rng:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		maxCalls: opts.MaxCalls,
		faults:   make(map[string][]fault),
		latency:  opts.Latency,
	}
	e.SetQuotas(opts.Quotas)
	return e
}

// Calls returns a copy of the call log, oldest first.
func (e *Emulator) Calls() []Call {
	e.ctlMu.Lock()
	defer e.ctlMu.Unlock()
	calls := e.calls
	if e.maxCalls > 0 && len(calls) > e.maxCalls {
		calls = calls[len(calls)-e.maxCalls:]
	}
	return append([]Call(nil), calls...)
}

// ResetCalls empties the call log.
func (e *Emulator) ResetCalls() {
	e.ctlMu.Lock()
	e.calls = nil
	e.ctlMu.Unlock()
}

// Fail makes the next n calls of op (e.g. "UpdateUserPoolClient" or
// "GetParameter") fail with the AWS error errorType, e.g.
// "ConcurrentModificationException". InternalErrorException and
// InternalServerError answer 500, every client error 400 (see statusFor). Faults for
// one op queue up in the order they were added. n <= 0 clears op's faults.
func (e *Emulator) Fail(op string, n int, errorType string) {
	e.ctlMu.Lock()
	defer e.ctlMu.Unlock()
	if n <= 0 {
		delete(e.faults, op)
		return
	}
	e.faults[op] = append(e.faults[op], fault{errType: errorType, n: n})
}

// SetLatency sets the latency added to every API call.
func (e *Emulator) SetLatency(d time.Duration) {
	e.ctlMu.Lock()
	e.latency = d
	e.ctlMu.Unlock()
}

// SetQuotas switches the request-rate quotas on or off. Switching on starts
// with full buckets.
func (e *Emulator) SetQuotas(on bool) {
	e.ctlMu.Lock()
	defer e.ctlMu.Unlock()
	if on {
		e.quotas = newQuotaSet()
	} else {
		e.quotas = nil
	}
}

// Reset drops all pools, clients, parameters, calls and faults.
func (e *Emulator) Reset() {
	e.mu.Lock()
	e.pools = make(map[string]*pool)
	e.params = make(map[string]*parameter)
	e.mu.Unlock()
	e.ctlMu.Lock()
	e.calls = nil
	e.faults = make(map[string][]fault)
	e.ctlMu.Unlock()
}

func (e *Emulator) takeFault(op string) string {
	e.ctlMu.Lock()
	defer e.ctlMu.Unlock()
	q := e.faults[op]
	if len(q) == 0 {
		return ""
	}
	t := q[0].errType
	q[0].n--
	if q[0].n <= 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(e.faults, op)
	} else {
		e.faults[op] = q
	}
	return t
}

func (e *Emulator) record(c Call) {
	e.ctlMu.Lock()
	defer e.ctlMu.Unlock()
	// Compact only when twice over the bound, so recording stays O(1)
	// amortized; Calls trims to the bound.
	if e.maxCalls > 0 && len(e.calls) >= 2*e.maxCalls {
		n := copy(e.calls, e.calls[len(e.calls)-e.maxCalls:])
		clear(e.calls[n:])
		e.calls = e.calls[:n]
	}
	e.calls = append(e.calls, c)
}

// apiError is an AWS error as the JSON 1.1 protocol carries it.
type apiError struct {
	Type    string
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func errf(typ, format string, args ...any) *apiError {
	return &apiError{Type: typ, Message: fmt.Sprintf(format, args...)}
}

// statusFor maps an error type to the HTTP status the real service answers
// with. Cognito (awsJson1_1) answers every modelled client error with 400:
// botocore's cognito-idp service-2.json gives no httpStatusCode for them
// (botocore's default is 400), and public reports show 400 for
// ResourceNotFoundException (aws/aws-sdk-php#2183: "400 Bad Request ...
// ResourceNotFoundException") and TooManyRequestsException
// (boto/botocore#1732, aws/aws-sdk-java#2301: "Status Code: 400; Error
// Code: TooManyRequestsException"), although the Smithy model's httpError
// traits say 404 and 429. Server faults are 500.
func statusFor(typ string) int {
	switch typ {
	case "InternalErrorException", "InternalServerError", "InternalServerException":
		return http.StatusInternalServerError
	case "ServiceUnavailable", "ServiceUnavailableException":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

const (
	cognitoPrefix = "AWSCognitoIdentityProviderService."
	ssmPrefix     = "AmazonSSM."
)

// handler runs one operation: it decodes the JSON request body itself and
// returns the response object (marshalled as JSON) or an error. The Call is
// filled with the identifiers it saw.
type handler func(e *Emulator, body []byte, c *Call) (any, *apiError)

// ServeHTTP serves the AWS JSON 1.1 API on POST / and the control API under
// /_emulator/:
//
//	GET    /_emulator/calls    call log as JSON [Call...]; ?op=UpdateUserPoolClient filters
//	DELETE /_emulator/calls    empty the call log
//	POST   /_emulator/faults   {"op":"UpdateUserPoolClient","n":2,"errorType":"ConcurrentModificationException"}
//	DELETE /_emulator/faults   clear all faults
//	POST   /_emulator/quotas   {"enabled":true}
//	POST   /_emulator/latency  {"latency":"50ms"}
//	POST   /_emulator/seed     a seed document (see [Emulator.Seed])
//	POST   /_emulator/reset    drop all state, calls and faults
//	GET    /_emulator/health   200 "ok"
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") {
		e.serveControl(w, r)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	var h handler
	var op string
	switch {
	case strings.HasPrefix(target, cognitoPrefix):
		op = strings.TrimPrefix(target, cognitoPrefix)
		h = cognitoOps[op]
	case strings.HasPrefix(target, ssmPrefix):
		op = strings.TrimPrefix(target, ssmPrefix)
		h = ssmOps[op]
	}
	if r.Method != http.MethodPost {
		e.writeError(w, errf("InvalidAction", "only POST is supported"))
		return
	}
	if h == nil {
		e.writeError(w, errf("UnknownOperationException", "unknown operation %q", target))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		e.writeError(w, errf("SerializationException", "read body: %v", err))
		return
	}
	e.ctlMu.Lock()
	lat := e.latency
	e.ctlMu.Unlock()
	if lat > 0 {
		select {
		case <-time.After(lat):
		case <-r.Context().Done():
			return
		}
	}
	call := Call{Op: op, Time: e.now()}
	resp, aerr := e.invoke(op, h, body, &call)
	if aerr != nil {
		call.Error = aerr.Type
		e.record(call)
		e.writeError(w, aerr)
		return
	}
	e.record(call)
	out, err := json.Marshal(resp)
	if err != nil {
		e.writeError(w, errf("InternalErrorException", "marshal: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", e.requestID())
	_, _ = w.Write(out)
}

// invoke applies the checks AWS applies before the operation itself: the
// request must parse, then quotas, then injected faults.
func (e *Emulator) invoke(op string, h handler, body []byte, call *Call) (any, *apiError) {
	if len(body) == 0 {
		body = []byte("{}")
	}
	var ids struct {
		UserPoolID string `json:"UserPoolId"`
		ClientID   string `json:"ClientId"`
		Name       string `json:"Name"`
		Path       string `json:"Path"`
	}
	if err := json.Unmarshal(body, &ids); err != nil {
		return nil, errf("SerializationException", "malformed JSON request: %v", err)
	}
	call.UserPoolID, call.ClientID, call.Name = ids.UserPoolID, ids.ClientID, ids.Name
	if call.Name == "" {
		call.Name = ids.Path
	}
	e.ctlMu.Lock()
	q := e.quotas
	e.ctlMu.Unlock()
	if q != nil {
		if aerr := q.allow(op, ids.UserPoolID, e.now()); aerr != nil {
			return nil, aerr
		}
	}
	if t := e.takeFault(op); t != "" {
		return nil, errf(t, "injected fault for %s", op)
	}
	return h(e, body, call)
}

func (e *Emulator) writeError(w http.ResponseWriter, aerr *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", e.requestID())
	w.Header().Set("X-Amzn-ErrorType", aerr.Type)
	w.WriteHeader(statusFor(aerr.Type))
	out, _ := json.Marshal(map[string]string{"__type": aerr.Type, "message": aerr.Message})
	_, _ = w.Write(out)
}

// decode unmarshals a request body, mapping syntax and type errors to the
// SerializationException AWS returns for malformed requests.
func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return errf("SerializationException", "malformed request: %v", err)
	}
	return nil
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

func (e *Emulator) randString(n int, alphabet string) string {
	e.rngMu.Lock()
	defer e.rngMu.Unlock()
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[e.rng.IntN(len(alphabet))]
	}
	return string(b)
}

func (e *Emulator) requestID() string {
	s := e.randString(32, "0123456789abcdef")
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// epoch renders a time as the epoch-seconds number AWS JSON uses for
// timestamps.
func epoch(ms int64) json.Number {
	return json.Number(fmt.Sprintf("%d.%03d", ms/1000, ms%1000))
}
