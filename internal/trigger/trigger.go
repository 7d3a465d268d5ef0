package trigger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognito-guard/cognito-guard/internal/cognitoid"
)

// Values of Request.Source.
const (
	SourceCloudTrail = "cloudtrail"
	SourceManual     = "manual"
)

const (
	// DetailType and EventBridgeSource are what EventBridge puts on a
	// CloudTrail-recorded Cognito user-pool API call.
	DetailType        = "AWS API Call via CloudTrail"
	EventBridgeSource = "aws.cognito-idp"
	// EventSource is the CloudTrail eventSource of the user-pool API.
	EventSource = "cognito-idp.amazonaws.com"

	// hidden is the literal CloudTrail writes in place of a value it masks.
	hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"
)

// eventNames are the CloudTrail events that change a client's settings or
// secrets. DeleteUserPoolClient is not among them: there is nothing left to
// reconcile.
var eventNames = []string{
	"CreateUserPoolClient",
	"UpdateUserPoolClient",
	"AddUserPoolClientSecret",
	"DeleteUserPoolClientSecret",
}

// EventNames returns the CloudTrail event names Parse turns into a request,
// for the EventBridge rule and the tests that check it.
func EventNames() []string { return slices.Clone(eventNames) }

// ErrMasked is wrapped by the error Parse returns when CloudTrail masked an
// ID the event would otherwise carry. Client IDs have been seen in clear in
// Cognito events, but the API model marks ClientIdType sensitive, so this
// may change; the scheduled audit still covers such a client.
var ErrMasked = errors.New("masked by CloudTrail as " + hidden)

// Request is one app client to reconcile. It is built only by Parse (or by
// hand in tests) and carries identifiers, never settings.
type Request struct {
	UserPoolID string `json:"userPoolId"`
	ClientID   string `json:"clientId"`
	// Source is SourceCloudTrail or SourceManual.
	Source string `json:"source"`
	// EventName is the CloudTrail eventName; empty for a manual request.
	EventName string `json:"eventName,omitempty"`
	// EventID, EventTime, Account and Region come from the event, for logs
	// and for the handler's account check; empty for a manual request.
	// EventTime is CloudTrail's eventTime as written (RFC 3339).
	EventID   string `json:"eventId,omitempty"`
	EventTime string `json:"eventTime,omitempty"`
	Account   string `json:"account,omitempty"`
	Region    string `json:"region,omitempty"`
	// Actor is who made the call: the userIdentity ARN, else the session
	// issuer's ARN, else the service in invokedBy.
	Actor string `json:"actor,omitempty"`
	// InvokedBy is set when a service made the call on the actor's behalf,
	// e.g. "cloudformation.amazonaws.com" for a stack update. Remediating
	// such a client causes stack drift, which operators want to know.
	InvokedBy string `json:"invokedBy,omitempty"`
	// IssuerARN is userIdentity.sessionContext.sessionIssuer.arn when the
	// caller used temporary credentials of an assumed role: the role's ARN,
	// arn:aws:iam::<account>:role/<path/><name>, written by CloudTrail and not
	// chosen by the caller (unlike the session name in Actor). Empty for IAM
	// users, root and manual requests.
	IssuerARN string `json:"issuerArn,omitempty"`
	// IdentityType is userIdentity.type ("AssumedRole", "IAMUser", ...).
	IdentityType string `json:"identityType,omitempty"`
}

// MadeBy reports whether the CloudTrail event r records a call made with
// the credentials of the IAM role roleARN, judged by the session issuer
// CloudTrail records, never by the session name: anyone allowed to assume
// any role can name a session after our function, but only Lambda, acting
// for our function, holds our execution role. roleARN is the function's
// execution role ARN as CloudFormation returns it (Fn::GetAtt Role.Arn),
// which is the form CloudTrail writes in sessionIssuer.arn
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html).
// An empty roleARN matches nothing.
func (r Request) MadeBy(roleARN string) bool {
	return roleARN != "" && r.Source == SourceCloudTrail &&
		r.IdentityType == "AssumedRole" && r.IssuerARN == roleARN
}

