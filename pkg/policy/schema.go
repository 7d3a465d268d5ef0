package policy

import (
	"encoding/json"
	"slices"
)

// SchemaID is the $id of the baseline's JSON Schema, which the examples name
// in "$schema" so that editors and CI can check a baseline before Parse does.
const SchemaID = "https://github.com/cognito-guard/cognito-guard/raw/main/pkg/policy/baseline.schema.json"

// Schema returns the JSON Schema (draft 2020-12) of a baseline document,
// generated from the field and form tables that Parse uses, so the two cannot
// disagree on which field takes which form. Parse stays stricter: it also
// checks what a schema cannot say (min <= max, Cognito's cross-field rules,
// loopback http only where allow permits it).
func Schema() []byte {
	rules := func(inOverride bool) map[string]any {
		props := map[string]any{}
		for _, f := range fields {
			s := ruleSchema(f)
			if inOverride {
				s = map[string]any{"anyOf": []any{map[string]any{"type": "null", "description": "removes the inherited rule"}, s}}
			}
			props[f.name] = s
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	glob := map[string]any{"type": "string", "minLength": 1, "description": "a glob: * matches any run of characters"}
	match := map[string]any{
		"type":                 "object",
		"properties":           map[string]any{"userPoolId": glob, "clientId": glob, "clientName": glob},
		"additionalProperties": false, "minProperties": 1,
	}
	doc := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$id":         SchemaID,
		"title":       "cognito-guard baseline",
		"description": "Rules for the settable fields of Cognito's UpdateUserPoolClient, by their API names.",
		"type":        "object",
		"required":    []string{"version"},
		"properties": map[string]any{
			"$schema": map[string]any{"type": "string"},
			"version": map[string]any{"const": 1},
			"rules":   rules(false),
			"overrides": map[string]any{"type": "array", "items": map[string]any{
				"type": "object", "required": []string{"match", "rules"}, "additionalProperties": false,
				"properties": map[string]any{"match": match, "rules": rules(true)},
			}},
			"exemptions": map[string]any{"type": "array", "items": map[string]any{
				"type": "object", "required": []string{"match", "expires", "reason"}, "additionalProperties": false,
				"properties": map[string]any{
					"match": match,
					"fields": map[string]any{"type": "array", "minItems": 1,
						"items": map[string]any{"enum": fieldNames}},
					"expires": map[string]any{"type": "string", "anyOf": []any{
						map[string]any{"format": "date"}, map[string]any{"format": "date-time"}}},
					"reason": map[string]any{"type": "string", "minLength": 1, "pattern": `\S`},
				},
			}},
		},
		"additionalProperties": false,
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // plain maps of JSON values always marshal
	}
	return append(out, '\n')
}

// ruleSchema: a rule object stating the field's forms and an action, or a
// bare value meaning equals.
func ruleSchema(f *field) map[string]any {
	props := map[string]any{"action": map[string]any{"enum": []Action{Enforce, Report}}}
	for _, fs := range formTable {
		if slices.Contains(f.forms, fs.name) {
			props[string(fs.name)] = fs.schema(f)
		}
	}
	obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false, "minProperties": 1}
	if !slices.Contains(f.forms, formEquals) || f.kind == kindObject {
		return obj // an object field's bare value would read as a rule object
	}
	return map[string]any{"anyOf": []any{valueSchema(f), obj}}
}

// durationPattern is the syntax parseDuration reads.
const durationPattern = `^[0-9]+[smhd]$`

func valueSchema(f *field) map[string]any {
	switch f.kind {
	case kindDuration:
		return boundSchema(f)
	case kindNumber:
		return boundSchema(f)
	case kindBool:
		return map[string]any{"type": "boolean"}
	case kindString:
		s := map[string]any{"type": "string", "minLength": 1}
		if f.enum != nil {
			s["enum"] = f.enum
		}
		addItemLimits(f, s)
		return s
	case kindSet:
		items := map[string]any{"type": "string", "minLength": 1}
		if f.enum != nil {
			items["enum"] = f.enum
		}
		addItemLimits(f, items)
		s := map[string]any{"type": "array", "items": items}
		if f.maxItems > 0 {
			s["maxItems"] = f.maxItems
		}
		return s
	case kindObject:
		props := map[string]any{}
		for k, kd := range f.objKeys {
			switch kd {
			case kindString:
				ps := map[string]any{"type": "string", "minLength": 1}
				if k == "Feature" {
					ps["enum"] = []string{"ENABLED", "DISABLED"}
				}
				props[k] = ps
			case kindBool:
				props[k] = map[string]any{"type": "boolean"}
			case kindNumber:
				props[k] = map[string]any{"type": "integer", "minimum": 0, "maximum": 60}
			}
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		switch f.name {
		case "RefreshTokenRotation":
			s["required"] = []string{"Feature"}
		case "AnalyticsConfiguration":
			s["anyOf"] = []any{map[string]any{"required": []string{"ApplicationArn"}}, map[string]any{"required": []string{"ApplicationId"}}}
			return map[string]any{"anyOf": []any{map[string]any{"type": "null", "description": "must not be configured"}, s}}
		}
		return s
	}
	return map[string]any{}
}

func boundSchema(f *field) map[string]any {
	if f.kind == kindNumber {
		return map[string]any{"type": "integer", "minimum": f.min, "maximum": f.max}
	}
	return map[string]any{"type": "string", "pattern": durationPattern,
		"description": "a whole number and one unit (s, m, h, d), from " + showBound(f, f.min) + " to " + showBound(f, f.max)}
}

// listSchema is require, forbid and allow: strings that may be globs.
func listSchema(f *field) map[string]any {
	items := map[string]any{"type": "string", "minLength": 1}
	if lim, ok := itemLimits[f.name]; ok {
		items["maxLength"] = lim.max
	}
	return map[string]any{"type": "array", "items": items}
}

func addItemLimits(f *field, s map[string]any) {
	lim, ok := itemLimits[f.name]
	if !ok {
		return
	}
	s["minLength"], s["maxLength"] = lim.min, lim.max
	if lim.pattern != "" {
		s["pattern"] = "^" + lim.pattern + "$"
	}
}
