package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// What a user pool defines that an app client can refer to: resource
// servers (custom scopes), identity providers and schema attributes.
// CreateUserPoolClient and UpdateUserPoolClient check the client against
// them (checkPoolRefs), so the emulator refuses a scope, provider or
// attribute the pool does not define, as Cognito does.

// resourceServer is one CreateResourceServer result.
type resourceServer struct {
	identifier, name string
	scopes           []scopeJSON // in request order
}

type scopeJSON struct {
	ScopeName        string `json:"ScopeName"`
	ScopeDescription string `json:"ScopeDescription"`
}

// identityProvider is one CreateIdentityProvider result.
type identityProvider struct {
	name, typ         string
	details, mapping  map[string]string
	identifiers       []string
	created, modified int64
}

// schemaAttr is one entry of DescribeUserPool's SchemaAttributes.
type schemaAttr struct {
	name, dataType    string
	mutable, required bool
}

// standardSchema is the schema every user pool has: the OIDC standard
// attributes plus Cognito's own (sub, identities, *_verified), as
// DescribeUserPool lists them
// (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html).
var standardSchema = []schemaAttr{
	{"sub", "String", false, true},
	{"name", "String", true, false},
	{"given_name", "String", true, false},
	{"family_name", "String", true, false},
	{"middle_name", "String", true, false},
	{"nickname", "String", true, false},
	{"preferred_username", "String", true, false},
	{"profile", "String", true, false},
	{"picture", "String", true, false},
	{"website", "String", true, false},
	{"email", "String", true, false},
	{"email_verified", "Boolean", true, false},
	{"gender", "String", true, false},
	{"birthdate", "String", true, false},
	{"zoneinfo", "String", true, false},
	{"locale", "String", true, false},
	{"phone_number", "String", true, false},
	{"phone_number_verified", "Boolean", true, false},
	{"address", "String", true, false},
	{"updated_at", "Number", true, false},
	{"identities", "String", true, false},
}

// StandardScopes are the OAuth scopes every user pool has; any other scope
// must be "<resource-server-identifier>/<scope-name>" of a resource server
// in the pool (AllowedOAuthScopes in
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
var StandardScopes = []string{"phone", "email", "openid", "profile", "aws.cognito.signin.user.admin"}

// Model patterns of the pool-resource operations (botocore cognito-idp
// service-2.json: ResourceServerIdentifierType, ResourceServerNameType,
// ResourceServerScopeNameType, ProviderNameTypeV2, CustomAttributeNameType).
var (
	rsIdentifierRe   = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)
	rsNameRe         = regexp.MustCompile(`^[\w\s+=,.@-]+$`)
	rsScopeNameRe    = regexp.MustCompile(`^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$`)
	providerNameRe   = regexp.MustCompile(`^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$`)
	customAttrNameRe = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
	providerTypes    = []string{"SAML", "Facebook", "Google", "LoginWithAmazon", "SignInWithApple", "OIDC"}
)

// Pool-resource quotas (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html):
// 25 resource servers per pool (adjustable; not enforced here), 100 scopes
// per resource server (model: CreateResourceServer Scopes max 100), 50
// custom attributes per pool.
const (
	maxScopesPerServer = 100
	maxCustomAttrs     = 50
)

func (p *pool) hasAttribute(name string) bool {
	for _, a := range standardSchema {
		if a.name == name {
			return true
		}
	}
	return slices.ContainsFunc(p.custom, func(a schemaAttr) bool { return a.name == name })
}

func (p *pool) hasScope(scope string) bool {
	if slices.Contains(StandardScopes, scope) {
		return true
	}
	i := strings.LastIndex(scope, "/")
	if i <= 0 {
		return false
	}
	rs, ok := p.servers[scope[:i]]
	if !ok {
		return false
	}
	return slices.ContainsFunc(rs.scopes, func(s scopeJSON) bool { return s.ScopeName == scope[i+1:] })
}

