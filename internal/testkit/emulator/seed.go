package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unique"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// CreatePool creates a user pool with an explicit ID (a new one of the AWS
// form "<region>_XXXXXXXXX" when id is ""), bypassing quotas and the call
// log. It returns the pool ID; an existing ID is an error.
func (e *Emulator) CreatePool(id, name string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.createPoolLocked(id, name)
	if err != nil {
		return "", err
	}
	return p.id, nil
}

func (e *Emulator) createPoolLocked(id, name string) (*pool, error) {
	if id == "" {
		id = e.newPoolID()
		for e.pools[id] != nil {
			id = e.newPoolID()
		}
	}
	if _, ok := e.pools[id]; ok {
		return nil, fmt.Errorf("emulator: user pool %s already exists", id)
	}
	now := e.nowMS()
	p := &pool{id: id, name: name, created: now, modified: now, clients: make(map[string]*client),
		servers: make(map[string]*resourceServer), idps: make(map[string]*identityProvider)}
	e.pools[id] = p
	return p, nil
}

// PutClient stores c in the pool, replacing any client with the same ID (a
// new ID is generated when c.ClientId is nil). It validates c exactly like
// CreateUserPoolClient (model constraints, cross-field rules, and the
// scopes, identity providers and attributes the pool defines), so no state
// Cognito would refuse can be seeded; omitted settings take the Cognito
// defaults. ClientSecret, CreationDate and LastModifiedDate are kept when
// set. It returns the client ID; a refused client is an error wrapping the
// AWS error text.
func (e *Emulator) PutClient(poolID string, c types.UserPoolClientType) (string, error) {
	f := fieldsFromSDK(&c)
	return e.putClient(poolID, aws.ToString(c.ClientId), aws.ToString(c.ClientSecret), f, c.CreationDate, c.LastModifiedDate)
}

