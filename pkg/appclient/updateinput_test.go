package appclient

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognito-guard/cognito-guard/internal/testkit/diff"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// ignoreUnexported skips the SDK's unexported serde markers: the copy is
// checked field by exported field.
var ignoreUnexported = diff.IgnoreAllUnexported()

// fill sets every exported field reachable from v to a distinct non-zero
// value, so a field the copy forgets shows up as a difference.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(int64(1_700_000_000+*n), 0).UTC()))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	default:
		panic(fmt.Sprintf("fill: add a case for %s", v.Type()))
	}
}

func filledClient() *types.UserPoolClientType {
	var c types.UserPoolClientType
	n := 0
	fill(reflect.ValueOf(&c).Elem(), &n)
	return &c
}

// TestUpdateInputRoundTrip checks that a client with every field set arrives
// in the request unchanged (except the never-sent fields), using JSON as an
// oracle independent of the copy code: both SDK structs encode their fields
// under their Go names.
func TestUpdateInputRoundTrip(t *testing.T) {
	described := filledClient()
	before := filledClient() // same values, separate memory

	in := UpdateInput(described)

	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var got types.UserPoolClientType
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := *before
	want.ClientSecret, want.CreationDate, want.LastModifiedDate = nil, nil, nil
	if diff := diff.Diff(want, got, ignoreUnexported); diff != "" {
		t.Errorf("request differs from the described client (-want +got):\n%s", diff)
	}
	if diff := diff.Diff(before, described, ignoreUnexported); diff != "" {
		t.Errorf("UpdateInput changed its argument (-want +got):\n%s", diff)
	}

	// The request must share no memory with the described client: the
	// caller may edit one and expect the other to stay as it was.
	src := map[uintptr]string{}
	addresses(reflect.ValueOf(described).Elem(), "client", src)
	dst := map[uintptr]string{}
	addresses(reflect.ValueOf(in).Elem(), "request", dst)
	for p, where := range dst {
		if other, ok := src[p]; ok {
			t.Errorf("%s shares memory with %s", where, other)
		}
	}
}

// addresses records the pointer and slice-array addresses reachable from v.
func addresses(v reflect.Value, path string, out map[uintptr]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out[v.Pointer()] = path
			addresses(v.Elem(), path, out)
		}
	case reflect.Slice:
		if v.Len() > 0 {
			out[v.Pointer()] = path
		}
		for i := range v.Len() {
			addresses(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				addresses(v.Field(i), path+"."+v.Type().Field(i).Name, out)
			}
		}
	}
}

