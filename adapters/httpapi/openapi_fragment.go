package httpapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// OpenAPIFragment is a feature's part of the API description, in YAML, kept in the feature's own
// package and merged into openapi.yaml when the server is built. It may hold:
//
//   - paths: the feature's operations, written like those of openapi.yaml (their own responses
//     only; the shared ones and the /t/{slug} aliases are added as for every operation);
//   - tags, and components (schemas, parameters, responses, …) of new names;
//   - x-problem-codes: the codes the feature adds to a shared problem response, by the
//     response's name (Conflict: [project.name_taken]).
//
// A fragment that redefines anything of the document or of another fragment is refused.
type OpenAPIFragment []byte

// fragmentKeys are the top-level keys a fragment may have.
var fragmentKeys = []string{"paths", "tags", "components", "x-problem-codes"}

// OpenAPIDocumentWith returns the OpenAPI description of the core's routes and of the fragments'
// operations, as JSON, completed like OpenAPIDocument.
func OpenAPIDocumentWith(fragments ...OpenAPIFragment) ([]byte, error) {
	if len(fragments) == 0 {
		return OpenAPIDocument(), nil
	}
	var doc map[string]any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("httpapi: read openapi.yaml: %w", err)
	}
	for i, f := range fragments {
		if err := mergeFragment(doc, f); err != nil {
			return nil, fmt.Errorf("httpapi: OpenAPI fragment %d: %w", i+1, err)
		}
	}
	src, err := yaml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("httpapi: encode the merged OpenAPI document: %w", err)
	}
	loaded, err := openapi3.NewLoader().LoadFromData(src)
	if err != nil {
		return nil, fmt.Errorf("httpapi: load the merged OpenAPI document: %w", err)
	}
	if err := complete(loaded); err != nil {
		return nil, fmt.Errorf("httpapi: complete the merged OpenAPI document: %w", err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("httpapi: the merged OpenAPI document is not valid: %w", err)
	}
	b, err := loaded.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("httpapi: encode the merged OpenAPI document as JSON: %w", err)
	}
	return b, nil
}

func mergeFragment(doc map[string]any, raw OpenAPIFragment) error {
	var f map[string]any
	if err := yaml.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("not YAML: %w", err)
	}
	if f == nil {
		return errors.New("empty")
	}
	for _, k := range slices.Sorted(maps.Keys(f)) {
		if !slices.Contains(fragmentKeys, k) {
			return fmt.Errorf("%s: a fragment holds only %v", k, fragmentKeys)
		}
	}
	first, ok := f["paths"].(map[string]any)
	if !ok || len(first) == 0 {
		return errors.New("paths: a fragment describes at least one path")
	}
	if err := addNew(doc, "paths", first); err != nil {
		return err
	}
	if comps, ok := f["components"]; ok {
		m, ok := comps.(map[string]any)
		if !ok {
			return errors.New("components: not a mapping")
		}
		target := child(doc, "components")
		for _, kind := range slices.Sorted(maps.Keys(m)) {
			entries, ok := m[kind].(map[string]any)
			if !ok {
				return fmt.Errorf("components.%s: not a mapping", kind)
			}
			if err := addNew(target, kind, entries); err != nil {
				return fmt.Errorf("components.%w", err)
			}
		}
	}
	if err := mergeTags(doc, f["tags"]); err != nil {
		return err
	}
	return mergeProblemCodes(doc, f["x-problem-codes"])
}

// child returns m[key] as a mapping, creating it when absent.
func child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}

// addNew adds entries to m[key], refusing a name m[key] already has.
func addNew(m map[string]any, key string, entries map[string]any) error {
	target := child(m, key)
	for _, name := range slices.Sorted(maps.Keys(entries)) {
		if _, taken := target[name]; taken {
			return fmt.Errorf("%s: %s is already defined", key, name)
		}
		target[name] = entries[name]
	}
	return nil
}

func mergeTags(doc map[string]any, raw any) error {
	if raw == nil {
		return nil
	}
	tags, ok := raw.([]any)
	if !ok {
		return errors.New("tags: not a list")
	}
	existing, _ := doc["tags"].([]any)
	for _, t := range tags {
		tag, _ := t.(map[string]any)
		name, _ := tag["name"].(string)
		if name == "" {
			return errors.New("tags: a tag without a name")
		}
		for _, e := range existing {
			if other, _ := e.(map[string]any); other["name"] == name {
				return fmt.Errorf("tags: %s is already defined", name)
			}
		}
		existing = append(existing, t)
	}
	doc["tags"] = existing
	return nil
}

// mergeProblemCodes adds codes to the enum of shared problem responses, which every response of
// that status is checked against: a feature's own codes are thus documented where clients look.
func mergeProblemCodes(doc map[string]any, raw any) error {
	if raw == nil {
		return nil
	}
	byResponse, ok := raw.(map[string]any)
	if !ok {
		return errors.New("x-problem-codes: not a mapping of response names to codes")
	}
	responses := child(child(doc, "components"), "responses")
	for _, name := range slices.Sorted(maps.Keys(byResponse)) {
		codes, ok := byResponse[name].([]any)
		if !ok {
			return fmt.Errorf("x-problem-codes.%s: not a list of codes", name)
		}
		code, err := problemCode(responses[name])
		if err != nil {
			return fmt.Errorf("x-problem-codes.%s: %w", name, err)
		}
		enum, _ := code["enum"].([]any)
		for _, c := range codes {
			if slices.Contains(enum, c) {
				return fmt.Errorf("x-problem-codes.%s: %v is already listed", name, c)
			}
			enum = append(enum, c)
		}
		code["enum"] = enum
	}
	return nil
}

// problemCode finds the code schema of a shared problem response: content,
// application/problem+json, schema, allOf, the member with properties.code.enum.
func problemCode(response any) (map[string]any, error) {
	r, ok := response.(map[string]any)
	if !ok {
		return nil, errors.New("no such shared response in components.responses")
	}
	content, _ := r["content"].(map[string]any)
	media, _ := content[ProblemContentType].(map[string]any)
	schema, _ := media["schema"].(map[string]any)
	all, _ := schema["allOf"].([]any)
	for _, member := range all {
		props, _ := member.(map[string]any)["properties"].(map[string]any)
		code, _ := props["code"].(map[string]any)
		if _, ok := code["enum"].([]any); ok {
			return code, nil
		}
	}
	return nil, errors.New("the response lists no problem codes")
}
