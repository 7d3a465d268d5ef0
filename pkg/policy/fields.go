package policy

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

type kind int

const (
	kindDuration kind = iota // whole seconds
	kindNumber               // a plain integer (RetryGracePeriodSeconds)
	kindBool
	kindString // strings and enums
	kindSet    // string lists compared as sets
	kindObject // AnalyticsConfiguration, RefreshTokenRotation
)

// val is a normalised field value: what Cognito means, not what it printed.
type val struct {
	n       int64 // duration in seconds, or a number
	b       bool
	s       string
	present bool           // string and object fields: set at all
	list    []string       // sorted, unique
	all     bool           // Read/WriteAttributes unset: every attribute
	obj     map[string]any // object fields; numbers as int64
}

// field describes one governed setting: how to read it from a described
// client with Cognito's defaults applied, and how to write a fixed value.
type field struct {
	name  string
	kind  kind
	forms []form
	// min/max are Cognito's limits (seconds for durations).
	min, max int64
	// enum lists the allowed values of a string or set field.
	enum     []string
	maxItems int  // set fields: Cognito's item limit, 0 when none
	urls     bool // set fields holding redirect URLs
	// objKeys are the keys an object field's equals may state.
	objKeys map[string]kind
	// sdk is the UserPoolClientType field the value lives in; sub-fields of
	// RefreshTokenRotation share one.
	sdk string

	get func(c *types.UserPoolClientType) val
	put func(c *types.UserPoolClientType, v val)
	// read is a set field's get without the allocation: the sorted list
	// goes into dst's spare room (see evalState.get); nil for other kinds.
	read func(c *types.UserPoolClientType, dst []string) ([]string, bool)

	idx    int      // position in fields
	sdkIdx int      // position of the whole field whose Cognito member it is
	parts  fieldSet // a whole field's parts (RefreshTokenRotation.Feature, ...)
}

// Standard attributes, which is what an unset ReadAttributes/WriteAttributes
// means (plus custom attributes, which a pure evaluator cannot list). Source:
// UpdateUserPoolClient ReadAttributes/WriteAttributes documentation.
var standardAttributes = []string{
	"address", "birthdate", "email", "family_name", "gender", "given_name", "locale",
	"middle_name", "name", "nickname", "phone_number", "picture", "preferred_username",
	"profile", "updated_at", "website", "zoneinfo",
}

var readAllAttributes = sortedUnique(append([]string{"email_verified", "phone_number_verified"}, standardAttributes...))

// defaultAuthFlows is what Cognito applies when ExplicitAuthFlows is absent.
var defaultAuthFlows = []string{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}

var legacyAuthFlows = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}

const (
	day    = 86400
	hour   = 3600
	minute = 60
)

var setForms = []form{formEquals, formRequire, formForbid, formAllow}
var urlForms = []form{formEquals, formRequire, formForbid, formAllow, formRequireHTTPS}
var durForms = []form{formEquals, formMin, formMax}

