package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unique"
)

var cognitoOps = map[string]handler{
	"CreateUserPool":             (*Emulator).createUserPool,
	"DeleteUserPool":             (*Emulator).deleteUserPool,
	"DescribeUserPool":           (*Emulator).describeUserPool,
	"ListUserPools":              (*Emulator).listUserPools,
	"CreateUserPoolClient":       (*Emulator).createUserPoolClient,
	"DescribeUserPoolClient":     (*Emulator).describeUserPoolClient,
	"UpdateUserPoolClient":       (*Emulator).updateUserPoolClient,
	"DeleteUserPoolClient":       (*Emulator).deleteUserPoolClient,
	"ListUserPoolClients":        (*Emulator).listUserPoolClients,
	"AddUserPoolClientSecret":    (*Emulator).addUserPoolClientSecret,
	"DeleteUserPoolClientSecret": (*Emulator).deleteUserPoolClientSecret,
	"ListUserPoolClientSecrets":  (*Emulator).listUserPoolClientSecrets,
	"CreateResourceServer":       (*Emulator).createResourceServer,
	"ListResourceServers":        (*Emulator).listResourceServers,
	"CreateIdentityProvider":     (*Emulator).createIdentityProvider,
	"ListIdentityProviders":      (*Emulator).listIdentityProviders,
}

// Identifier patterns from the model: a malformed ID is a validation error
// (terminal), not a missing resource.
var (
	poolIDRe   = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	clientIDRe = regexp.MustCompile(`^[\w+]+$`)
)

const idAlnum = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func (e *Emulator) nowMS() int64 { return e.now().UnixMilli() }

func (e *Emulator) newPoolID() string { return e.region + "_" + e.randString(9, idAlnum) }
func (e *Emulator) newClientID() string {
	return e.randString(26, alnum)
}
func (e *Emulator) newSecret() string { return e.randString(51, alnum) }

// poolLocked returns the pool or ResourceNotFoundException; e.mu held.
func (e *Emulator) poolLocked(id string) (*pool, *apiError) {
	if id == "" {
		return nil, errf(errInvalidParam, "%sValue null at 'userPoolId' failed to satisfy constraint: Member must not be null", validationPrefix)
	}
	if len(id) > 55 || !poolIDRe.MatchString(id) {
		return nil, constraint(id, "userPoolId", `Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+`)
	}
	p, ok := e.pools[id]
	if !ok {
		return nil, errf(errNotFound, "User pool %s does not exist.", id)
	}
	return p, nil
}

func (e *Emulator) clientLocked(poolID, clientID string) (*pool, *client, *apiError) {
	p, aerr := e.poolLocked(poolID)
	if aerr != nil {
		return nil, nil, aerr
	}
	if clientID == "" {
		return nil, nil, errf(errInvalidParam, "%sValue null at 'clientId' failed to satisfy constraint: Member must not be null", validationPrefix)
	}
	if len(clientID) > 128 || !clientIDRe.MatchString(clientID) {
		// The client ID is sensitive in the model; AWS masks it too.
		return nil, nil, constraint("***", "clientId", `Member must satisfy regular expression pattern: [\w+]+`)
	}
	c, ok := p.clients[clientID]
	if !ok {
		return nil, nil, errf(errNotFound, "User pool client %s does not exist.", clientID)
	}
	return p, c, nil
}

type poolJSON struct {
	Id                     string           `json:"Id"`
	Name                   string           `json:"Name"`
	Arn                    string           `json:"Arn,omitempty"`
	LambdaConfig           struct{}         `json:"LambdaConfig"`
	CreationDate           json.Number      `json:"CreationDate"`
	LastModifiedDate       json.Number      `json:"LastModifiedDate"`
	MfaConfiguration       string           `json:"MfaConfiguration,omitempty"`
	EstimatedNumberOfUsers *int             `json:"EstimatedNumberOfUsers,omitempty"`
	DeletionProtection     string           `json:"DeletionProtection,omitempty"`
	UserPoolTier           string           `json:"UserPoolTier,omitempty"`
	SchemaAttributes       []schemaAttrJSON `json:"SchemaAttributes,omitempty"`
}

