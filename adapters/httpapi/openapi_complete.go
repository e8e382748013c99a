package httpapi

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// aliasPrefix is the path strategy's prefix: /t/{slug}/api/v1/... is served as /api/v1/....
const aliasPrefix = "/t/{slug}"

// sharedResponses are the problem responses of the components that operations get without
// listing them: every route can fail (500) or time out (503); every route that resolves a tenant
// can refuse it (400, 403, 404) or a token sent with it (401).
var (
	everyOperation  = map[string]string{"500": "InternalError", "503": "Unavailable"}
	tenantOperation = map[string]string{"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound"}
)

// complete adds to the source document what it states once and the served document repeats: the
// shared problem responses of each operation (an operation may list its own instead, never a
// copy), and the /t/{slug} alias of each /api path. A source that writes either out is refused.
func complete(doc *openapi3.T) error {
	for _, name := range append(slices.Collect(maps.Values(everyOperation)), slices.Collect(maps.Values(tenantOperation))...) {
		if doc.Components.Responses[name] == nil {
			return fmt.Errorf("components.responses lacks %s", name)
		}
	}
	if doc.Components.Parameters["PathSlug"] == nil {
		return errors.New("components.parameters lacks PathSlug")
	}
	for path, item := range doc.Paths.Map() {
		if strings.HasPrefix(path, aliasPrefix) {
			return fmt.Errorf("%s: the /t/{slug} aliases are generated, not written", path)
		}
		for method, op := range item.Operations() {
			for status, r := range op.Responses.Map() {
				shared := everyOperation[status]
				if shared == "" && resolvesTenant(item, op) {
					shared = tenantOperation[status]
				}
				if shared != "" && r.Ref == "#/components/responses/"+shared {
					return fmt.Errorf("%s %s repeats the shared response %s (%s), which every such operation gets from the components", method, path, status, shared)
				}
			}
			addResponses(doc, op, everyOperation)
			if resolvesTenant(item, op) {
				addResponses(doc, op, tenantOperation)
			}
		}
	}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		doc.Paths.Set(aliasPrefix+path, alias(doc.Components, doc.Paths.Value(path), path))
	}
	return nil
}

func addResponses(doc *openapi3.T, op *openapi3.Operation, shared map[string]string) {
	for status, name := range shared {
		if op.Responses.Value(status) != nil {
			continue
		}
		op.Responses.Set(status, &openapi3.ResponseRef{Ref: "#/components/responses/" + name, Value: doc.Components.Responses[name].Value})
	}
}

// resolvesTenant reports whether the operation takes the tenant header: the mark of a route
// behind tenant resolution.
func resolvesTenant(item *openapi3.PathItem, op *openapi3.Operation) bool {
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		if p.Ref == "#/components/parameters/TenantID" {
			return true
		}
	}
	return false
}

// alias is the /t/{slug} twin of the path item of path: the same operations, each with its own
// operationId, and the slug parameter.
func alias(components *openapi3.Components, item *openapi3.PathItem, path string) *openapi3.PathItem {
	a := *item
	a.Summary = "Path-strategy alias of " + path
	slug := &openapi3.ParameterRef{Ref: "#/components/parameters/PathSlug", Value: components.Parameters["PathSlug"].Value}
	a.Parameters = append(openapi3.Parameters{slug}, item.Parameters...)
	for method, op := range item.Operations() {
		twin := *op
		twin.OperationID = op.OperationID + "ViaPath"
		a.SetOperation(method, &twin)
	}
	return &a
}