// TestFieldCoverage walks the SDK's request and describe types: every field
// of either must be carried or on the skip list. The carried set is also
// pinned in testdata/fields.golden so that an SDK release changing the
// shapes breaks CI and someone decides, even when name matching would cope.
func TestFieldCoverage(t *testing.T) {
	if err := copyPlan.err(); err != nil {
		t.Fatal(err)
	}
	carried := map[string]bool{}
	for _, f := range copyPlan.copies {
		carried[f.name] = true
	}
	seen := map[string]bool{}
	for _, typ := range []reflect.Type{reflect.TypeFor[cip.UpdateUserPoolClientInput](), reflect.TypeFor[types.UserPoolClientType]()} {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			seen[f.Name] = true
			if _, skipped := skip[f.Name]; !carried[f.Name] && !skipped {
				t.Errorf("%s.%s is neither carried into the update nor on the skip list", typ, f.Name)
			}
		}
	}
	for name := range skip {
		if !seen[name] {
			t.Errorf("skip list names %s, which neither SDK type has any more: remove it", name)
		}
		if carried[name] {
			t.Errorf("%s is both skipped and carried", name)
		}
	}

	var b strings.Builder
	b.WriteString("# Fields of UpdateUserPoolClientInput / types.UserPoolClientType and what UpdateInput does with them.\n")
	b.WriteString("# Regenerate with: go test ./pkg/appclient -run TestFieldCoverage -update (after reviewing the SDK change).\n")
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range seen {
			if !yield(n) {
				return
			}
		}
	}) {
		if carried[name] {
			fmt.Fprintf(&b, "carried %s\n", name)
		} else {
			fmt.Fprintf(&b, "skipped %s: %s\n", name, skip[name])
		}
	}
	golden(t, "fields.golden", b.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func TestUpdateInputDetails(t *testing.T) {
	tests := []struct {
		name string
		in   *types.UserPoolClientType
		want *cip.UpdateUserPoolClientInput
	}{
		{name: "nil", in: nil, want: nil},
		{
			name: "empty units as described for defaults are sent as absent",
			in:   &types.UserPoolClientType{UserPoolId: aws.String("p"), ClientId: aws.String("c"), TokenValidityUnits: &types.TokenValidityUnitsType{}},
			want: &cip.UpdateUserPoolClientInput{UserPoolId: aws.String("p"), ClientId: aws.String("c"), EnableTokenRevocation: aws.Bool(true)},
		},
		{
			name: "partly set units are kept",
			in:   &types.UserPoolClientType{TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes}},
			want: &cip.UpdateUserPoolClientInput{TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes}, EnableTokenRevocation: aws.Bool(true)},
		},
		{
			name: "absent AllowedOAuthFlowsUserPoolClient is false, Cognito's default",
			in:   &types.UserPoolClientType{AllowedOAuthFlowsUserPoolClient: nil},
			want: &cip.UpdateUserPoolClientInput{EnableTokenRevocation: aws.Bool(true)},
		},
		{
			name: "secret and timestamps are never sent",
			in: &types.UserPoolClientType{ClientSecret: aws.String("s3cr3t"), CreationDate: aws.Time(time.Unix(1, 0)),
				LastModifiedDate: aws.Time(time.Unix(2, 0)), AllowedOAuthFlowsUserPoolClient: aws.Bool(true)},
			want: &cip.UpdateUserPoolClientInput{AllowedOAuthFlowsUserPoolClient: true, EnableTokenRevocation: aws.Bool(true)},
		},
		{
			name: "absent EnableTokenRevocation is sent as evaluated: true",
			in:   &types.UserPoolClientType{},
			want: &cip.UpdateUserPoolClientInput{EnableTokenRevocation: aws.Bool(true)},
		},
		{
			name: "EnableTokenRevocation false is kept",
			in:   &types.UserPoolClientType{EnableTokenRevocation: aws.Bool(false)},
			want: &cip.UpdateUserPoolClientInput{EnableTokenRevocation: aws.Bool(false)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := diff.Diff(tt.want, UpdateInput(tt.in), ignoreUnexported); diff != "" {
				t.Errorf("UpdateInput (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewPlanProblems(t *testing.T) {
	type described struct {
		Same    *string
		Deref   *bool
		Changed *int32
		Map     map[string]string
		Only    string
	}
	type request struct {
		Same         *string
		Deref        bool
		Changed      string
		Map          map[string]string
		New          int32
		ClientSecret *string
	}
	p := newPlan(reflect.TypeFor[described](), reflect.TypeFor[request]())
	var names []string
	for _, c := range p.copies {
		names = append(names, fmt.Sprintf("%s deref=%v", c.name, c.deref))
	}
	if diff := diff.Diff([]string{"Deref deref=true", "Same deref=false"}, names); diff != "" {
		t.Errorf("copies (-want +got):\n%s", diff)
	}
	want := []string{
		"field Changed is *int32 when described but string in the request",
		"field Map: map[string]string values cannot be deep-copied",
		"request field New has no counterpart in the described client",
	}
	if diff := diff.Diff(want, p.problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestUpdateRefusesIncompletePlan(t *testing.T) {
	saved := copyPlan
	t.Cleanup(func() { copyPlan = saved })
	copyPlan = &plan{problems: []string{"request field New has no counterpart in the described client"}}

	_, err := New(&fakeAPI{t: t}).Update(context.Background(), &types.UserPoolClientType{UserPoolId: aws.String("p"), ClientId: aws.String("c")})
	if err == nil || !strings.Contains(err.Error(), "New has no counterpart") {
		t.Fatalf("Update error = %v, want a refusal naming the field", err)
	}
}

func BenchmarkUpdateInput(b *testing.B) {
	c := filledClient()
	for b.Loop() {
		UpdateInput(c)
	}
}
