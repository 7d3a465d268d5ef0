package templatetest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Evaluator resolves the parameter- and condition-dependent intrinsics of one template for one set
// of parameter values, so a test can look at the policies CloudFormation would actually create.
type Evaluator struct {
	params     map[string]string
	conditions map[string]any
	cache      map[string]bool
}

// New takes parameter values from the template's defaults, then from overrides (which must name
// declared parameters).
func New(tmpl map[string]any, overrides map[string]string) (*Evaluator, error) {
	e := &Evaluator{params: map[string]string{}, cache: map[string]bool{}}
	params, _ := tmpl["Parameters"].(map[string]any)
	for name, p := range params {
		def, ok := p.(map[string]any)["Default"]
		if !ok {
			continue
		}
		switch d := def.(type) {
		case string:
			e.params[name] = d
		case float64:
			e.params[name] = strconv.FormatFloat(d, 'f', -1, 64)
		default:
			e.params[name] = fmt.Sprint(d)
		}
	}
	for name, v := range overrides {
		if _, ok := params[name]; !ok {
			return nil, fmt.Errorf("override of undeclared parameter %s", name)
		}
		e.params[name] = v
	}
	e.conditions, _ = tmpl["Conditions"].(map[string]any)
	return e, nil
}

// noValue is what {"Ref": "AWS::NoValue"} resolves to; Resolve drops it from lists and maps.
type noValue struct{}

// Condition evaluates a named condition of the template.
func (e *Evaluator) Condition(name string) (bool, error) {
	if v, ok := e.cache[name]; ok {
		return v, nil
	}
	c, ok := e.conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %s", name)
	}
	v, err := e.Resolve(c)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is %v, not a boolean", name, v)
	}
	e.cache[name] = b
	return b, nil
}

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// Resolve evaluates Ref (to parameters and AWS::NoValue), Fn::If, Fn::Equals, Fn::Not, Fn::And,
// Fn::Or, Fn::Select, Fn::Split and Fn::Sub (parameter names only) anywhere in v. Everything that
// needs a deployed stack - pseudo parameters, Ref or Fn::GetAtt of resources - is left as written.
func (e *Evaluator) Resolve(v any) (any, error) {
	switch v := v.(type) {
	case []any:
		out := make([]any, 0, len(v))
		for _, item := range v {
			r, err := e.Resolve(item)
			if err != nil {
				return nil, err
			}
			if _, skip := r.(noValue); !skip {
				out = append(out, r)
			}
		}
		return out, nil
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if r, handled, err := e.intrinsic(k, arg); handled || err != nil {
					return r, err
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, item := range v {
			r, err := e.Resolve(item)
			if err != nil {
				return nil, err
			}
			if _, skip := r.(noValue); !skip {
				out[k] = r
			}
		}
		return out, nil
	}
	return v, nil
}

func (e *Evaluator) intrinsic(name string, arg any) (any, bool, error) {
	switch name {
	case "Ref":
		s, _ := arg.(string)
		if s == "AWS::NoValue" {
			return noValue{}, true, nil
		}
		if p, ok := e.params[s]; ok {
			return p, true, nil
		}
		return nil, false, nil
	case "Condition":
		s, _ := arg.(string)
		b, err := e.Condition(s)
		return b, true, err
	case "Fn::If":
		args, ok := arg.([]any)
		if !ok || len(args) != 3 {
			return nil, true, fmt.Errorf("Fn::If wants [condition, then, else], got %v", arg)
		}
		cond, _ := args[0].(string)
		b, err := e.Condition(cond)
		if err != nil {
			return nil, true, err
		}
		if b {
			r, err := e.Resolve(args[1])
			return r, true, err
		}
		r, err := e.Resolve(args[2])
		return r, true, err
	case "Fn::Equals":
		args, err := e.resolveList(arg, 2)
		if err != nil {
			return nil, true, err
		}
		return fmt.Sprint(args[0]) == fmt.Sprint(args[1]), true, nil
	case "Fn::Not":
		args, err := e.resolveList(arg, 1)
		if err != nil {
			return nil, true, err
		}
		b, ok := args[0].(bool)
		if !ok {
			return nil, true, fmt.Errorf("Fn::Not of %v", args[0])
		}
		return !b, true, nil
	case "Fn::And", "Fn::Or":
		args, err := e.resolveList(arg, -1)
		if err != nil {
			return nil, true, err
		}
		acc := name == "Fn::And"
		for _, a := range args {
			b, ok := a.(bool)
			if !ok {
				return nil, true, fmt.Errorf("%s of %v", name, a)
			}
			if name == "Fn::And" {
				acc = acc && b
			} else {
				acc = acc || b
			}
		}
		return acc, true, nil
	case "Fn::Split":
		args, err := e.resolveList(arg, 2)
		if err != nil {
			return nil, true, err
		}
		sep, s := fmt.Sprint(args[0]), args[1]
		str, ok := s.(string)
		if !ok {
			return map[string]any{name: args}, true, nil
		}
		var out []any
		for _, part := range strings.Split(str, sep) {
			out = append(out, part)
		}
		return out, true, nil
	case "Fn::Select":
		args, err := e.resolveList(arg, 2)
		if err != nil {
			return nil, true, err
		}
		i, err := strconv.Atoi(fmt.Sprint(args[0]))
		if err != nil {
			return nil, true, fmt.Errorf("Fn::Select index %v", args[0])
		}
		list, ok := args[1].([]any)
		if !ok || i < 0 || i >= len(list) {
			return nil, true, fmt.Errorf("Fn::Select %d of %v", i, args[1])
		}
		return list[i], true, nil
	case "Fn::Sub":
		s, ok := arg.(string)
		if !ok {
			return nil, false, nil // the [string, vars] form is not used by the template
		}
		return subVar.ReplaceAllStringFunc(s, func(m string) string {
			if p, ok := e.params[m[2:len(m)-1]]; ok {
				return p
			}
			return m
		}), true, nil
	}
	return nil, false, nil
}

func (e *Evaluator) resolveList(arg any, n int) ([]any, error) {
	r, err := e.Resolve(arg)
	if err != nil {
		return nil, err
	}
	list, ok := r.([]any)
	if !ok || (n >= 0 && len(list) != n) {
		return nil, fmt.Errorf("want a list of %d, got %v", n, arg)
	}
	return list, nil
}