// fields is the rule table: every settable field of UpdateUserPoolClient
// (API reference: API_UpdateUserPoolClient), in the order findings and
// changes are listed.
var fields = []*field{
	durationField("AccessTokenValidity", 5*minute, day, hour,
		func(c *types.UserPoolClientType) **int32 { return &c.AccessTokenValidity },
		func(u *types.TokenValidityUnitsType) *types.TimeUnitsType { return &u.AccessToken }, types.TimeUnitsTypeHours),
	setField("AllowedOAuthFlows", setForms, enumStrings(types.OAuthFlowType("").Values()), 3,
		func(c *types.UserPoolClientType, dst []string) ([]string, bool) {
			return sortedStringsInto(dst, c.AllowedOAuthFlows), false
		},
		func(c *types.UserPoolClientType) *[]types.OAuthFlowType { return &c.AllowedOAuthFlows }),
	boolField("AllowedOAuthFlowsUserPoolClient", false,
		func(c *types.UserPoolClientType) **bool { return &c.AllowedOAuthFlowsUserPoolClient }),
	setField("AllowedOAuthScopes", setForms, nil, 50,
		func(c *types.UserPoolClientType, dst []string) ([]string, bool) {
			return sortedUniqueInto(dst, c.AllowedOAuthScopes), false
		},
		func(c *types.UserPoolClientType) *[]string { return &c.AllowedOAuthScopes }),
	analyticsField(),
	{
		name: "AuthSessionValidity", kind: kindDuration, forms: durForms, min: 3 * minute, max: 15 * minute,
		sdk: "AuthSessionValidity",
		// Always minutes; absent means 3 (create/update outputs show 3).
		get: func(c *types.UserPoolClientType) val {
			if c.AuthSessionValidity == nil {
				return val{n: 3 * minute}
			}
			return val{n: int64(*c.AuthSessionValidity) * minute}
		},
		put: func(c *types.UserPoolClientType, v val) { c.AuthSessionValidity = aws.Int32(int32(v.n / minute)) },
	},
	setField("CallbackURLs", urlForms, nil, 100,
		func(c *types.UserPoolClientType, dst []string) ([]string, bool) {
			return sortedUniqueInto(dst, c.CallbackURLs), false
		},
		func(c *types.UserPoolClientType) *[]string { return &c.CallbackURLs }),
	stringField("ClientName", []form{formEquals, formPattern}, nil,
		func(c *types.UserPoolClientType) **string { return &c.ClientName }),
	stringField("DefaultRedirectURI", []form{formEquals, formRequireHTTPS}, nil,
		func(c *types.UserPoolClientType) **string { return &c.DefaultRedirectURI }),
	boolField("EnablePropagateAdditionalUserContextData", false,
		func(c *types.UserPoolClientType) **bool { return &c.EnablePropagateAdditionalUserContextData }),
	// Absent reads as true: it is Cognito's create default and every
	// observed describe prints it; reading absent as false would make a
	// client whose describe omits it drift forever (see doc.go).
	boolField("EnableTokenRevocation", true,
		func(c *types.UserPoolClientType) **bool { return &c.EnableTokenRevocation }),
	setField("ExplicitAuthFlows", setForms, enumStrings(types.ExplicitAuthFlowsType("").Values()), 0,
		func(c *types.UserPoolClientType, dst []string) ([]string, bool) {
			if len(c.ExplicitAuthFlows) == 0 {
				return sortedUniqueInto(dst, defaultAuthFlows), false
			}
			return sortedStringsInto(dst, c.ExplicitAuthFlows), false
		},
		func(c *types.UserPoolClientType) *[]types.ExplicitAuthFlowsType { return &c.ExplicitAuthFlows }),
	durationField("IdTokenValidity", 5*minute, day, hour,
		func(c *types.UserPoolClientType) **int32 { return &c.IdTokenValidity },
		func(u *types.TokenValidityUnitsType) *types.TimeUnitsType { return &u.IdToken }, types.TimeUnitsTypeHours),
	setField("LogoutURLs", urlForms, nil, 100,
		func(c *types.UserPoolClientType, dst []string) ([]string, bool) {
			return sortedUniqueInto(dst, c.LogoutURLs), false
		},
		func(c *types.UserPoolClientType) *[]string { return &c.LogoutURLs }),
	{
		name: "PreventUserExistenceErrors", kind: kindString, forms: []form{formEquals},
		enum: enumStrings(types.PreventUserExistenceErrorTypes("").Values()), sdk: "PreventUserExistenceErrors",
		get: func(c *types.UserPoolClientType) val {
			if c.PreventUserExistenceErrors == "" {
				return val{s: "LEGACY", present: true} // "Defaults to LEGACY."
			}
			return val{s: string(c.PreventUserExistenceErrors), present: true}
		},
		put: func(c *types.UserPoolClientType, v val) {
			c.PreventUserExistenceErrors = types.PreventUserExistenceErrorTypes(v.s)
		},
	},
	setField("ReadAttributes", setForms, nil, 0,
		func(c *types.UserPoolClientType, dst []string) ([]string, bool) {
			return sortedUniqueInto(dst, c.ReadAttributes), len(c.ReadAttributes) == 0
		},
		func(c *types.UserPoolClientType) *[]string { return &c.ReadAttributes }),
	rotationField(),
	{
		name: "RefreshTokenRotation.Feature", kind: kindString, forms: []form{formEquals},
		enum: enumStrings(types.FeatureType("").Values()), sdk: "RefreshTokenRotation",
		get: func(c *types.UserPoolClientType) val {
			return val{s: rotationFeature(c), present: true}
		},
		put: func(c *types.UserPoolClientType, v val) {
			r := editRotation(c)
			r.Feature = types.FeatureType(v.s)
		},
	},
	{
		name: "RefreshTokenRotation.RetryGracePeriodSeconds", kind: kindNumber, forms: durForms, min: 0, max: 60,
		sdk: "RefreshTokenRotation",
		get: func(c *types.UserPoolClientType) val {
			if r := c.RefreshTokenRotation; r != nil && r.RetryGracePeriodSeconds != nil {
				return val{n: int64(*r.RetryGracePeriodSeconds)}
			}
			return val{}
		},
		put: func(c *types.UserPoolClientType, v val) {
			r := editRotation(c)
			r.RetryGracePeriodSeconds = aws.Int32(int32(v.n))
		},
	},
	refreshValidityField(),
	setField("SupportedIdentityProviders", setForms, nil, 0,
		func(c *types.UserPoolClientType, dst []string) ([]string, bool) {
			return sortedUniqueInto(dst, c.SupportedIdentityProviders), false
		},
		func(c *types.UserPoolClientType) *[]string { return &c.SupportedIdentityProviders }),
	setField("WriteAttributes", setForms, nil, 0,
		func(c *types.UserPoolClientType, dst []string) ([]string, bool) {
			return sortedUniqueInto(dst, c.WriteAttributes), len(c.WriteAttributes) == 0
		},
		func(c *types.UserPoolClientType) *[]string { return &c.WriteAttributes }),
}