// RoleARN checks that s is an IAM role ARN (arn:<partition>:iam::<account
// id>:role/<path/>name), the form MadeBy compares, and returns it.
func RoleARN(s string) (string, error) {
	if !isRoleARN(s) {
		return "", fmt.Errorf("%s is not an IAM role ARN (want arn:aws:iam::<account id>:role/<name>)", quote(s))
	}
	return s, nil
}

// roleARNPattern: role names and paths use [\w+=,.@-] and paths start and
// end with "/" (IAM API reference, CreateRole: RoleName, Path). isRoleARN
// matches exactly these strings without compiling the expression (the
// {1,64} makes it 64 KB and 339 allocations, in every cold start's
// configuration check); TestIsRoleARNIsThePattern and FuzzRoleARN hold the
// two to the same answers.
const roleARNPattern = `^arn:aws[a-z-]*:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`

// isRoleARN reports whether s matches roleARNPattern. Every part of the
// pattern is ASCII and none can match the separator that follows it, so
// one pass without backtracking decides.
func isRoleARN(s string) bool {
	rest, ok := strings.CutPrefix(s, "arn:aws")
	if !ok {
		return false
	}
	i := 0
	for i < len(rest) && (rest[i] >= 'a' && rest[i] <= 'z' || rest[i] == '-') {
		i++
	}
	rest, ok = strings.CutPrefix(rest[i:], ":iam::")
	if !ok || len(rest) < 12 {
		return false
	}
	for _, c := range []byte(rest[:12]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	rest, ok = strings.CutPrefix(rest[12:], ":role/")
	if !ok {
		return false
	}
	// ([\w+=,.@-]+/)* then [\w+=,.@-]{1,64}: non-empty path segments, then a
	// name of 1 to 64 characters.
	n := 0 // characters in the current segment
	for _, c := range []byte(rest) {
		switch {
		case c == '/':
			if n == 0 {
				return false
			}
			n = 0
		case roleNameChar(c):
			n++
		default:
			return false
		}
	}
	return n >= 1 && n <= 64
}

// roleNameChar reports whether c is in [\w+=,.@-] (\w: ASCII letters,
// digits and _).
func roleNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0
}

// SkipError reports input that is well formed but not for this function. It
// is not a failure: the handler records a skipped outcome with Reason.
type SkipError struct {
	Reason string
}

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

