package httpapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// loadOpenAPI loads and validates the served document, as a client would get it.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	// openAPIJSON rather than OpenAPIDocument, which would panic instead of failing the test.
	b, err := openAPIJSON()
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

// routelessServer builds the server without use cases: New only registers them, and these tests
// either read the route table or send requests that fail before any use case runs.
func routelessServer(t *testing.T, extra ...Route) *Server {
	t.Helper()
	s, err := New(Config{
		BodyLimit:      1 << 20,
		RequestTimeout: time.Minute,
		Tenant:         TenantConfig{Strategies: []string{StrategyHeader, StrategyPath}},
	}, Deps{
		Readiness: notReady{},
		JWKS:      []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + strings.Repeat("A", 43) + `","kid":"k1","alg":"EdDSA","use":"sig"}]}`),
		Routes:    append(UserRoutes(nil), extra...),
		Log:       zap.NewNop(),
	})
	require.NoError(t, err)
	return s
}

type notReady struct{}

func (notReady) Check(context.Context) error { return fault.ErrUnavailable }

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	assert.True(t, doc.IsOpenAPI31OrLater())

	// The served JSON must load back to the document the YAML source loads to, completed, or
	// clients would read another contract than the one the tests hold the server to.
	src, err := openapi3.NewLoader().LoadFromData(openAPIYAML)
	require.NoError(t, err)
	require.NoError(t, complete(src))
	require.NoError(t, src.Validate(context.Background()))
	want, err := src.MarshalJSON()
	require.NoError(t, err)
	got, err := doc.MarshalJSON()
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))

	// Callers get a copy: changing it must not change what is served.
	b := OpenAPIDocument()
	b[0] = 'x'
	assert.NotEqual(t, b[0], OpenAPIDocument()[0])
}

// TestOpenAPIDocumentsEveryRoute keeps the route table and the document in step: a route added
// without documentation, or documentation of a removed route, fails here. A HEAD route counts as
// documented by the GET of its path, as the document says.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)

	// Routes that bootstrap contributes through Deps.Routes, so New alone does not register them.
	mountedOutside := []string{"GET /metrics"}

	registered := map[string]bool{}
	for _, r := range routelessServer(t).echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		op := r.Method + " " + openAPIPath(r.Path)
		registered[op] = true
		item := doc.Paths.Value(openAPIPath(r.Path))
		if !assert.NotNil(t, item, "route %s is not documented", op) {
			continue
		}
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		assert.NotNil(t, item.GetOperation(method), "route %s is not documented", op)
	}
	require.NotEmpty(t, registered)

	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			op := method + " " + path
			if api, ok := strings.CutPrefix(path, "/t/{slug}"); ok {
				// The path strategy rewrites /t/{slug}/api/... before routing: the alias exists
				// exactly when the /api route does.
				assert.True(t, strings.HasPrefix(api, "/api/"), "%s aliases no /api path", op)
				apiItem := doc.Paths.Value(api)
				assert.True(t, apiItem != nil && apiItem.GetOperation(method) != nil, "alias %s of an undocumented operation", op)
				continue
			}
			if strings.HasPrefix(path, "/api/") {
				alias := doc.Paths.Value("/t/{slug}" + path)
				assert.True(t, alias != nil && alias.GetOperation(method) != nil, "%s has no /t/{slug} alias", op)
			}
			if !slices.Contains(mountedOutside, op) {
				assert.True(t, registered[op], "%s is documented but not routed", op)
			}
		}
	}
}

// TestOpenAPIResponsesCarryRequestID holds the document to the requestID middleware, which sets
// X-Request-ID on every response, errors included.
func TestOpenAPIResponsesCarryRequestID(t *testing.T) {
	doc := loadOpenAPI(t)
	check := func(where string, r *openapi3.Response) {
		h := r.Headers["X-Request-ID"]
		if assert.NotNil(t, h, "%s lacks X-Request-ID", where) {
			assert.True(t, h.Value.Required, "%s: X-Request-ID is not required", where)
		}
	}
	for name, r := range doc.Components.Responses {
		check("response "+name, r.Value)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, r := range op.Responses.Map() {
				check(method+" "+path+" "+status, r.Value)
			}
		}
	}
}

func TestOpenAPIRoute(t *testing.T) {
	r := OpenAPIRoute()
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/api/v1/openapi.json", r.Path)

	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequestWithContext(context.Background(), http.MethodGet, r.Path, nil), rec)
	require.NoError(t, r.Handler(c))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.Equal(t, OpenAPIDocument(), rec.Body.Bytes())
}

