package policy

import (
	"encoding/json"
	"slices"
)

// Enforceable returns the findings a write fixes: action enforce and
// fixable. Fixed carries exactly these fixes.
func (r Result) Enforceable() []Finding {
	return r.filter(func(f Finding) bool { return f.Action == Enforce && f.Fixable })
}

// Unfixable returns the enforce findings that cannot be fixed safely, each
// with its Reason.
func (r Result) Unfixable() []Finding {
	return r.filter(func(f Finding) bool { return f.Action == Enforce && !f.Fixable })
}

// Reported returns the findings of report-only rules.
func (r Result) Reported() []Finding {
	return r.filter(func(f Finding) bool { return f.Action == Report })
}

// Compliant reports whether the client breaks no rule outside its
// exemptions.
func (r Result) Compliant() bool { return len(r.Findings) == 0 }

func (r Result) filter(keep func(Finding) bool) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if keep(f) {
			out = append(out, f)
		}
	}
	return slices.Clip(out)
}

// MarshalJSON writes the result without Fixed.ClientSecret: Fixed is a copy
// of the described client, which carries the secret in plain text, and a
// Result must be safe to log.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result // no MarshalJSON, so no recursion
	out := plain(r)
	if r.Fixed != nil && r.Fixed.ClientSecret != nil {
		out.Fixed = deepCopy(r.Fixed)
		out.Fixed.ClientSecret = nil
	}
	return json.Marshal(out)
}
