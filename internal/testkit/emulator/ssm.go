package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

var ssmOps = map[string]handler{
	"GetParameter":        (*Emulator).getParameter,
	"GetParameters":       (*Emulator).getParameters,
	"GetParametersByPath": (*Emulator).getParametersByPath,
	"PutParameter":        (*Emulator).putParameter,
	"DeleteParameter":     (*Emulator).deleteParameter,
	"GetParameterHistory": (*Emulator).getParameterHistory,
}

// parameter keeps every version, so "name:version" selectors work.
type parameter struct {
	name     string
	versions []paramVersion // oldest first; version i+1 at index i
}

type paramVersion struct {
	typ, value, tier string
	modified         int64
}

type parameterJSON struct {
	Name             string      `json:"Name"`
	Type             string      `json:"Type"`
	Value            string      `json:"Value"`
	Version          int         `json:"Version"`
	Selector         string      `json:"Selector,omitempty"`
	LastModifiedDate json.Number `json:"LastModifiedDate"`
	ARN              string      `json:"ARN"`
	DataType         string      `json:"DataType"`
}

const (
	errParamNotFound = "ParameterNotFound"
	errValidation    = "ValidationException"
	maxStandardValue = 4096
	maxAdvancedValue = 8192
)

func (e *Emulator) paramARN(name string) string {
	return fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", e.region, e.account, strings.TrimPrefix(name, "/"))
}

// ciphertext stands in for the KMS-encrypted blob AWS returns for a
// SecureString read without WithDecryption: opaque, base64, and stable per
// value so tests can compare it.
func ciphertext(value string) string {
	sum := sha256.Sum256([]byte(value))
	blob := append([]byte{0x01, 0x02, 0x02, 0x00, 0x78}, sum[:]...)
	blob = append(blob, sum[:]...)
	return base64.StdEncoding.EncodeToString(blob)
}

// lookup resolves "name" or "name:version"; e.mu held.
func (e *Emulator) lookupParam(sel string) (*parameter, int, string, bool) {
	name, selector := sel, ""
	if i := strings.LastIndex(sel, ":"); i > 0 {
		if _, err := strconv.Atoi(sel[i+1:]); err == nil {
			name, selector = sel[:i], sel[i:]
		}
	}
	p, ok := e.params[name]
	if !ok {
		return nil, 0, "", false
	}
	v := len(p.versions)
	if selector != "" {
		n, _ := strconv.Atoi(selector[1:])
		if n < 1 || n > len(p.versions) {
			return nil, 0, "", false
		}
		v = n
	}
	return p, v, selector, true
}

func (e *Emulator) paramOut(p *parameter, version int, selector string, decrypt bool) parameterJSON {
	pv := p.versions[version-1]
	value := pv.value
	if pv.typ == "SecureString" && !decrypt {
		value = ciphertext(pv.value)
	}
	return parameterJSON{
		Name: p.name, Type: pv.typ, Value: value, Version: version, Selector: selector,
		LastModifiedDate: epoch(pv.modified), ARN: e.paramARN(p.name), DataType: "text",
	}
}

func (e *Emulator) getParameter(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		Name           string
		WithDecryption bool
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, v, sel, ok := e.lookupParam(req.Name)
	if !ok {
		return nil, errf(errParamNotFound, "Parameter %s not found.", req.Name)
	}
	return map[string]any{"Parameter": e.paramOut(p, v, sel, req.WithDecryption)}, nil
}