// TestOpenAPIServedResponsesMatch sends requests that need no use case through the whole
// middleware chain and validates each response against the document it serves.
func TestOpenAPIServedResponsesMatch(t *testing.T) {
	doc := loadOpenAPI(t)
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	h := routelessServer(t).Handler()

	for _, tt := range []struct {
		method, path string
		body         string
		status       int
	}{
		{http.MethodGet, "/api/v1/openapi.json", "", http.StatusOK},
		{http.MethodGet, "/t/acme/api/v1/openapi.json", "", http.StatusOK},
		{http.MethodGet, "/healthz", "", http.StatusOK},
		{http.MethodGet, "/readyz", "", http.StatusServiceUnavailable},
		{http.MethodGet, "/.well-known/jwks.json", "", http.StatusOK},
		{http.MethodGet, "/api/v1/tenant", "", http.StatusBadRequest},
		{http.MethodPost, "/api/v1/auth/token", `{}`, http.StatusBadRequest},
		{http.MethodGet, "/api/v1/me", "", http.StatusBadRequest},
		{http.MethodGet, "/t/a/api/v1/users", "", http.StatusBadRequest},
		{http.MethodDelete, "/healthz", "", http.StatusMethodNotAllowed},
		{http.MethodHead, "/api/v1/auth/token", "", http.StatusMethodNotAllowed},
		{http.MethodPost, "/api/v1/auth/token", strings.Repeat("x", 2<<20), http.StatusRequestEntityTooLarge},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req := httptest.NewRequestWithContext(context.Background(), tt.method, tt.path, strings.NewReader(tt.body))
			// Routed first: the path strategy rewrites req.URL in place while serving.
			route, params, routeErr := router.FindRoute(req)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tt.status, rec.Code, "body: %s", rec.Body)

			if tt.status == http.StatusMethodNotAllowed {
				// Unlisted methods have no operation to validate against; the bootstrap helper
				// covers them with the MethodNotAllowed response.
				require.Error(t, routeErr)
				return
			}
			require.NoError(t, routeErr)
			if strings.HasPrefix(tt.path, "/t/") {
				require.True(t, strings.HasPrefix(route.Path, "/t/{slug}/"), "routed to %s", route.Path)
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 rec.Code,
				Header:                 rec.Header(),
				Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
				Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			assert.NoError(t, openapi3filter.ValidateResponse(context.Background(), in))
		})
	}
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openAPIPath turns echo's /users/:id into OpenAPI's /users/{id}.
func openAPIPath(echoPath string) string {
	return echoParam.ReplaceAllString(echoPath, "{$1}")
}

// TestOpenAPICompletionRefusesCopies: the aliases and the shared responses come from the
// components; a source that writes one out fails, naming it.
func TestOpenAPICompletionRefusesCopies(t *testing.T) {
	load := func(extra string) *openapi3.T {
		t.Helper()
		src := strings.Replace(string(openAPIYAML), "\npaths:\n", "\npaths:\n"+extra, 1)
		doc, err := openapi3.NewLoader().LoadFromData([]byte(src))
		require.NoError(t, err)
		return doc
	}
	copied := `  /api/v1/copies:
    get:
      operationId: copies
      parameters:
        - $ref: "#/components/parameters/TenantID"
      responses:
        "200":
          description: ok
        "404":
          $ref: "#/components/responses/NotFound"
`
	assert.ErrorContains(t, complete(load(copied)), "GET /api/v1/copies repeats the shared response 404 (NotFound)")
	alias := `  /t/{slug}/api/v1/copies:
    get:
      operationId: copiesViaPath
      responses:
        "200":
          description: ok
`
	assert.ErrorContains(t, complete(load(alias)), "/t/{slug}/api/v1/copies: the /t/{slug} aliases are generated, not written")

	// A response of the operation's own, under a shared status, is no copy.
	own := strings.Replace(copied, `          $ref: "#/components/responses/NotFound"`, "          description: no such copy", 1)
	doc := load(own)
	require.NoError(t, complete(doc))
	op := doc.Paths.Value("/t/{slug}/api/v1/copies").Get
	require.NotNil(t, op)
	assert.Equal(t, "copiesViaPath", op.OperationID)
	assert.Equal(t, "no such copy", *op.Responses.Value("404").Value.Description)
	assert.Equal(t, "#/components/responses/Unavailable", op.Responses.Value("503").Ref)
	assert.Equal(t, "#/components/responses/Forbidden", op.Responses.Value("403").Ref)
}