var fieldByName = func() map[string]*field {
	if len(fields) > 64 {
		panic("policy: fieldSet holds 64 fields")
	}
	m := make(map[string]*field, len(fields))
	for i, f := range fields {
		f.idx = i
		m[f.name] = fields[i]
	}
	for _, f := range fields {
		f.sdkIdx = m[f.sdk].idx
		if f.sdkIdx != f.idx {
			m[f.sdk].parts.add(f)
		}
	}
	return m
}()

// fieldSet is a set of fields by index; the table has fewer than 64.
type fieldSet uint64

func (s fieldSet) has(f *field) bool { return s&(1<<f.idx) != 0 }
func (s *fieldSet) add(f *field)     { *s |= 1 << f.idx }
func (s *fieldSet) remove(f *field)  { *s &^= 1 << f.idx }

var fieldNames = func() []string {
	n := make([]string, len(fields))
	for i, f := range fields {
		n[i] = f.name
	}
	return n
}()

func durationField(name string, lo, hi, unitDefault int64,
	ptr func(*types.UserPoolClientType) **int32,
	slot func(*types.TokenValidityUnitsType) *types.TimeUnitsType, defUnit types.TimeUnitsType) *field {
	unit := func(c *types.UserPoolClientType) types.TimeUnitsType {
		if c.TokenValidityUnits == nil || *slot(c.TokenValidityUnits) == "" {
			return defUnit
		}
		return *slot(c.TokenValidityUnits)
	}
	return &field{
		name: name, kind: kindDuration, forms: durForms, min: lo, max: hi, sdk: name,
		get: func(c *types.UserPoolClientType) val {
			p := *ptr(c)
			if p == nil {
				return val{n: unitDefault}
			}
			return val{n: int64(*p) * timeUnitSeconds(unit(c))}
		},
		put: func(c *types.UserPoolClientType, v val) {
			n, u := inUnit(v.n, unit(c))
			*ptr(c) = aws.Int32(int32(n))
			if u != unit(c) {
				setUnit(c, slot, u)
			}
		},
	}
}

func refreshValidityField() *field {
	unit := func(c *types.UserPoolClientType) types.TimeUnitsType {
		if c.TokenValidityUnits == nil || c.TokenValidityUnits.RefreshToken == "" {
			return types.TimeUnitsTypeDays
		}
		return c.TokenValidityUnits.RefreshToken
	}
	slot := func(u *types.TokenValidityUnitsType) *types.TimeUnitsType { return &u.RefreshToken }
	return &field{
		name: "RefreshTokenValidity", kind: kindDuration, forms: durForms, min: hour, max: 3650 * day,
		sdk: "RefreshTokenValidity",
		get: func(c *types.UserPoolClientType) val {
			// 0 is "not set": Cognito overrides 0 with the default of 30 days.
			if c.RefreshTokenValidity == 0 {
				return val{n: 30 * day}
			}
			return val{n: int64(c.RefreshTokenValidity) * timeUnitSeconds(unit(c))}
		},
		put: func(c *types.UserPoolClientType, v val) {
			n, u := inUnit(v.n, unit(c))
			c.RefreshTokenValidity = int32(n)
			if u != unit(c) {
				setUnit(c, slot, u)
			}
		},
	}
}