// checkPoolRefs checks what a client refers to against its pool, after the
// request passed its own validation; e.mu held. verb is "creating" or
// "updating", as in Cognito's messages.
func checkPoolRefs(p *pool, f *clientFields, verb string) *apiError {
	// Undefined custom scopes: ScopeDoesNotExistException ("thrown when the
	// specified scope doesn't exist", UpdateUserPoolClient errors in the API
	// reference). The message text is ours.
	for _, s := range f.AllowedOAuthScopes {
		if !p.hasScope(s) {
			return errf("ScopeDoesNotExistException", "Invalid scope requested: %s", s)
		}
	}
	// Providers must be COGNITO or defined in the pool: "InvalidParameterException:
	// The provider XXXXXX does not exist for User Pool YYYYYY" (public report,
	// lgallard/terraform-aws-cognito-user-pool#72).
	for _, name := range f.SupportedIdentityProviders {
		if name == "COGNITO" {
			continue
		}
		if _, ok := p.idps[name]; !ok {
			return errf(errInvalidParam, "The provider %s does not exist for User Pool %s", name, p.id)
		}
	}
	// Attributes must be in the pool's schema: "Invalid read attributes
	// specified while creating a client" (aws/aws-cdk#34379) and "Invalid
	// write attributes specified while updating a client"
	// (aws/aws-sdk-java#1395, aws/aws-cdk#20760), InvalidParameterException.
	for _, a := range f.ReadAttributes {
		if !p.hasAttribute(a) {
			return errf(errInvalidParam, "Invalid read attributes specified while %s a client", verb)
		}
	}
	for _, a := range f.WriteAttributes {
		if !p.hasAttribute(a) {
			return errf(errInvalidParam, "Invalid write attributes specified while %s a client", verb)
		}
	}
	return nil
}

// AddResourceServer defines a resource server with its scopes in a pool,
// validated like CreateResourceServer, bypassing quotas and the call log.
// Clients can then use "<identifier>/<scope>".
func (e *Emulator) AddResourceServer(poolID, identifier, name string, scopes ...string) error {
	req := createResourceServerReq{UserPoolId: poolID, Identifier: identifier, Name: name}
	for _, s := range scopes {
		req.Scopes = append(req.Scopes, scopeJSON{ScopeName: s, ScopeDescription: s})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, aerr := e.createResourceServerLocked(&req)
	if aerr != nil {
		return fmt.Errorf("emulator: %w", aerr)
	}
	return nil
}

// AddIdentityProvider defines an identity provider in a pool (providerType
// one of SAML, Facebook, Google, LoginWithAmazon, SignInWithApple, OIDC),
// validated like CreateIdentityProvider's model constraints. Clients can
// then list name in SupportedIdentityProviders.
func (e *Emulator) AddIdentityProvider(poolID, name, providerType string) error {
	req := createIdPReq{UserPoolId: poolID, ProviderName: name, ProviderType: providerType, ProviderDetails: map[string]string{}}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, aerr := e.createIdPLocked(&req); aerr != nil {
		return fmt.Errorf("emulator: %w", aerr)
	}
	return nil
}

// AddCustomAttributes adds String custom attributes to a pool's schema, as
// AddCustomAttributes does; names may be given with or without "custom:".
// Clients can then name "custom:<name>" in Read/WriteAttributes.
func (e *Emulator) AddCustomAttributes(poolID string, names ...string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.pools[poolID]
	if !ok {
		return fmt.Errorf("emulator: user pool %s does not exist", poolID)
	}
	for _, n := range names {
		if aerr := p.addCustom(n, "String", true); aerr != nil {
			return fmt.Errorf("emulator: %w", aerr)
		}
	}
	return nil
}

func (p *pool) addCustom(name, dataType string, mutable bool) *apiError {
	short := strings.TrimPrefix(name, "custom:")
	if short == "" || len(short) > 20 || !customAttrNameRe.MatchString(short) {
		return constraint(short, "customAttributes.member.name", "Member must have length between 1 and 20")
	}
	full := "custom:" + short
	if p.hasAttribute(full) {
		return errf(errInvalidParam, "Existing attribute already has name %s.", full)
	}
	if len(p.custom) >= maxCustomAttrs {
		return errf(errInvalidParam, "User pool %s already has the maximum of %d custom attributes.", p.id, maxCustomAttrs)
	}
	p.custom = append(p.custom, schemaAttr{name: full, dataType: dataType, mutable: mutable})
	return nil
}

type schemaAttrJSON struct {
	Name                   string `json:"Name"`
	AttributeDataType      string `json:"AttributeDataType"`
	DeveloperOnlyAttribute bool   `json:"DeveloperOnlyAttribute"`
	Mutable                bool   `json:"Mutable"`
	Required               bool   `json:"Required"`
}

func (p *pool) schemaOut() []schemaAttrJSON {
	out := make([]schemaAttrJSON, 0, len(standardSchema)+len(p.custom))
	for _, a := range slices.Concat(standardSchema, p.custom) {
		out = append(out, schemaAttrJSON{Name: a.name, AttributeDataType: a.dataType, Mutable: a.mutable, Required: a.required})
	}
	return out
}

type createResourceServerReq struct {
	UserPoolId, Identifier, Name string
	Scopes                       []scopeJSON
}

type resourceServerJSON struct {
	UserPoolId string      `json:"UserPoolId"`
	Identifier string      `json:"Identifier"`
	Name       string      `json:"Name"`
	Scopes     []scopeJSON `json:"Scopes"`
}

func (e *Emulator) createResourceServer(body []byte, _ *Call) (any, *apiError) {
	var req createResourceServerReq
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	rs, aerr := e.createResourceServerLocked(&req)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"ResourceServer": rs}, nil
}