func (e *Emulator) putClient(poolID, id, secret string, f *clientFields, created, modified *time.Time) (string, error) {
	name := ""
	if f.ClientName != nil {
		name = *f.ClientName
	}
	if aerr := checkClientName(name); aerr != nil {
		return "", fmt.Errorf("emulator: seed client: %w", aerr)
	}
	if secret != "" {
		if aerr := checkClientSecret(secret); aerr != nil {
			return "", fmt.Errorf("emulator: seed client %s: %w", name, aerr)
		}
	}
	if id != "" && (len(id) > 128 || !clientIDRe.MatchString(id)) {
		return "", fmt.Errorf("emulator: seed client %s: client ID must match [\\w+]+ (1-128)", name)
	}
	s, aerr := buildSettings(f, secret != "", e.account)
	if aerr != nil {
		return "", fmt.Errorf("emulator: seed client %s: %w", name, aerr)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.pools[poolID]
	if !ok {
		return "", fmt.Errorf("emulator: user pool %s does not exist", poolID)
	}
	if aerr := checkPoolRefs(p, f, "creating"); aerr != nil {
		return "", fmt.Errorf("emulator: seed client %s: %w", name, aerr)
	}
	if id == "" {
		id = e.newClientID()
	}
	now := e.nowMS()
	c := &client{secret: secret, created: now, modified: now, s: unique.Make(s)}
	if f.ClientName != nil {
		c.name = *f.ClientName
	}
	if created != nil {
		c.created = created.UnixMilli()
	}
	if modified != nil {
		c.modified = modified.UnixMilli()
	}
	if secret != "" {
		c.secretCreated = c.created
	}
	if _, exists := p.clients[id]; !exists {
		p.sorted = nil
	}
	p.clients[id] = c
	return id, nil
}

// Client returns the client as DescribeUserPoolClient would, without going
// through quotas, faults or the call log.
func (e *Emulator) Client(poolID, clientID string) (types.UserPoolClientType, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	p, c, aerr := e.clientLocked(poolID, clientID)
	if aerr != nil {
		return types.UserPoolClientType{}, false
	}
	return sdkFromJSON(e.render(p.id, clientID, c)), true
}

func fieldsFromSDK(c *types.UserPoolClientType) *clientFields {
	f := &clientFields{
		ClientName:                               c.ClientName,
		AccessTokenValidity:                      c.AccessTokenValidity,
		IdTokenValidity:                          c.IdTokenValidity,
		ReadAttributes:                           c.ReadAttributes,
		WriteAttributes:                          c.WriteAttributes,
		SupportedIdentityProviders:               c.SupportedIdentityProviders,
		CallbackURLs:                             c.CallbackURLs,
		LogoutURLs:                               c.LogoutURLs,
		DefaultRedirectURI:                       c.DefaultRedirectURI,
		AllowedOAuthScopes:                       c.AllowedOAuthScopes,
		AllowedOAuthFlowsUserPoolClient:          c.AllowedOAuthFlowsUserPoolClient,
		EnableTokenRevocation:                    c.EnableTokenRevocation,
		EnablePropagateAdditionalUserContextData: c.EnablePropagateAdditionalUserContextData,
		AuthSessionValidity:                      c.AuthSessionValidity,
	}
	if c.RefreshTokenValidity != 0 {
		f.RefreshTokenValidity = aws.Int32(c.RefreshTokenValidity)
	}
	if u := c.TokenValidityUnits; u != nil {
		f.TokenValidityUnits = &unitsJSON{AccessToken: string(u.AccessToken), IdToken: string(u.IdToken), RefreshToken: string(u.RefreshToken)}
	}
	for _, x := range c.ExplicitAuthFlows {
		f.ExplicitAuthFlows = append(f.ExplicitAuthFlows, string(x))
	}
	for _, x := range c.AllowedOAuthFlows {
		f.AllowedOAuthFlows = append(f.AllowedOAuthFlows, string(x))
	}
	if a := c.AnalyticsConfiguration; a != nil {
		f.AnalyticsConfiguration = &analyticsJSON{
			ApplicationId: aws.ToString(a.ApplicationId), ApplicationArn: aws.ToString(a.ApplicationArn),
			RoleArn: aws.ToString(a.RoleArn), ExternalId: aws.ToString(a.ExternalId), UserDataShared: a.UserDataShared,
		}
	}
	if c.PreventUserExistenceErrors != "" {
		f.PreventUserExistenceErrors = aws.String(string(c.PreventUserExistenceErrors))
	}
	if r := c.RefreshTokenRotation; r != nil {
		f.RefreshTokenRotation = &rotationJSON{Feature: string(r.Feature), RetryGracePeriodSeconds: r.RetryGracePeriodSeconds}
	}
	return f
}

func sdkFromJSON(j *clientJSON) types.UserPoolClientType {
	parse := func(n json.Number) *time.Time {
		f, _ := n.Float64()
		t := time.UnixMilli(int64(f*1000 + 0.5)).UTC()
		return &t
	}
	nz := func(v int32) *int32 {
		if v == 0 {
			return nil
		}
		return aws.Int32(v)
	}
	nzs := func(s string) *string {
		if s == "" {
			return nil
		}
		return aws.String(s)
	}
	c := types.UserPoolClientType{
		UserPoolId:                               aws.String(j.UserPoolId),
		ClientName:                               aws.String(j.ClientName),
		ClientId:                                 aws.String(j.ClientId),
		ClientSecret:                             nzs(j.ClientSecret),
		LastModifiedDate:                         parse(j.LastModifiedDate),
		CreationDate:                             parse(j.CreationDate),
		RefreshTokenValidity:                     j.RefreshTokenValidity,
		AccessTokenValidity:                      nz(j.AccessTokenValidity),
		IdTokenValidity:                          nz(j.IdTokenValidity),
		TokenValidityUnits:                       &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsType(j.TokenValidityUnits.AccessToken), IdToken: types.TimeUnitsType(j.TokenValidityUnits.IdToken), RefreshToken: types.TimeUnitsType(j.TokenValidityUnits.RefreshToken)},
		ReadAttributes:                           j.ReadAttributes,
		WriteAttributes:                          j.WriteAttributes,
		SupportedIdentityProviders:               j.SupportedIdentityProviders,
		CallbackURLs:                             j.CallbackURLs,
		LogoutURLs:                               j.LogoutURLs,
		DefaultRedirectURI:                       nzs(j.DefaultRedirectURI),
		AllowedOAuthScopes:                       j.AllowedOAuthScopes,
		AllowedOAuthFlowsUserPoolClient:          aws.Bool(j.AllowedOAuthFlowsUserPoolClient),
		PreventUserExistenceErrors:               types.PreventUserExistenceErrorTypes(j.PreventUserExistenceErrors),
		EnableTokenRevocation:                    aws.Bool(j.EnableTokenRevocation),
		EnablePropagateAdditionalUserContextData: aws.Bool(j.EnablePropagateAdditionalUserContextData),
		AuthSessionValidity:                      aws.Int32(j.AuthSessionValidity),
		RefreshTokenRotation:                     &types.RefreshTokenRotationType{Feature: types.FeatureType(j.RefreshTokenRotation.Feature), RetryGracePeriodSeconds: j.RefreshTokenRotation.RetryGracePeriodSeconds},
	}
	for _, x := range j.ExplicitAuthFlows {
		c.ExplicitAuthFlows = append(c.ExplicitAuthFlows, types.ExplicitAuthFlowsType(x))
	}
	for _, x := range j.AllowedOAuthFlows {
		c.AllowedOAuthFlows = append(c.AllowedOAuthFlows, types.OAuthFlowType(x))
	}
	if a := j.AnalyticsConfiguration; a != nil {
		c.AnalyticsConfiguration = &types.AnalyticsConfigurationType{
			ApplicationId: nzs(a.ApplicationId), ApplicationArn: nzs(a.ApplicationArn),
			RoleArn: nzs(a.RoleArn), ExternalId: nzs(a.ExternalId), UserDataShared: a.UserDataShared,
		}
	}
	return c
}

