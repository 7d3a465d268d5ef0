package reconcile

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/pkg/policy"
)

// plan is one write: the fixed client and the changes it makes, computed
// from the describe in basis, and the fixes withheld from it.
type plan struct {
	basis    *types.UserPoolClientType
	fixed    *types.UserPoolClientType
	changes  []policy.Change
	findings []policy.Finding // the outcome's, edited in place
	// withheld maps a field to why its fix (or part of it) is not sent.
	withheld map[string]string
	// rejected is Cognito's message when the full update was refused.
	rejected string
}

// withhold marks the enforced fixable findings of the fields of cs
// unfixable with reason.
func (p *plan) withhold(cs []policy.Change, reason string) {
	for _, c := range cs {
		p.withholdField(c.Field, reason)
	}
	if strings.HasPrefix(reason, "Cognito rejected") {
		p.rejected = reason
	}
}

func (p *plan) withholdField(field, reason string) {
	p.withheld[field] = reason
	for i := range p.findings {
		f := &p.findings[i]
		if f.Field == field && f.Action == policy.Enforce && f.Fixable {
			f.Fixable = false
			f.Reason = reason
		}
	}
}

// unwithheld drops the rules of withheld fields from rules (Field.form).
func (p *plan) unwithheld(rules []string) []string {
	var out []string
	for _, r := range rules {
		field, _, _ := strings.Cut(r, ".")
		if _, ok := p.withheld[field]; !ok {
			out = append(out, r)
		}
	}
	return out
}

// reduction is the part of a fix that is sent again after Cognito rejected
// the whole update for its content.
type reduction struct {
	// fixed is the client to send: the described client with the kept
	// changes applied.
	fixed *types.UserPoolClientType
	// kept are the changes fixed makes; withheld those it leaves out.
	kept, withheld []policy.Change
}

// selfContained builds the reduced fix. It is a variable so that the helper
// pkg/policy is getting for this can replace it.
var selfContained = keepSelfContained

// keepSelfContained keeps the fixes that cannot refer to anything outside
// the client: removals from a list, clamps of a number, scalar settings.
// What it withholds is every change that adds to a list (a scope that may
// need a resource server, an identity provider or an attribute the pool
// may lack, a URL, a flow) or sets a value naming something (a default
// redirect URI, an analytics configuration), and a change from "all"
// attributes to a list, which names attributes.
func keepSelfContained(basis, fixed *types.UserPoolClientType, changes []policy.Change) reduction {
	red := reduction{fixed: shallowCopy(fixed)}
	for _, c := range changes {
		if refersOutside(c) {
			red.withheld = append(red.withheld, c)
			restoreField(red.fixed, basis, c.Field)
		} else {
			red.kept = append(red.kept, c)
		}
	}
	// DefaultRedirectURI must be one of CallbackURLs: when the callback fix
	// is withheld, the default goes back to what Cognito accepted with it.
	if d := red.fixed.DefaultRedirectURI; d != nil && !slices.Contains(red.fixed.CallbackURLs, *d) {
		restoreField(red.fixed, basis, "DefaultRedirectURI")
		red.kept = slices.DeleteFunc(red.kept, func(c policy.Change) bool {
			if c.Field == "DefaultRedirectURI" {
				red.withheld = append(red.withheld, c)
				return true
			}
			return false
		})
	}
	return red
}

var listFields = map[string]bool{
	"AllowedOAuthScopes": true, "SupportedIdentityProviders": true, "ReadAttributes": true, "WriteAttributes": true,
	"CallbackURLs": true, "LogoutURLs": true, "AllowedOAuthFlows": true, "ExplicitAuthFlows": true,
}

func refersOutside(c policy.Change) bool {
	switch {
	case listFields[c.Field]:
		before, bAll := asList(c.Before)
		after, aAll := asList(c.After)
		if aAll || bAll {
			return true
		}
		for _, s := range after {
			if !slices.Contains(before, s) {
				return true
			}
		}
		return false
	case c.Field == "DefaultRedirectURI" || c.Field == "AnalyticsConfiguration":
		return c.After != nil // clearing is a removal
	default:
		return false
	}
}

// asList reads a normalised set value: a list, or "all".
func asList(v any) ([]string, bool) {
	switch v := v.(type) {
	case []string:
		return v, false
	case string:
		return nil, v == "all"
	}
	return nil, false
}

func shallowCopy(c *types.UserPoolClientType) *types.UserPoolClientType {
	cp := *c
	return &cp
}

// restoreField sets dst's field (an SDK field name) to src's value.
func restoreField(dst, src *types.UserPoolClientType, field string) {
	d := reflect.ValueOf(dst).Elem().FieldByName(field)
	s := reflect.ValueOf(src).Elem().FieldByName(field)
	if d.IsValid() && s.IsValid() && d.CanSet() {
		d.Set(s)
	}
}

// standardScopes are the OAuth scopes Cognito defines itself; any other
// scope is a custom one, "<resource server identifier>/<scope name>" (API
// reference, UpdateUserPoolClient, AllowedOAuthScopes: "Possible values
// provided by OAuth are phone, email, openid, and profile. Possible values
// provided by Amazon Web Services are aws.cognito.signin.user.admin. Custom
// scopes created in Resource Servers are also supported";
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html).
var standardScopes = []string{"phone", "email", "openid", "profile", "aws.cognito.signin.user.admin"}

// poolRef is a list field whose added elements the pool must define.
type poolRef struct {
	field string
	what  string // for the reason
	// needs reports whether an added element must be looked up.
	needs func(string) bool
	read  func(PoolReader, context.Context, string) ([]string, error)
}