func (e *Emulator) poolOut(p *pool, full bool) *poolJSON {
	out := &poolJSON{Id: p.id, Name: p.name, CreationDate: epoch(p.created), LastModifiedDate: epoch(p.modified)}
	if full {
		zero := 0
		out.Arn = fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", e.region, e.account, p.id)
		out.MfaConfiguration = "OFF"
		out.EstimatedNumberOfUsers = &zero
		out.DeletionProtection = "INACTIVE"
		out.UserPoolTier = "ESSENTIALS"
		out.SchemaAttributes = p.schemaOut()
	}
	return out
}

func (e *Emulator) createUserPool(body []byte, call *Call) (any, *apiError) {
	var req struct {
		PoolName string
		// Schema entries that are not standard attributes become custom:
		// attributes (CreateUserPool in the API reference); the standard
		// ones' settings are not modelled.
		Schema []struct {
			Name              string
			AttributeDataType string
			Mutable           *bool
		}
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	if req.PoolName == "" || len(req.PoolName) > 128 {
		return nil, constraint(req.PoolName, "poolName", "Member must have length between 1 and 128")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.createPoolLocked("", req.PoolName)
	if err != nil {
		return nil, errf("InternalErrorException", "%v", err)
	}
	for _, a := range req.Schema {
		if p.hasAttribute(a.Name) {
			continue
		}
		typ := a.AttributeDataType
		if typ == "" {
			typ = "String"
		}
		if aerr := p.addCustom(a.Name, typ, a.Mutable == nil || *a.Mutable); aerr != nil {
			delete(e.pools, p.id)
			return nil, aerr
		}
	}
	call.UserPoolID = p.id
	return map[string]any{"UserPool": e.poolOut(p, true)}, nil
}

func (e *Emulator) deleteUserPool(body []byte, _ *Call) (any, *apiError) {
	var req struct{ UserPoolId string }
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, aerr := e.poolLocked(req.UserPoolId); aerr != nil {
		return nil, aerr
	}
	delete(e.pools, req.UserPoolId)
	return struct{}{}, nil
}

func (e *Emulator) describeUserPool(body []byte, _ *Call) (any, *apiError) {
	var req struct{ UserPoolId string }
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, aerr := e.poolLocked(req.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"UserPool": e.poolOut(p, true)}, nil
}

// Pagination tokens are the last identifier returned, opaque to callers.
// Keyed on an identifier rather than an offset, a page stays correct when
// items are created or deleted between calls.
func encodeToken(last string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + last))
}

func decodeToken(tok string) (string, *apiError) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "v1:") {
		return "", errf(errInvalidParam, "Invalid pagination token.")
	}
	return strings.TrimPrefix(string(b), "v1:"), nil
}

func checkMaxResults(v *int, required bool) (int, *apiError) {
	if v == nil {
		if required {
			return 0, errf(errInvalidParam, "%sValue null at 'maxResults' failed to satisfy constraint: Member must not be null", validationPrefix)
		}
		return 60, nil
	}
	switch {
	case *v < 1:
		return 0, constraint(*v, "maxResults", "Member must have value greater than or equal to 1")
	case *v > 60:
		return 0, constraint(*v, "maxResults", "Member must have value less than or equal to 60")
	}
	return *v, nil
}

// page returns up to max ids after the token's identifier in sorted ids.
func page(ids []string, token string, max int) ([]string, string, *apiError) {
	start := 0
	if token != "" {
		last, aerr := decodeToken(token)
		if aerr != nil {
			return nil, "", aerr
		}
		start = sort.SearchStrings(ids, last)
		if start < len(ids) && ids[start] == last {
			start++
		}
	}
	end := min(start+max, len(ids))
	out := ids[start:end]
	next := ""
	if end < len(ids) {
		next = encodeToken(ids[end-1])
	}
	return out, next, nil
}