// setUnit switches one unit and only that one; a nil TokenValidityUnits
// becomes a struct holding just that unit (the others stay unset, which
// Cognito reads as their defaults, as it does for the describe output {}).
func setUnit(c *types.UserPoolClientType, slot func(*types.TokenValidityUnitsType) *types.TimeUnitsType, u types.TimeUnitsType) {
	var units types.TokenValidityUnitsType
	if c.TokenValidityUnits != nil {
		units = *c.TokenValidityUnits
	}
	*slot(&units) = u
	c.TokenValidityUnits = &units
}

func timeUnitSeconds(u types.TimeUnitsType) int64 {
	switch u {
	case types.TimeUnitsTypeSeconds:
		return 1
	case types.TimeUnitsTypeMinutes:
		return minute
	case types.TimeUnitsTypeDays:
		return day
	default:
		return hour
	}
}

// inUnit writes sec in unit u when it is a whole number there, otherwise in
// the largest unit that holds it exactly.
func inUnit(sec int64, u types.TimeUnitsType) (int64, types.TimeUnitsType) {
	if sec%timeUnitSeconds(u) == 0 {
		return sec / timeUnitSeconds(u), u
	}
	for _, c := range []types.TimeUnitsType{types.TimeUnitsTypeDays, types.TimeUnitsTypeHours, types.TimeUnitsTypeMinutes} {
		if sec%timeUnitSeconds(c) == 0 {
			return sec / timeUnitSeconds(c), c
		}
	}
	return sec, types.TimeUnitsTypeSeconds
}

func boolField(name string, def bool, ptr func(*types.UserPoolClientType) **bool) *field {
	return &field{
		name: name, kind: kindBool, forms: []form{formEquals}, sdk: name,
		get: func(c *types.UserPoolClientType) val {
			if p := *ptr(c); p != nil {
				return val{b: *p}
			}
			return val{b: def}
		},
		put: func(c *types.UserPoolClientType, v val) { *ptr(c) = aws.Bool(v.b) },
	}
}

func stringField(name string, forms []form, enum []string, ptr func(*types.UserPoolClientType) **string) *field {
	return &field{
		name: name, kind: kindString, forms: forms, enum: enum, sdk: name,
		get: func(c *types.UserPoolClientType) val {
			if p := *ptr(c); p != nil {
				return val{s: *p, present: true}
			}
			return val{}
		},
		put: func(c *types.UserPoolClientType, v val) {
			if !v.present {
				*ptr(c) = nil
				return
			}
			*ptr(c) = aws.String(v.s)
		},
	}
}