func (e *Emulator) getParameters(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		Names          []string
		WithDecryption bool
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	if len(req.Names) < 1 || len(req.Names) > 10 {
		return nil, errf(errValidation, "%sValue '%v' at 'names' failed to satisfy constraint: Member must have length between 1 and 10", validationPrefix, req.Names)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := []parameterJSON{}
	invalid := []string{}
	for _, n := range slices.Compact(slices.Clone(req.Names)) {
		p, v, sel, ok := e.lookupParam(n)
		if !ok {
			invalid = append(invalid, n)
			continue
		}
		out = append(out, e.paramOut(p, v, sel, req.WithDecryption))
	}
	return map[string]any{"Parameters": out, "InvalidParameters": invalid}, nil
}

func (e *Emulator) getParametersByPath(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		Path           string
		Recursive      bool
		WithDecryption bool
		MaxResults     *int
		NextToken      string
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	max := 10
	if req.MaxResults != nil {
		if *req.MaxResults < 1 || *req.MaxResults > 10 {
			return nil, errf(errValidation, "%sValue '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 10", validationPrefix, *req.MaxResults)
		}
		max = *req.MaxResults
	}
	if !strings.HasPrefix(req.Path, "/") {
		return nil, errf(errValidation, "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
	}
	prefix := strings.TrimSuffix(req.Path, "/") + "/"
	e.mu.RLock()
	defer e.mu.RUnlock()
	var names []string
	for n := range e.params {
		rest, ok := strings.CutPrefix(n, prefix)
		if !ok || rest == "" || (!req.Recursive && strings.Contains(rest, "/")) {
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	got, next, aerr := page(names, req.NextToken, max)
	if aerr != nil {
		return nil, errf(errValidation, "The specified token is invalid.")
	}
	out := []parameterJSON{}
	for _, n := range got {
		p := e.params[n]
		out = append(out, e.paramOut(p, len(p.versions), "", req.WithDecryption))
	}
	resp := map[string]any{"Parameters": out}
	if next != "" {
		resp["NextToken"] = next
	}
	return resp, nil
}

func (e *Emulator) putParameter(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		Name, Value, Type, Tier string
		Overwrite               bool
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	v, tier, aerr := e.PutParameter(req.Name, req.Type, req.Value, req.Tier, req.Overwrite)
	if aerr != nil {
		return nil, aerr.(*apiError)
	}
	return map[string]any{"Version": v, "Tier": tier}, nil
}

// PutParameter stores a parameter version like the PutParameter API: typ is
// String, StringList or SecureString ("" keeps the current type, or String
// for a new parameter); tier "" means Standard. It returns the new version.
func (e *Emulator) PutParameter(name, typ, value, tier string, overwrite bool) (int, string, error) {
	switch {
	case name == "" || len(name) > 2048:
		return 0, "", errf(errValidation, "%sValue '%s' at 'name' failed to satisfy constraint: Member must have length between 1 and 2048", validationPrefix, name)
	case value == "":
		return 0, "", errf(errValidation, "%sValue at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1", validationPrefix)
	}
	switch typ {
	case "", "String", "StringList", "SecureString":
	default:
		return 0, "", errf(errValidation, "%sValue '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", validationPrefix, typ)
	}
	switch tier {
	case "":
		tier = "Standard"
	case "Standard", "Advanced", "Intelligent-Tiering":
		if tier == "Intelligent-Tiering" {
			tier = "Standard"
			if len(value) > maxStandardValue {
				tier = "Advanced"
			}
		}
	default:
		return 0, "", errf(errValidation, "%sValue '%s' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]", validationPrefix, tier)
	}
	limit := maxStandardValue
	if tier == "Advanced" {
		limit = maxAdvancedValue
	}
	if len(value) > limit {
		return 0, "", errf(errValidation, "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.params[name]
	if ok && !overwrite {
		return 0, "", errf("ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	}
	if !ok {
		if typ == "" {
			typ = "String"
		}
		p = &parameter{name: name}
		e.params[name] = p
	} else if typ == "" {
		typ = p.versions[len(p.versions)-1].typ
	}
	p.versions = append(p.versions, paramVersion{typ: typ, value: value, tier: tier, modified: e.nowMS()})
	return len(p.versions), tier, nil
}

func (e *Emulator) deleteParameter(body []byte, _ *Call) (any, *apiError) {
	var req struct{ Name string }
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.params[req.Name]; !ok {
		return nil, errf(errParamNotFound, "Parameter %s not found.", req.Name)
	}
	delete(e.params, req.Name)
	return struct{}{}, nil
}

type historyJSON struct {
	Name             string      `json:"Name"`
	Type             string      `json:"Type"`
	Value            string      `json:"Value"`
	Version          int         `json:"Version"`
	LastModifiedDate json.Number `json:"LastModifiedDate"`
	LastModifiedUser string      `json:"LastModifiedUser"`
	Tier             string      `json:"Tier"`
	DataType         string      `json:"DataType"`
	Labels           []string    `json:"Labels"`
	Policies         []string    `json:"Policies"`
}

// getParameterHistory lists every version, oldest first, in pages of
// MaxResults (1-50, default 50), as GetParameterHistory does
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameterHistory.html).
// SecureString values stay encrypted unless WithDecryption is true. The
// emulator keeps every version (AWS keeps the last 100).
func (e *Emulator) getParameterHistory(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		Name           string
		WithDecryption bool
		MaxResults     *int
		NextToken      string
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	max := 50
	if req.MaxResults != nil {
		if *req.MaxResults < 1 || *req.MaxResults > 50 {
			return nil, errf(errValidation, "%sValue '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", validationPrefix, *req.MaxResults)
		}
		max = *req.MaxResults
	}
	start := 0
	if req.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(req.NextToken, "h1:"))
		if err != nil || !strings.HasPrefix(req.NextToken, "h1:") || n < 0 {
			return nil, errf(errValidation, "The specified token is not valid.")
		}
		start = n
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, ok := e.params[req.Name]
	if !ok {
		return nil, errf(errParamNotFound, "Parameter %s not found.", req.Name)
	}
	end := min(start+max, len(p.versions))
	out := []historyJSON{}
	for i := start; i < end; i++ {
		pv := p.versions[i]
		value := pv.value
		if pv.typ == "SecureString" && !req.WithDecryption {
			value = ciphertext(pv.value)
		}
		out = append(out, historyJSON{
			Name: p.name, Type: pv.typ, Value: value, Version: i + 1, LastModifiedDate: epoch(pv.modified),
			LastModifiedUser: "arn:aws:iam::" + e.account + ":root", Tier: pv.tier, DataType: "text",
			Labels: []string{}, Policies: []string{},
		})
	}
	resp := map[string]any{"Parameters": out}
	if end < len(p.versions) {
		resp["NextToken"] = fmt.Sprintf("h1:%d", end)
	}
	return resp, nil
}