func (e *Emulator) createResourceServerLocked(req *createResourceServerReq) (*resourceServerJSON, *apiError) {
	switch {
	case req.Identifier == "" || len(req.Identifier) > 256 || !rsIdentifierRe.MatchString(req.Identifier):
		return nil, constraint(req.Identifier, "identifier", `Member must satisfy regular expression pattern: [\x21\x23-\x5B\x5D-\x7E]+`)
	case req.Name == "" || len(req.Name) > 256 || !rsNameRe.MatchString(req.Name):
		return nil, constraint(req.Name, "name", `Member must satisfy regular expression pattern: [\w\s+=,.@-]+`)
	case len(req.Scopes) > maxScopesPerServer:
		return nil, constraint(fmt.Sprintf("[%d items]", len(req.Scopes)), "scopes", "Member must have length less than or equal to 100")
	}
	for i, s := range req.Scopes {
		if s.ScopeName == "" || len(s.ScopeName) > 256 || !rsScopeNameRe.MatchString(s.ScopeName) {
			return nil, constraint(s.ScopeName, fmt.Sprintf("scopes.%d.member.scopeName", i+1), `Member must satisfy regular expression pattern: [\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+`)
		}
		if s.ScopeDescription == "" || len(s.ScopeDescription) > 256 {
			return nil, constraint(s.ScopeDescription, fmt.Sprintf("scopes.%d.member.scopeDescription", i+1), "Member must have length between 1 and 256")
		}
	}
	p, aerr := e.poolLocked(req.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	if _, ok := p.servers[req.Identifier]; ok {
		return nil, errf(errInvalidParam, "%s already exists in user pool %s.", req.Identifier, p.id)
	}
	rs := &resourceServer{identifier: req.Identifier, name: req.Name, scopes: slices.Clone(req.Scopes)}
	p.servers[req.Identifier] = rs
	return rsOut(p.id, rs), nil
}

func rsOut(poolID string, rs *resourceServer) *resourceServerJSON {
	scopes := rs.scopes
	if scopes == nil {
		scopes = []scopeJSON{}
	}
	return &resourceServerJSON{UserPoolId: poolID, Identifier: rs.identifier, Name: rs.name, Scopes: scopes}
}

func (e *Emulator) listResourceServers(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		UserPoolId string
		MaxResults *int
		NextToken  string
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	// ListResourceServersLimitType is 1-50 (model).
	max := 50
	if req.MaxResults != nil {
		if *req.MaxResults < 1 || *req.MaxResults > 50 {
			return nil, constraint(*req.MaxResults, "maxResults", "Member must have value between 1 and 50")
		}
		max = *req.MaxResults
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, aerr := e.poolLocked(req.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	got, next, aerr := page(slices.Sorted(maps.Keys(p.servers)), req.NextToken, max)
	if aerr != nil {
		return nil, aerr
	}
	out := make([]*resourceServerJSON, 0, len(got))
	for _, id := range got {
		out = append(out, rsOut(p.id, p.servers[id]))
	}
	resp := map[string]any{"ResourceServers": out}
	if next != "" {
		resp["NextToken"] = next
	}
	return resp, nil
}

type createIdPReq struct {
	UserPoolId, ProviderName, ProviderType string
	ProviderDetails, AttributeMapping      map[string]string
	IdpIdentifiers                         []string
}

type idpJSON struct {
	UserPoolId       string            `json:"UserPoolId,omitempty"`
	ProviderName     string            `json:"ProviderName"`
	ProviderType     string            `json:"ProviderType"`
	ProviderDetails  map[string]string `json:"ProviderDetails,omitempty"`
	AttributeMapping map[string]string `json:"AttributeMapping,omitempty"`
	IdpIdentifiers   []string          `json:"IdpIdentifiers,omitempty"`
	LastModifiedDate json.Number       `json:"LastModifiedDate"`
	CreationDate     json.Number       `json:"CreationDate"`
}

func (e *Emulator) createIdentityProvider(body []byte, _ *Call) (any, *apiError) {
	var req createIdPReq
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	out, aerr := e.createIdPLocked(&req)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"IdentityProvider": out}, nil
}

// createIdPLocked checks the model constraints only: the provider-specific
// ProviderDetails keys (client_id, oidc_issuer, MetadataURL, ...) are not
// modelled; e.mu held.
func (e *Emulator) createIdPLocked(req *createIdPReq) (*idpJSON, *apiError) {
	switch {
	case len(req.ProviderName) < 3 || len(req.ProviderName) > 32 || !providerNameRe.MatchString(req.ProviderName):
		return nil, constraint(req.ProviderName, "providerName", `Member must satisfy regular expression pattern: [^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+`)
	case req.ProviderDetails == nil:
		return nil, errf(errInvalidParam, "%sValue null at 'providerDetails' failed to satisfy constraint: Member must not be null", validationPrefix)
	case !slices.Contains(providerTypes, req.ProviderType):
		return nil, constraint(req.ProviderType, "providerType", "Member must satisfy enum value set: ["+strings.Join(providerTypes, ", ")+"]")
	}
	p, aerr := e.poolLocked(req.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	if _, ok := p.idps[req.ProviderName]; ok {
		return nil, errf("DuplicateProviderException", "A provider with the name %s already exists in this user pool.", req.ProviderName)
	}
	now := e.nowMS()
	idp := &identityProvider{name: req.ProviderName, typ: req.ProviderType, details: req.ProviderDetails,
		mapping: req.AttributeMapping, identifiers: req.IdpIdentifiers, created: now, modified: now}
	p.idps[req.ProviderName] = idp
	return idpOut(p.id, idp, true), nil
}

func idpOut(poolID string, idp *identityProvider, full bool) *idpJSON {
	out := &idpJSON{ProviderName: idp.name, ProviderType: idp.typ, CreationDate: epoch(idp.created), LastModifiedDate: epoch(idp.modified)}
	if full {
		out.UserPoolId, out.ProviderDetails, out.AttributeMapping, out.IdpIdentifiers = poolID, idp.details, idp.mapping, idp.identifiers
	}
	return out
}

func (e *Emulator) listIdentityProviders(body []byte, _ *Call) (any, *apiError) {
	var req struct {
		UserPoolId string
		MaxResults *int
		NextToken  string
	}
	if aerr := decode(body, &req); aerr != nil {
		return nil, aerr
	}
	// ListProvidersLimitType is 1-60 (model).
	max, aerr := checkMaxResults(req.MaxResults, false)
	if aerr != nil {
		return nil, aerr
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, aerr := e.poolLocked(req.UserPoolId)
	if aerr != nil {
		return nil, aerr
	}
	got, next, aerr := page(slices.Sorted(maps.Keys(p.idps)), req.NextToken, max)
	if aerr != nil {
		return nil, aerr
	}
	out := make([]*idpJSON, 0, len(got))
	for _, name := range got {
		out = append(out, idpOut(p.id, p.idps[name], false))
	}
	resp := map[string]any{"Providers": out}
	if next != "" {
		resp["NextToken"] = next
	}
	return resp, nil
}