// setField: read returns the field's list already sorted and unique,
// appended to dst's spare room (a fresh slice when dst is nil, see
// sortedUniqueInto and sortedStringsInto), and whether it is unset meaning
// "all"; list is the member a fix writes.
func setField[T ~string](name string, forms []form, enum []string, maxItems int,
	read func(c *types.UserPoolClientType, dst []string) ([]string, bool), list func(*types.UserPoolClientType) *[]T) *field {
	return &field{
		name: name, kind: kindSet, forms: forms, enum: enum, maxItems: maxItems, sdk: name,
		urls: name == "CallbackURLs" || name == "LogoutURLs",
		get: func(c *types.UserPoolClientType) val {
			l, all := read(c, nil)
			if all {
				return val{all: true}
			}
			return val{list: l}
		},
		read: read,
		put: func(c *types.UserPoolClientType, v val) {
			// Keep the client's order for kept elements; Cognito does not
			// preserve order anyway, but a smaller diff reads better.
			p := list(c)
			var out []T
			if len(v.list) > 0 {
				out = make([]T, 0, len(v.list))
			}
			for _, s := range *p {
				if slices.Contains(v.list, string(s)) && !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
			for _, s := range v.list {
				if !slices.Contains(out, T(s)) {
					out = append(out, T(s))
				}
			}
			*p = out
		},
	}
}

func analyticsField() *field {
	return &field{
		name: "AnalyticsConfiguration", kind: kindObject, forms: []form{formEquals}, sdk: "AnalyticsConfiguration",
		objKeys: map[string]kind{"ApplicationArn": kindString, "ApplicationId": kindString,
			"ExternalId": kindString, "RoleArn": kindString, "UserDataShared": kindBool},
		get: func(c *types.UserPoolClientType) val {
			a := c.AnalyticsConfiguration
			if a == nil {
				return val{}
			}
			m := map[string]any{"UserDataShared": a.UserDataShared}
			for k, p := range map[string]*string{"ApplicationArn": a.ApplicationArn, "ApplicationId": a.ApplicationId,
				"ExternalId": a.ExternalId, "RoleArn": a.RoleArn} {
				if p != nil {
					m[k] = *p
				}
			}
			return val{present: true, obj: m}
		},
		put: func(c *types.UserPoolClientType, v val) {
			if !v.present {
				c.AnalyticsConfiguration = nil
				return
			}
			str := func(k string) *string {
				if s, ok := v.obj[k].(string); ok {
					return aws.String(s)
				}
				return nil
			}
			shared, _ := v.obj["UserDataShared"].(bool)
			c.AnalyticsConfiguration = &types.AnalyticsConfigurationType{
				ApplicationArn: str("ApplicationArn"), ApplicationId: str("ApplicationId"),
				ExternalId: str("ExternalId"), RoleArn: str("RoleArn"), UserDataShared: shared,
			}
		},
	}
}

func rotationField() *field {
	return &field{
		name: "RefreshTokenRotation", kind: kindObject, forms: []form{formEquals}, sdk: "RefreshTokenRotation",
		objKeys: map[string]kind{"Feature": kindString, "RetryGracePeriodSeconds": kindNumber},
		get: func(c *types.UserPoolClientType) val {
			return val{present: true, obj: rotationOf(c)}
		},
		put: func(c *types.UserPoolClientType, v val) {
			r := editRotation(c)
			r.Feature = types.FeatureType(v.obj["Feature"].(string))
			r.RetryGracePeriodSeconds = aws.Int32(int32(v.obj["RetryGracePeriodSeconds"].(int64)))
		},
	}
}

// rotationOf normalises RefreshTokenRotation; describe returns
// {Feature: DISABLED, RetryGracePeriodSeconds: 0} when it was never set.
func rotationOf(c *types.UserPoolClientType) map[string]any {
	m := map[string]any{"Feature": "DISABLED", "RetryGracePeriodSeconds": int64(0)}
	if r := c.RefreshTokenRotation; r != nil {
		if r.Feature != "" {
			m["Feature"] = string(r.Feature)
		}
		if r.RetryGracePeriodSeconds != nil {
			m["RetryGracePeriodSeconds"] = int64(*r.RetryGracePeriodSeconds)
		}
	}
	return m
}

// editRotation returns a fresh RefreshTokenRotation for c to edit, so that a
// fix never writes through a pointer shared with the described client.
func editRotation(c *types.UserPoolClientType) *types.RefreshTokenRotationType {
	r := types.RefreshTokenRotationType{Feature: types.FeatureTypeDisabled}
	if c.RefreshTokenRotation != nil {
		r = *c.RefreshTokenRotation
		if r.Feature == "" {
			r.Feature = types.FeatureTypeDisabled
		}
	}
	c.RefreshTokenRotation = &r
	return &r
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func fromStrings[T ~string](l []string) []T {
	if len(l) == 0 {
		return nil
	}
	out := make([]T, len(l))
	for i, s := range l {
		out[i] = T(s)
	}
	return out
}

// sortedUnique returns a fresh sorted copy of l without duplicates.
func sortedUnique(l []string) []string { return sortedUniqueInto(nil, l) }

// sortedStringsInto is sortedStrings into dst's spare room (nil when l is
// empty); the list it returns is capped at its length.
func sortedStringsInto[T ~string](dst []string, l []T) []string {
	if len(l) == 0 {
		return nil
	}
	if dst == nil {
		dst = make([]string, 0, len(l))
	}
	start := len(dst)
	for _, v := range l {
		dst = append(dst, string(v))
	}
	return sortCompact(dst[start:])
}

// sortedUniqueInto is sortedUnique into dst's spare room (never nil); the
// list it returns is capped at its length.
func sortedUniqueInto(dst, l []string) []string {
	if dst == nil {
		dst = make([]string, 0, len(l))
	}
	start := len(dst)
	return sortCompact(append(dst, l...)[start:])
}

func sortCompact(l []string) []string {
	slices.Sort(l)
	l = slices.Compact(l)
	return l[:len(l):len(l)]
}