func (e *Emulator) listUserPools(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		MaxResults *int
		NextToken  string
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	max, aerr := checkMaxResults(req.MaxResults, true)
	if aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	ids := make([]string, 0, len(e.pools))
	for id := range e.pools {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	got, next, aerr := page(ids, req.NextToken, max)
	if aerr != nil {
		return nil, aerr
	}
	pools := make([]*poolJSON, 0, len(got))
	for _, id := range got {
		pools = append(pools, e.poolOut(e.pools[id], false))
	}
	resp := map[string]any{"UserPools": pools}
	if next != "" {
		resp["NextToken"] = next
	}
	return resp, nil
}

func (e *Emulator) createUserPoolClient(body []byte, call *Call) (any, *apiError) {
	var req struct {
		UserPoolId string
		clientFields
		GenerateSecret bool
		ClientSecret   *string
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	name := ""
	if req.ClientName != nil {
		name = *req.ClientName
	}
	if aerr := checkClientName(name); aerr != nil {
		return nil, aerr
	}
	secret := ""
	if req.ClientSecret != nil {
		if req.GenerateSecret {
			return nil, errf(errInvalidParam, "You cannot specify both GenerateSecret as true and provide a ClientSecret value.")
		}
		if aerr := checkClientSecret(*req.ClientSecret); aerr != nil {
			return nil, aerr
		}
		secret = *req.ClientSecret
	} else if req.GenerateSecret {
		secret = e.newSecret()
	}
	s, aerr := buildSettings(&req.clientFields, secret != "", e.account)
	if aerr != nil {
		return nil, aerr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, aerr := e.poolLocked(req.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkPoolRefs(p, &req.clientFields, "creating"); aerr != nil {
		return nil, aerr
	}
	id := e.newClientID()
	for p.clients[id] != nil {
		id = e.newClientID()
	}
	now := e.nowMS()
	c := &client{name: name, secret: secret, created: now, modified: now, s: unique.Make(s)}
	if secret != "" {
		c.secretCreated = now
	}
	p.clients[id] = c
	p.sorted = nil
	call.ClientID = id
	return map[string]any{"UserPoolClient": e.render(p.id, id, c)}, nil
}

func (e *Emulator) describeUserPoolClient(body []byte, _ *Call) (any, *apiError) {
	var req struct{ UserPoolId, ClientId string }
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, c, aerr := e.clientLocked(req.UserPoolId, req.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"UserPoolClient": e.render(p.id, req.ClientId, c)}, nil
}

// updateUserPoolClient replaces every setting: omitted members take their
// defaults (UpdateUserPoolClient in the API reference). ClientSecret and CreationDate are kept,
// LastModifiedDate is bumped. An omitted ClientName keeps the current name:
// the name has no documented default [I].
func (e *Emulator) updateUserPoolClient(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		UserPoolId, ClientId string
		clientFields
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	if req.ClientName != nil {
		if aerr := checkClientName(*req.ClientName); aerr != nil {
			return nil, aerr
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, c, aerr := e.clientLocked(req.UserPoolId, req.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	s, aerr := buildSettings(&req.clientFields, c.secret != "", e.account)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkPoolRefs(p, &req.clientFields, "updating"); aerr != nil {
		return nil, aerr
	}
	// Copy on write: a response being rendered from the old value is never
	// torn, and readers never see a half-applied update.
	nc := *c
	if req.ClientName != nil {
		nc.name = *req.ClientName
	}
	nc.s = unique.Make(s)
	nc.modified = max(e.nowMS(), c.modified+1)
	p.clients[req.ClientId] = &nc
	return map[string]any{"UserPoolClient": e.render(p.id, req.ClientId, &nc)}, nil
}

func (e *Emulator) deleteUserPoolClient(body []byte, _ *Call) (any, *apiError) {
	var req struct{ UserPoolId, ClientId string }
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, _, aerr := e.clientLocked(req.UserPoolId, req.ClientId)
	if aerr != nil {
		return nil, aerr
	}
	delete(p.clients, req.ClientId)
	p.sorted = nil
	return struct{}{}, nil
}

type clientDescJSON struct {
	ClientId   string `json:"ClientId"`
	UserPoolId string `json:"UserPoolId"`
	ClientName string `json:"ClientName"`
}

func (e *Emulator) listUserPoolClients(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		UserPoolId string
		MaxResults *int
		NextToken  string
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	max, aerr := checkMaxResults(req.MaxResults, false)
	if aerr != nil {
		return nil, aerr
	}
	// The sorted-ID cache is rebuilt under the write lock.
	e.mu.Lock()
	defer e.mu.Unlock()
	p, aerr := e.poolLocked(req.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	got, next, aerr := page(p.sortedIDs(), req.NextToken, max)
	if aerr != nil {
		return nil, aerr
	}
	out := make([]clientDescJSON, 0, len(got))
	for _, id := range got {
		out = append(out, clientDescJSON{ClientId: id, UserPoolId: p.id, ClientName: p.clients[id].name})
	}
	resp := map[string]any{"UserPoolClients": out}
	if next != "" {
		resp["NextToken"] = next
	}
	return resp, nil
}