var poolRefs = []poolRef{
	{field: "AllowedOAuthScopes", what: "custom scope defined by a resource server of the pool (ListResourceServers)",
		needs: func(s string) bool { return !slices.Contains(standardScopes, s) },
		read:  PoolReader.ResourceServerScopes},
	// COGNITO, the pool's own directory, always exists (API reference,
	// SupportedIdentityProviders: "COGNITO, Facebook, Google, SignInWithApple,
	// LoginWithAmazon, and the names of your own SAML and OIDC providers").
	{field: "SupportedIdentityProviders", what: "identity provider of the pool (ListIdentityProviders)",
		needs: func(s string) bool { return s != "COGNITO" },
		read:  PoolReader.IdentityProviders},
	{field: "ReadAttributes", what: "attribute of the pool's schema (DescribeUserPool)",
		needs: func(string) bool { return true }, read: PoolReader.SchemaAttributes},
	{field: "WriteAttributes", what: "attribute of the pool's schema (DescribeUserPool)",
		needs: func(string) bool { return true }, read: PoolReader.SchemaAttributes},
}

// checkPool checks every element a fix adds to a field that refers to the
// pool against what the pool defines, reading the pool only when such an
// add is planned (once per pool and kind per invocation, see withPools).
// An element the pool lacks is taken out of the fix and its findings become
// unfixable with the reason; the rest of the fix stands.
func (r *Reconciler) checkPool(ctx context.Context, pool string, p *plan) error {
	reader, _ := r.Clients.(PoolReader)
	for i := 0; i < len(p.changes); i++ {
		c := p.changes[i]
		ref, ok := findRef(c.Field)
		if !ok {
			continue
		}
		before, bAll := asList(c.Before)
		after, _ := asList(c.After)
		var added []string
		for _, s := range after {
			if (bAll || !slices.Contains(before, s)) && ref.needs(s) {
				added = append(added, s)
			}
		}
		if len(added) == 0 {
			continue
		}
		var missing []string
		if reader == nil {
			missing = added
		} else {
			defined, err := poolsFrom(ctx).read(ctx, reader, ref, pool)
			if err != nil {
				return err
			}
			for _, s := range added {
				if !slices.Contains(defined, s) {
					missing = append(missing, s)
				}
			}
		}
		if len(missing) == 0 {
			continue
		}
		reason := fmt.Sprintf("%s not a %s: not added", strings.Join(missing, ", "), ref.what)
		if reader == nil {
			reason = fmt.Sprintf("%s cannot be checked against the pool: not added", strings.Join(missing, ", "))
		}
		cur := reflect.ValueOf(p.fixed).Elem().FieldByName(c.Field).Interface().([]string)
		kept := slices.DeleteFunc(slices.Clone(cur), func(s string) bool { return slices.Contains(missing, s) })
		p.fixed = shallowCopy(p.fixed)
		if len(kept) == 0 || sameSet(kept, p.basis, c.Field) {
			// Nothing of this fix is left (an empty attribute list would
			// even mean "all"): keep the field as described.
			restoreField(p.fixed, p.basis, c.Field)
			p.changes = slices.Delete(slices.Clone(p.changes), i, i+1)
			i--
		} else {
			reflect.ValueOf(p.fixed).Elem().FieldByName(c.Field).Set(reflect.ValueOf(kept))
			p.changes = slices.Clone(p.changes)
			sorted := slices.Clone(kept)
			slices.Sort(sorted)
			p.changes[i].After = sorted
		}
		p.withholdField(c.Field, reason)
	}
	return nil
}

func findRef(field string) (poolRef, bool) {
	for _, r := range poolRefs {
		if r.field == field {
			return r, true
		}
	}
	return poolRef{}, false
}

func sameSet(l []string, c *types.UserPoolClientType, field string) bool {
	cur, _ := reflect.ValueOf(c).Elem().FieldByName(field).Interface().([]string)
	if cur == nil {
		return false // "all" attributes
	}
	a, b := slices.Clone(l), slices.Clone(cur)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// PoolCache holds the pool reads of one invocation. Remediate gets a fresh
// one per Reconcile; a caller reconciling many clients in one invocation
// (the audit) can share one with WithPoolCache.
type PoolCache struct {
	mu  sync.Mutex
	got map[string][]string // "<pool>\x00<kind>" -> names
}

type poolsKey struct{}

// WithPoolCache returns a context whose reconciles share one PoolCache:
// each pool's scopes, identity providers and attributes are read at most
// once while it lives. Use one per invocation, never across invocations.
func WithPoolCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, poolsKey{}, &PoolCache{got: map[string][]string{}})
}

func withPools(ctx context.Context) context.Context {
	if _, ok := ctx.Value(poolsKey{}).(*PoolCache); ok {
		return ctx
	}
	return WithPoolCache(ctx)
}

func poolsFrom(ctx context.Context) *PoolCache {
	c, _ := ctx.Value(poolsKey{}).(*PoolCache)
	if c == nil {
		c = &PoolCache{got: map[string][]string{}}
	}
	return c
}

func (c *PoolCache) read(ctx context.Context, r PoolReader, ref poolRef, pool string) ([]string, error) {
	kind := ref.what // the two attribute fields share the schema read
	key := pool + "\x00" + kind
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.got[key]; ok {
		return v, nil
	}
	v, err := ref.read(r, ctx, pool)
	if err != nil {
		return nil, err // not cached: a retry may succeed
	}
	c.got[key] = v
	return v, nil
}