func skip(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

func checkPoolID(s string) error {
	if s == hidden {
		// The mask matches the pool pattern too.
		return fmt.Errorf("user pool ID is %w", ErrMasked)
	}
	if !cognitoid.PoolID(s) {
		return fmt.Errorf("%s is not a user pool ID (want <region>_<id>, at most 55 characters)", quote(s))
	}
	return nil
}

func checkClientID(s string) error {
	if s == hidden {
		// It matches the pattern, and would be described and reported as
		// "not found", which hides the real problem.
		return fmt.Errorf("client ID is %w", ErrMasked)
	}
	if !cognitoid.ClientID(s) {
		return fmt.Errorf("%s is not an app client ID (want letters, digits, _ or +, at most 128 characters)", quote(s))
	}
	return nil
}

// Validate reports whether r could have come from Parse: IDs of Cognito's
// shape, a known Source, and an EventName that fits it.
func (r Request) Validate() error {
	var errs []error
	if err := checkPoolID(r.UserPoolID); err != nil {
		errs = append(errs, fmt.Errorf("userPoolId: %w", err))
	}
	if err := checkClientID(r.ClientID); err != nil {
		errs = append(errs, fmt.Errorf("clientId: %w", err))
	}
	switch r.Source {
	case SourceCloudTrail:
		if !slices.Contains(eventNames, r.EventName) {
			errs = append(errs, fmt.Errorf("eventName %s is not an app-client change", quote(r.EventName)))
		}
	case SourceManual:
		if r.EventName != "" {
			errs = append(errs, fmt.Errorf("a manual request has no eventName, got %s", quote(r.EventName)))
		}
	default:
		errs = append(errs, fmt.Errorf("source %s is neither %q nor %q", quote(r.Source), SourceCloudTrail, SourceManual))
	}
	return errors.Join(errs...)
}

// Parse reads the remediate function's raw input. It returns a valid
// Request, or a *SkipError for input that is not for this function, or
// another error for malformed input; never both a Request and an error.
func Parse(raw []byte) (Request, error) {
	top, err := object(raw, "input")
	if err != nil {
		return Request{}, err
	}
	if top == nil {
		return Request{}, errors.New("input is null, want a JSON object")
	}
	// A Lambda on-failure destination record (what the failure queue holds)
	// carries the original event as requestPayload: taking the record as is
	// makes redriving the queue a matter of invoking with each message.
	if has(top, "requestContext") && has(top, "requestPayload") {
		inner, _ := field(top, "requestPayload")
		if inner, err := object(inner, "requestPayload"); err != nil || inner != nil && has(inner, "requestContext") {
			return Request{}, errors.New("on-failure record: requestPayload must be the original event, not another record")
		}
		r, err := Parse(inner)
		var sk *SkipError
		if err != nil && !errors.As(err, &sk) {
			err = fmt.Errorf("on-failure record: %w", err)
		}
		return r, err
	}
	var r Request
	// Any EventBridge envelope key makes it an event; everything else must be
	// a manual payload, so a mistyped event is not silently taken for one.
	if has(top, "detail-type") || has(top, "source") || has(top, "detail") {
		r, err = parseEvent(raw)
	} else {
		r, err = parseManual(top)
	}
	if err != nil {
		return Request{}, err
	}
	// Belt and braces: a Request that leaves Parse is always valid.
	if err := r.Validate(); err != nil {
		return Request{}, fmt.Errorf("invalid request: %w", err)
	}
	return r, nil
}

var manualKeys = []string{"userPoolId", "clientId"}

// parseManual is strict: a typo such as "clientID" or a stray key would
// otherwise read as a missing ID, or hint at a payload meant for something
// else (the audit function, a Lambda destination record).
func parseManual(top map[string]json.RawMessage) (Request, error) {
	var unknown []string
	for k := range top {
		if !slices.Contains(manualKeys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return Request{}, fmt.Errorf("manual payload: unknown %s %s (it takes only userPoolId and clientId)",
			plural(len(unknown), "key", "keys"), quoteList(unknown))
	}
	var missing []string
	for _, k := range manualKeys {
		if v, _ := field(top, k); v == nil {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return Request{}, fmt.Errorf("manual payload: missing %s", strings.Join(missing, " and "))
	}
	pool, err := stringField(top, "userPoolId", "manual payload: ")
	if err != nil {
		return Request{}, err
	}
	client, err := stringField(top, "clientId", "manual payload: ")
	if err != nil {
		return Request{}, err
	}
	if err := checkPoolID(pool); err != nil {
		return Request{}, fmt.Errorf("manual payload: userPoolId: %w", err)
	}
	if err := checkClientID(client); err != nil {
		return Request{}, fmt.Errorf("manual payload: clientId: %w", err)
	}
	return Request{UserPoolID: pool, ClientID: client, Source: SourceManual}, nil
}

// identity is the part of CloudTrail's userIdentity used for Actor.
type identity struct {
	Type           string `json:"type"`
	ARN            string `json:"arn"`
	InvokedBy      string `json:"invokedBy"`
	SessionContext struct {
		SessionIssuer struct {
			ARN string `json:"arn"`
		} `json:"sessionIssuer"`
	} `json:"sessionContext"`
}

func parseEvent(raw []byte) (Request, error) {
	// The envelope is EventBridge's own, with fixed types: a type error
	// there means the input did not come from EventBridge.
	var ev events.CloudWatchEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Request{}, fmt.Errorf("EventBridge event: %w", err)
	}
	switch {
	case ev.Source == "":
		return Request{}, errors.New("EventBridge event: source is missing")
	case ev.DetailType == "":
		return Request{}, errors.New("EventBridge event: detail-type is missing")
	case ev.Source != EventBridgeSource:
		return Request{}, skip("source %s is not %s", quote(ev.Source), EventBridgeSource)
	case ev.DetailType != DetailType:
		return Request{}, skip("detail-type %s is not %q", quote(ev.DetailType), DetailType)
	}
	if len(bytes.TrimSpace(ev.Detail)) == 0 {
		return Request{}, errors.New("EventBridge event: detail is missing")
	}
	detail, err := object(ev.Detail, "detail")
	if err != nil {
		return Request{}, fmt.Errorf("EventBridge event: %w", err)
	}
	if detail == nil {
		return Request{}, errors.New("EventBridge event: detail is missing")
	}

	// The fields that decide must have the documented types.
	eventSource, err := stringField(detail, "eventSource", "detail.")
	if err != nil {
		return Request{}, err
	}
	eventType, err := stringField(detail, "eventType", "detail.")
	if err != nil {
		return Request{}, err
	}
	eventName, err := stringField(detail, "eventName", "detail.")
	if err != nil {
		return Request{}, err
	}
	switch {
	case eventSource == "":
		return Request{}, errors.New("detail.eventSource is missing")
	case eventSource != EventSource:
		return Request{}, skip("eventSource %s is not %s", quote(eventSource), EventSource)
	case eventType != "" && eventType != "AwsApiCall":
		// Hosted-UI and token traffic (Token_POST, Signup_POST) is
		// AwsServiceEvent; a missing eventType is tolerated because the
		// detail-type already says API call.
		return Request{}, skip("eventType %s is not AwsApiCall", quote(eventType))
	case eventName == "":
		return Request{}, errors.New("detail.eventName is missing")
	case eventName == "DeleteUserPoolClient":
		return Request{}, skip("DeleteUserPoolClient: the client is gone, nothing to reconcile")
	case !slices.Contains(eventNames, eventName):
		return Request{}, skip("eventName %s is not an app-client change (want one of %s)", quote(eventName), strings.Join(eventNames, ", "))
	}
	// A failed call changed nothing. An empty errorCode is not a failure.
	if v, _ := field(detail, "errorCode"); v != nil && !isEmptyString(v) {
		code, _ := stringField(detail, "errorCode", "")
		return Request{}, skip("%s failed with errorCode %s: nothing changed", eventName, quote(code))
	}

	pool, client, err := ids(detail, eventName)
	if err != nil {
		return Request{}, err
	}

	r := Request{
		UserPoolID: pool,
		ClientID:   client,
		Source:     SourceCloudTrail,
		EventName:  eventName,
		// The rest is for logs only; a surprise in it must not drop the event.
		EventID:   lenientString(detail, "eventID"),
		EventTime: lenientString(detail, "eventTime"),
		Account:   ev.AccountID,
		Region:    ev.Region,
	}
	if r.EventID == "" {
		r.EventID = ev.ID
	}
	if r.EventTime == "" && !ev.Time.IsZero() {
		r.EventTime = ev.Time.UTC().Format(time.RFC3339)
	}
	if r.Account == "" {
		r.Account = lenientString(detail, "recipientAccountId")
	}
	if r.Region == "" {
		r.Region = lenientString(detail, "awsRegion")
	}
	if v, _ := field(detail, "userIdentity"); v != nil {
		var id identity
		if json.Unmarshal(v, &id) == nil {
			r.Actor = firstNonEmpty(id.ARN, id.SessionContext.SessionIssuer.ARN, id.InvokedBy)
			r.InvokedBy = id.InvokedBy
			r.IssuerARN = id.SessionContext.SessionIssuer.ARN
			r.IdentityType = id.Type
		}
	}
	return r, nil
}

// idPlace is where an ID may sit in the CloudTrail record.
type idPlace struct {
	path string
	obj  map[string]json.RawMessage
	// masked is set when the whole container was replaced by the mask.
	masked bool
}

// ids finds the pool and client IDs. The request parameters come first; a
// create's request has no clientId, so the response's userPoolClient is
// the fallback. When both carry an ID they must agree.
func ids(detail map[string]json.RawMessage, eventName string) (pool, client string, err error) {
	req, err := container(detail, "requestParameters", "detail.requestParameters")
	if err != nil {
		return "", "", err
	}
	resp, err := container(detail, "responseElements", "detail.responseElements")
	if err != nil {
		return "", "", err
	}
	upc := idPlace{path: "detail.responseElements.userPoolClient", masked: resp.masked}
	if resp.obj != nil {
		if upc, err = container(resp.obj, "userPoolClient", upc.path); err != nil {
			return "", "", err
		}
	}
	places := []idPlace{req, upc}
	if pool, err = pickID(places, "userPoolId", eventName, checkPoolID); err != nil {
		return "", "", err
	}
	if client, err = pickID(places, "clientId", eventName, checkClientID); err != nil {
		return "", "", err
	}
	return pool, client, nil
}

// container reads obj[key] as a JSON object. Absent or null is an empty
// place; the mask string marks it masked; any other non-object is malformed.
func container(obj map[string]json.RawMessage, key, path string) (idPlace, error) {
	p := idPlace{path: path}
	v, _ := field(obj, key)
	if v == nil {
		return p, nil
	}
	if isMask(v) {
		p.masked = true
		return p, nil
	}
	m, err := object(v, path)
	if err != nil {
		return p, err
	}
	p.obj = m
	return p, nil
}

func pickID(places []idPlace, key, eventName string, check func(string) error) (string, error) {
	var got, gotPath string
	masked := false
	for _, p := range places {
		path := p.path + "." + key
		if p.masked {
			masked = true
			continue
		}
		v, _ := field(p.obj, key)
		if v == nil {
			continue
		}
		if isMask(v) {
			masked = true
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("%s: %s is a JSON %s, want a string", eventName, path, kind(v))
		}
		if err := check(s); err != nil {
			return "", fmt.Errorf("%s: %s: %w", eventName, path, err)
		}
		if got == "" {
			got, gotPath = s, path
		} else if s != got {
			return "", fmt.Errorf("%s: %s %s and %s %s name different resources", eventName, gotPath, quote(got), path, quote(s))
		}
	}
	switch {
	case got != "":
		return got, nil
	case masked:
		return "", fmt.Errorf("%s: %s is %w", eventName, key, ErrMasked)
	default:
		paths := make([]string, len(places))
		for i, p := range places {
			paths[i] = p.path
		}
		return "", fmt.Errorf("%s: no %s in %s", eventName, key, strings.Join(paths, " or "))
	}
}

// object decodes raw as a JSON object; nil for JSON null. Keys are exact,
// unlike struct decoding, which matches them case-insensitively.
func object(raw []byte, what string) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf("%s is empty, want a JSON object", what)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		// Unmarshal checks the syntax of the whole input before decoding,
		// so any other error is about the type of a valid value.
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("%s is not valid JSON: %w", what, err)
		}
		if k := kind(raw); k != "object" {
			return nil, fmt.Errorf("%s is a JSON %s, want an object", what, k)
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return m, nil
}

// field returns obj[key], or nil when it is absent or JSON null.
func field(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	v, ok := obj[key]
	if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return nil, false
	}
	return v, true
}

