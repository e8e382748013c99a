package httpapi

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const widgetsFragment = `
tags:
  - name: widgets
x-problem-codes:
  Conflict: [widget.name_taken]
paths:
  /api/v1/widgets:
    parameters:
      - $ref: "#/components/parameters/RequestID"
    get:
      tags: [widgets]
      operationId: listWidgets
      parameters:
        - $ref: "#/components/parameters/TenantID"
      responses:
        "200":
          description: the widgets
          headers:
            X-Request-ID:
              $ref: "#/components/headers/XRequestID"
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Widget"
        "409":
          $ref: "#/components/responses/Conflict"
components:
  schemas:
    Widget:
      type: object
`

// A feature's fragment is merged as if openapi.yaml held it: its operation gets the shared
// responses and the /t/{slug} alias, its schema resolves, and its code joins the shared enum.
func TestOpenAPIFragmentIsMergedAndCompleted(t *testing.T) {
	b, err := OpenAPIDocumentWith(OpenAPIFragment(widgetsFragment))
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	op := doc.Paths.Value("/api/v1/widgets").Get
	require.NotNil(t, op)
	for _, status := range []string{"400", "401", "403", "404", "500", "503"} {
		assert.NotNil(t, op.Responses.Value(status), "shared response %s", status)
	}
	alias := doc.Paths.Value("/t/{slug}/api/v1/widgets")
	require.NotNil(t, alias)
	assert.Equal(t, "listWidgetsViaPath", alias.Get.OperationID)
	assert.NotNil(t, doc.Components.Schemas["Widget"])
	enum := doc.Components.Responses["Conflict"].Value.Content.Get(ProblemContentType).Schema.Value.AllOf[1].Value.Properties["code"].Value.Enum
	assert.Contains(t, enum, "widget.name_taken")
	assert.Contains(t, enum, "user.email_taken", "the core's codes stay")
	assert.Contains(t, string(OpenAPIDocument()), `"/api/v1/users"`)
	assert.NotContains(t, string(OpenAPIDocument()), "widgets", "the core document is unchanged")
}

// A fragment may add, never redefine: each refusal names what it would have overwritten.
func TestOpenAPIFragmentRefusals(t *testing.T) {
	for _, tt := range []struct{ name, fragment, want string }{
		{"a core path", strings.Replace(widgetsFragment, "/api/v1/widgets:", "/api/v1/users:", 1), "paths: /api/v1/users is already defined"},
		{"a core schema", strings.Replace(widgetsFragment, "    Widget:\n", "    User:\n", 1), "components.schemas: User is already defined"},
		{"a core tag", strings.Replace(widgetsFragment, "- name: widgets", "- name: users", 1), "tags: users is already defined"},
		{"a listed code", strings.Replace(widgetsFragment, "widget.name_taken", "user.email_taken", 1), "x-problem-codes.Conflict: user.email_taken is already listed"},
		{"an unknown response", strings.Replace(widgetsFragment, "Conflict: [", "Teapot: [", 1), "x-problem-codes.Teapot: no such shared response"},
		{"another key", widgetsFragment + "info: {title: mine}\n", "info: a fragment holds only"},
		{"no paths", "tags: [{name: x}]\n", "paths: a fragment describes at least one path"},
		{"not YAML", "paths: [", "not YAML"},
		{"an invalid operation", strings.Replace(widgetsFragment, "        \"409\":\n          $ref: \"#/components/responses/Conflict\"\n", "        \"409\":\n          $ref: \"#/components/responses/Nothing\"\n", 1), "load the merged OpenAPI document"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := OpenAPIDocumentWith(OpenAPIFragment(tt.fragment))
			require.ErrorContains(t, err, tt.want)
		})
	}
	_, err := OpenAPIDocumentWith(OpenAPIFragment(widgetsFragment), OpenAPIFragment(widgetsFragment))
	require.ErrorContains(t, err, "OpenAPI fragment 2: paths: /api/v1/widgets is already defined")
}
