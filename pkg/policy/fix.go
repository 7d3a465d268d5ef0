package policy

import (
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The fix stage of Evaluate: the fixed copy of the client, which finding
// each fix answers, withdrawing a fix (for the guard in crossfield.go), and
// finishing the Result.

// fixer holds the standing fixes of one evaluation: the fixed copy w of
// the described client c, the fields the fixes write and, for each finding
// of res, the field whose fix it is (-1 for none). It lives in an
// evalState (evalState.fixer makes it).
type fixer struct {
	c, w    *types.UserPoolClientType
	res     *Result
	fields  fieldSet // fields with a standing fix
	sdks    fieldSet // the Cognito members (whole fields) they write
	owner   []int8
	changes []Change   // room for res.Changes
	cross   crossState // the cross-field rules' view, remade each round
	// unsorted: res.Findings may be out of field order. The rules append
	// theirs in field order; a finding appended later sets it.
	unsorted bool
}

// own records the fixable findings from index start on as f's fix.
func (x *fixer) own(f *field, start int) {
	for i := start; i < len(x.res.Findings); i++ {
		if x.res.Findings[i].Fixable {
			x.ownAt(i, f)
		}
	}
}

// ownAt records finding i as f's fix.
func (x *fixer) ownAt(i int, f *field) {
	for len(x.owner) <= i {
		x.owner = append(x.owner, -1)
	}
	x.owner[i] = int8(f.idx)
	x.fields.add(f)
	x.sdks.add(fields[f.sdkIdx])
}

// changed reports whether a standing fix writes the Cognito member name.
func (x *fixer) changed(name string) bool { return x.sdks.has(fieldByName[name]) }

// withdraw turns the fixes of the Cognito member sdk into unfixable
// findings with the reason and puts the described value back into w.
func (x *fixer) withdraw(sdk, reason string) {
	whole := fieldByName[sdk]
	for i, o := range x.owner {
		if o >= 0 && fields[o].sdkIdx == whole.idx {
			f := &x.res.Findings[i]
			f.Fixable, f.Reason, f.Fix = false, reason, nil
			x.owner[i] = -1
		}
	}
	for _, f := range fields {
		if f.sdkIdx == whole.idx {
			x.fields.remove(f)
		}
	}
	x.sdks.remove(whole)
	restore(x.w, x.c, sdk)
}

// finish writes each standing fix's value into its findings, sorts them,
// and lists the fields w moves; Fixed is w when anything moves. before
// holds the shown described value of the fields with findings.
func (x *fixer) finish(before, after *[64]any) {
	res := x.res
	shownAfter := func(f *field) any {
		if after[f.idx] == nil {
			after[f.idx] = show(f, f.get(x.w))
		}
		return after[f.idx]
	}
	for i, o := range x.owner {
		if o >= 0 {
			res.Findings[i].Fix = shownAfter(fields[o])
		}
	}
	if x.unsorted {
		sortFindings(res.Findings)
	}
	res.Changes, res.Fixed = x.changes[:0], nil
	for _, f := range fields {
		if f.name != f.sdk || !x.sdks.has(f) {
			continue // a part reports through its whole; untouched fields are as described
		}
		b := before[f.idx]
		if b == nil {
			b = show(f, f.get(x.c))
		}
		if a := shownAfter(f); !sameShown(b, a) {
			res.Changes = append(res.Changes, Change{Field: f.name, Before: b, After: a})
		}
	}
	if len(res.Changes) > 0 {
		fixed := new(types.UserPoolClientType)
		*fixed = *x.w
		unshare(fixed, x.c)
		res.Fixed = fixed
	}
}

// sameShown compares two values made by show.
func sameShown(a, b any) bool {
	switch av := a.(type) {
	case []string:
		bv, ok := b.([]string)
		return ok && slices.Equal(av, bv)
	case map[string]any:
		bv, ok := b.(map[string]any)
		return ok && maps.Equal(av, bv)
	}
	return a == b
}