func has(obj map[string]json.RawMessage, key string) bool {
	_, ok := obj[key]
	return ok
}

// stringField returns obj[key] as a string, "" when absent or null.
func stringField(obj map[string]json.RawMessage, key, prefix string) (string, error) {
	v, _ := field(obj, key)
	if v == nil {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("%s%s is a JSON %s, want a string", prefix, key, kind(v))
	}
	return s, nil
}

// lenientString is stringField for fields that only inform the logs.
func lenientString(obj map[string]json.RawMessage, key string) string {
	s, _ := stringField(obj, key, "")
	return s
}

func isMask(v json.RawMessage) bool {
	var s string
	return json.Unmarshal(v, &s) == nil && s == hidden
}

func isEmptyString(v json.RawMessage) bool {
	var s string
	return json.Unmarshal(v, &s) == nil && s == ""
}

// kind names the JSON type of a valid JSON value.
func kind(v []byte) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// maxQuoted bounds how much of an input value a message repeats: enough to
// recognise it, not enough to flood a log line.
const maxQuoted = 64

// quote returns s quoted for a message, shortened to maxQuoted bytes.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// quoteList quotes at most five names, then says how many more there are.
func quoteList(names []string) string {
	const limit = 5
	q := make([]string, 0, limit+1)
	for i, n := range names {
		if i == limit {
			q = append(q, fmt.Sprintf("and %d more", len(names)-limit))
			break
		}
		q = append(q, quote(n))
	}
	return strings.Join(q, ", ")
}
