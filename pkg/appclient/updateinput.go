package appclient

import (
	"fmt"
	"github.com/aws/aws-sdk-go-v2/aws"
	"reflect"
	"slices"
	"strings"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// skip lists the fields that exist on only one side of the copy, so they
// cannot or must not be carried. Every other field of
// UpdateUserPoolClientInput is copied from the described client by name. The
// test TestFieldCoverage fails when a field is neither copied nor listed here.
var skip = map[string]string{
	// Describe-only. The secret is managed by Create/Add/DeleteUserPoolClientSecret
	// and must never be sent or leave this package; listed here so that it
	// stays out of the request even if a future SDK adds it to the request.
	"ClientSecret": "describe-only: secret, never sent",
	// Describe-only timestamps Cognito maintains itself.
	"CreationDate":     "describe-only: set by Cognito",
	"LastModifiedDate": "describe-only: set by Cognito",
}

// fieldCopy carries one field from types.UserPoolClientType (src) to
// UpdateUserPoolClientInput (dst).
type fieldCopy struct {
	name     string
	src, dst int
	// deref: the describe type has *T where the request has T
	// (AllowedOAuthFlowsUserPoolClient); nil becomes the zero value, which is
	// also Cognito's default.
	deref bool
}

type plan struct {
	copies []fieldCopy
	// problems are request fields this build cannot fill from a described
	// client; sending a request with them missing would reset them.
	problems []string
}

func (p *plan) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	return fmt.Errorf("cannot build a full-field update with this SDK version: %s", strings.Join(p.problems, "; "))
}

// copyPlan is computed once: the field pairing depends only on the SDK types
// compiled in.
var copyPlan = newPlan(reflect.TypeFor[types.UserPoolClientType](), reflect.TypeFor[cip.UpdateUserPoolClientInput]())

func newPlan(src, dst reflect.Type) *plan {
	p := &plan{}
	for i := range dst.NumField() {
		df := dst.Field(i)
		if !df.IsExported() {
			continue
		}
		if _, ok := skip[df.Name]; ok {
			continue
		}
		sf, ok := src.FieldByName(df.Name)
		if !ok {
			p.problems = append(p.problems, fmt.Sprintf("request field %s has no counterpart in the described client", df.Name))
			continue
		}
		fc := fieldCopy{name: df.Name, src: sf.Index[0], dst: i}
		switch {
		case sf.Type == df.Type:
		case sf.Type.Kind() == reflect.Pointer && sf.Type.Elem() == df.Type:
			fc.deref = true
		default:
			p.problems = append(p.problems, fmt.Sprintf("field %s is %s when described but %s in the request", df.Name, sf.Type, df.Type))
			continue
		}
		if why := uncopyable(df.Type); why != "" {
			p.problems = append(p.problems, fmt.Sprintf("field %s: %s", df.Name, why))
			continue
		}
		p.copies = append(p.copies, fc)
	}
	slices.SortFunc(p.copies, func(a, b fieldCopy) int { return strings.Compare(a.name, b.name) })
	return p
}

// uncopyable says why deepCopy cannot make an independent copy of a t, or "".
func uncopyable(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		return uncopyable(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				// Unexported parts (the SDK's zero-size serde marker,
				// time.Time internals) are copied by value.
				continue
			}
			if why := uncopyable(f.Type); why != "" {
				return why
			}
		}
		return ""
	case reflect.Map, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return fmt.Sprintf("%s values cannot be deep-copied", t)
	default:
		return ""
	}
}

// deepCopy returns a copy of v sharing no slice or pointer with it, so that
// a caller changing the request cannot change the described client.
func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(deepCopy(v.Elem()))
		return p
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(deepCopy(v.Index(i)))
		}
		return s
	case reflect.Struct:
		s := reflect.New(v.Type()).Elem()
		s.Set(v)
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				s.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return s
	default:
		return v
	}
}

// UpdateInput builds the UpdateUserPoolClient request that writes c in full:
// every settable field is copied from c (deeply: the request shares no memory
// with c), and ClientSecret, CreationDate and LastModifiedDate are never
// sent. Pass the client just described, with fixes applied. A nil c gives
// nil.
//
// A TokenValidityUnits with all three units empty, which is how
// DescribeUserPoolClient prints "all defaults", is sent as absent: omitted
// units are documented to mean hours/hours/days, while how Cognito reads an
// explicit empty object is not.
func UpdateInput(c *types.UserPoolClientType) *cip.UpdateUserPoolClientInput {
	if c == nil {
		return nil
	}
	in := &cip.UpdateUserPoolClientInput{}
	src := reflect.ValueOf(c).Elem()
	dst := reflect.ValueOf(in).Elem()
	for _, f := range copyPlan.copies {
		v := src.Field(f.src)
		if f.deref {
			if v.IsNil() {
				continue
			}
			v = v.Elem()
		}
		dst.Field(f.dst).Set(deepCopy(v))
	}
	if u := in.TokenValidityUnits; u != nil && *u == (types.TokenValidityUnitsType{}) {
		in.TokenValidityUnits = nil
	}
	// What Update does with an omitted EnableTokenRevocation is not
	// documented (only Create's default, true, is). pkg/policy reads an
	// absent value as that default, so send exactly what was evaluated
	// rather than leave Cognito to guess.
	if in.EnableTokenRevocation == nil {
		in.EnableTokenRevocation = aws.Bool(true)
	}
	return in
}