// SeedDoc is the seed document accepted by [Emulator.Seed], the standalone
// server's -seed flag and POST /_emulator/seed. Clients use the AWS wire
// names of UserPoolClientType (as `aws cognito-idp describe-user-pool-client`
// prints them) and are stored like [Emulator.PutClient]. A parameter value
// may be a JSON string or any JSON value, which is stored compacted (handy
// for a baseline document).
//
// A pool may define what its clients refer to, before they are seeded:
// resource servers (custom scopes "<identifier>/<scope>"), identity
// providers (names for SupportedIdentityProviders) and custom attributes
// (for Read/WriteAttributes, with or without the "custom:" prefix).
type SeedDoc struct {
	Pools []struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		ResourceServers []struct {
			Identifier string   `json:"identifier"`
			Name       string   `json:"name"`
			Scopes     []string `json:"scopes"`
		} `json:"resourceServers"`
		IdentityProviders []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"identityProviders"`
		CustomAttributes []string     `json:"customAttributes"`
		Clients          []seedClient `json:"clients"`
	} `json:"pools"`
	Parameters []struct {
		Name  string          `json:"name"`
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	} `json:"parameters"`
}

type seedClient struct {
	ClientId     string
	ClientSecret string
	clientFields
	// Accepted so a describe-user-pool-client output can be pasted; ignored.
	UserPoolId       string
	CreationDate     json.Number
	LastModifiedDate json.Number
}

// Seed loads a seed document (see [SeedDoc]); pools that already exist get
// the resources and clients added. A client Cognito would refuse is an
// error (see [Emulator.PutClient]).
func (e *Emulator) Seed(doc []byte) error {
	var d SeedDoc
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return fmt.Errorf("emulator: seed: %w", err)
	}
	for _, p := range d.Pools {
		e.mu.Lock()
		_, exists := e.pools[p.ID]
		e.mu.Unlock()
		if !exists || p.ID == "" {
			id, err := e.CreatePool(p.ID, p.Name)
			if err != nil {
				return err
			}
			p.ID = id
		}
		for _, rs := range p.ResourceServers {
			if err := e.AddResourceServer(p.ID, rs.Identifier, rs.Name, rs.Scopes...); err != nil {
				return fmt.Errorf("emulator: seed pool %s: %w", p.ID, err)
			}
		}
		for _, idp := range p.IdentityProviders {
			if err := e.AddIdentityProvider(p.ID, idp.Name, idp.Type); err != nil {
				return fmt.Errorf("emulator: seed pool %s: %w", p.ID, err)
			}
		}
		if err := e.AddCustomAttributes(p.ID, p.CustomAttributes...); err != nil {
			return fmt.Errorf("emulator: seed pool %s: %w", p.ID, err)
		}
		for _, c := range p.Clients {
			if _, err := e.putClient(p.ID, c.ClientId, c.ClientSecret, &c.clientFields, nil, nil); err != nil {
				return err
			}
		}
	}
	for _, prm := range d.Parameters {
		var value string
		if err := json.Unmarshal(prm.Value, &value); err != nil {
			var buf bytes.Buffer
			if err := json.Compact(&buf, prm.Value); err != nil {
				return fmt.Errorf("emulator: seed parameter %s: %w", prm.Name, err)
			}
			value = buf.String()
		}
		if _, _, err := e.PutParameter(prm.Name, prm.Type, value, "", true); err != nil {
			return fmt.Errorf("emulator: seed parameter %s: %w", prm.Name, err)
		}
	}
	return nil
}
