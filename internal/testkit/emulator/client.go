package emulator

import (
	"encoding/json"
	"hash/fnv"
	"slices"
	"strings"
	"unique"
)

// settings is every app-client setting that UpdateUserPoolClient replaces,
// after defaults are applied. It is comparable so identical configurations
// (the common case when 100 pools x 10,000 clients are seeded) are interned
// with package unique and stored once.
type settings struct {
	accessValidity, idValidity int32 // 0 = unset (default 1 hour)
	refreshValidity            int32 // always set; default 30 days in its unit
	unitAccess, unitID         string
	unitRefresh                string // "" = unset

	readAttrs, writeAttrs, authFlows, idps list
	callbacks, logouts, oauthFlows, scopes list

	defaultRedirect string
	oauthClient     bool

	hasAnalytics                  bool
	anAppID, anAppArn, anRoleArn  string
	anExternalID                  string
	anUserDataShared              bool
	preventUserExistence          string // "" = unset (LEGACY)
	tokenRevocation, propagateUCD bool
	authSession                   int32
	rotation                      string // ENABLED | DISABLED
	retryGrace                    int32
}

// list is a string list joined by NUL so settings stays comparable. Elements
// are kept in Cognito's "storage" order (see newList), not request order.
type list string

// newList dedupes and orders elements by a hash of their value. AWS does not
// keep the request order (aws/aws-cli awscli/examples/cognito-idp/update-user-pool-client.rst:
// ["code","implicit"] comes back ["implicit","code"]); a deterministic order
// independent of the request makes order-sensitive comparisons fail in tests
// as they would against AWS.
func newList(xs []string) list {
	if len(xs) == 0 {
		return ""
	}
	xs = slices.Clone(xs)
	slices.SortFunc(xs, func(a, b string) int {
		ha, hb := hash(a), hash(b)
		switch {
		case ha < hb:
			return -1
		case ha > hb:
			return 1
		}
		return strings.Compare(a, b)
	})
	xs = slices.Compact(xs)
	return list(strings.Join(xs, "\x00"))
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func (l list) items() []string {
	if l == "" {
		return nil
	}
	return strings.Split(string(l), "\x00")
}

// client is one stored app client. The identifier is the map key.
type client struct {
	name              string
	secret            string // "" = no secret
	secretCreated     int64
	created, modified int64 // unix milliseconds
	s                 unique.Handle[settings]
	extra             *secretEntry // second secret from AddUserPoolClientSecret
}

type secretEntry struct {
	value   string
	created int64
}

// pool is one user pool.
type pool struct {
	id, name          string
	created, modified int64
	clients           map[string]*client
	sorted            []string                     // client IDs in list order; nil when stale
	servers           map[string]*resourceServer   // by identifier
	idps              map[string]*identityProvider // by provider name
	custom            []schemaAttr                 // custom: attributes, in creation order
}

func (p *pool) sortedIDs() []string {
	if p.sorted == nil {
		p.sorted = make([]string, 0, len(p.clients))
		for id := range p.clients {
			p.sorted = append(p.sorted, id)
		}
		slices.Sort(p.sorted)
	}
	return p.sorted
}

// clientFields are the settable members shared by the Create and Update
// requests, in the AWS JSON member names. Pointers tell "omitted" apart.
type clientFields struct {
	ClientName                               *string        `json:"ClientName,omitempty"`
	RefreshTokenValidity                     *int32         `json:"RefreshTokenValidity,omitempty"`
	AccessTokenValidity                      *int32         `json:"AccessTokenValidity,omitempty"`
	IdTokenValidity                          *int32         `json:"IdTokenValidity,omitempty"`
	TokenValidityUnits                       *unitsJSON     `json:"TokenValidityUnits,omitempty"`
	ReadAttributes                           []string       `json:"ReadAttributes,omitempty"`
	WriteAttributes                          []string       `json:"WriteAttributes,omitempty"`
	ExplicitAuthFlows                        []string       `json:"ExplicitAuthFlows,omitempty"`
	SupportedIdentityProviders               []string       `json:"SupportedIdentityProviders,omitempty"`
	CallbackURLs                             []string       `json:"CallbackURLs,omitempty"`
	LogoutURLs                               []string       `json:"LogoutURLs,omitempty"`
	DefaultRedirectURI                       *string        `json:"DefaultRedirectURI,omitempty"`
	AllowedOAuthFlows                        []string       `json:"AllowedOAuthFlows,omitempty"`
	AllowedOAuthScopes                       []string       `json:"AllowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient          *bool          `json:"AllowedOAuthFlowsUserPoolClient,omitempty"`
	AnalyticsConfiguration                   *analyticsJSON `json:"AnalyticsConfiguration,omitempty"`
	PreventUserExistenceErrors               *string        `json:"PreventUserExistenceErrors,omitempty"`
	EnableTokenRevocation                    *bool          `json:"EnableTokenRevocation,omitempty"`
	EnablePropagateAdditionalUserContextData *bool          `json:"EnablePropagateAdditionalUserContextData,omitempty"`
	AuthSessionValidity                      *int32         `json:"AuthSessionValidity,omitempty"`
	RefreshTokenRotation                     *rotationJSON  `json:"RefreshTokenRotation,omitempty"`
}

type unitsJSON struct {
	AccessToken  string `json:"AccessToken,omitempty"`
	IdToken      string `json:"IdToken,omitempty"`
	RefreshToken string `json:"RefreshToken,omitempty"`
}

type analyticsJSON struct {
	ApplicationId  string `json:"ApplicationId,omitempty"`
	ApplicationArn string `json:"ApplicationArn,omitempty"`
	RoleArn        string `json:"RoleArn,omitempty"`
	ExternalId     string `json:"ExternalId,omitempty"`
	UserDataShared bool   `json:"UserDataShared"`
}

type rotationJSON struct {
	Feature                 string `json:"Feature"`
	RetryGracePeriodSeconds *int32 `json:"RetryGracePeriodSeconds,omitempty"`
}

// clientJSON is UserPoolClientType on the wire, as Describe, Create and
// Update return it: fields at their defaults are omitted the way AWS omits
// them (the outputs in aws/aws-cli awscli/examples/cognito-idp/create-user-pool-client.rst
// and update-user-pool-client.rst).
type clientJSON struct {
	UserPoolId                               string         `json:"UserPoolId"`
	ClientName                               string         `json:"ClientName"`
	ClientId                                 string         `json:"ClientId"`
	ClientSecret                             string         `json:"ClientSecret,omitempty"`
	LastModifiedDate                         json.Number    `json:"LastModifiedDate"`
	CreationDate                             json.Number    `json:"CreationDate"`
	RefreshTokenValidity                     int32          `json:"RefreshTokenValidity"`
	AccessTokenValidity                      int32          `json:"AccessTokenValidity,omitempty"`
	IdTokenValidity                          int32          `json:"IdTokenValidity,omitempty"`
	TokenValidityUnits                       unitsJSON      `json:"TokenValidityUnits"`
	ReadAttributes                           []string       `json:"ReadAttributes,omitempty"`
	WriteAttributes                          []string       `json:"WriteAttributes,omitempty"`
	ExplicitAuthFlows                        []string       `json:"ExplicitAuthFlows,omitempty"`
	SupportedIdentityProviders               []string       `json:"SupportedIdentityProviders,omitempty"`
	CallbackURLs                             []string       `json:"CallbackURLs,omitempty"`
	LogoutURLs                               []string       `json:"LogoutURLs,omitempty"`
	DefaultRedirectURI                       string         `json:"DefaultRedirectURI,omitempty"`
	AllowedOAuthFlows                        []string       `json:"AllowedOAuthFlows,omitempty"`
	AllowedOAuthScopes                       []string       `json:"AllowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient          bool           `json:"AllowedOAuthFlowsUserPoolClient"`
	AnalyticsConfiguration                   *analyticsJSON `json:"AnalyticsConfiguration,omitempty"`
	PreventUserExistenceErrors               string         `json:"PreventUserExistenceErrors,omitempty"`
	EnableTokenRevocation                    bool           `json:"EnableTokenRevocation"`
	EnablePropagateAdditionalUserContextData bool           `json:"EnablePropagateAdditionalUserContextData"`
	AuthSessionValidity                      int32          `json:"AuthSessionValidity"`
	RefreshTokenRotation                     rotationJSON   `json:"RefreshTokenRotation"`
}

func (e *Emulator) render(poolID, id string, c *client) *clientJSON {
	s := c.s.Value()
	out := &clientJSON{
		UserPoolId:                               poolID,
		ClientName:                               c.name,
		ClientId:                                 id,
		ClientSecret:                             c.secret,
		LastModifiedDate:                         epoch(c.modified),
		CreationDate:                             epoch(c.created),
		RefreshTokenValidity:                     s.refreshValidity,
		AccessTokenValidity:                      s.accessValidity,
		IdTokenValidity:                          s.idValidity,
		TokenValidityUnits:                       unitsJSON{AccessToken: s.unitAccess, IdToken: s.unitID, RefreshToken: s.unitRefresh},
		ReadAttributes:                           s.readAttrs.items(),
		WriteAttributes:                          s.writeAttrs.items(),
		ExplicitAuthFlows:                        s.authFlows.items(),
		SupportedIdentityProviders:               s.idps.items(),
		CallbackURLs:                             s.callbacks.items(),
		LogoutURLs:                               s.logouts.items(),
		DefaultRedirectURI:                       s.defaultRedirect,
		AllowedOAuthFlows:                        s.oauthFlows.items(),
		AllowedOAuthScopes:                       s.scopes.items(),
		AllowedOAuthFlowsUserPoolClient:          s.oauthClient,
		PreventUserExistenceErrors:               s.preventUserExistence,
		EnableTokenRevocation:                    s.tokenRevocation,
		EnablePropagateAdditionalUserContextData: s.propagateUCD,
		AuthSessionValidity:                      s.authSession,
		RefreshTokenRotation:                     rotationJSON{Feature: s.rotation, RetryGracePeriodSeconds: &s.retryGrace},
	}
	if s.hasAnalytics {
		out.AnalyticsConfiguration = &analyticsJSON{
			ApplicationId:  s.anAppID,
			ApplicationArn: s.anAppArn,
			RoleArn:        s.anRoleArn,
			ExternalId:     s.anExternalID,
			UserDataShared: s.anUserDataShared,
		}
	}
	return out
}
