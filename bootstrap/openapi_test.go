package bootstrap_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// openAPIContract is the served API description, ready to check responses against.
type openAPIContract struct {
	doc    *openapi3.T
	router routers.Router
	// unrouted stands in for the operation of a request the document has none for: echo answers
	// those itself, with route.not_found, request.method_not_allowed or, to OPTIONS, 204.
	unrouted *openapi3.Operation
}

// The document is loaded once for the whole test binary: every exchange of every test is checked
// against it, and loading costs far more than a check.
var loadOpenAPIContract = sync.OnceValues(func() (*openAPIContract, error) {
	served, err := bootstrap.OpenAPIDocument()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(served)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	// The legacy router, unlike gorillamux, needs no module outside kin-openapi's own; it
	// validates the document before building its routes.
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	unrouted := openapi3.NewOperation()
	unrouted.Responses = openapi3.NewResponses(
		openapi3.WithStatus(http.StatusNoContent, doc.Components.Responses["AllowedMethods"]),
		openapi3.WithStatus(http.StatusNotFound, doc.Components.Responses["NotFound"]),
		openapi3.WithStatus(http.StatusMethodNotAllowed, doc.Components.Responses["MethodNotAllowed"]),
	)
	for status, r := range unrouted.Responses.Map() {
		if r == nil || r.Value == nil {
			return nil, fmt.Errorf("the OpenAPI document lacks the component response of status %s", status)
		}
	}
	return &openAPIContract{doc: doc, router: router, unrouted: unrouted}, nil
})

// validateAgainstOpenAPI fails t unless the response to req, whose body was already read into
// body, is one the OpenAPI document describes: a documented status of the matched operation, with
// its headers and a body of its schema. A request the document has no operation for (an unknown
// path, an unlisted method) must get a route.not_found or request.method_not_allowed problem, or
// the 204 of OPTIONS on a documented path. A HEAD response is held to the GET operation of its
// path, body aside.
//
// It reports with t.Errorf, never t.FailNow, so that it may run on other goroutines than the
// test's.
func validateAgainstOpenAPI(t *testing.T, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	if err := openAPIMismatch(req, res.StatusCode, res.Header, body); err != nil {
		t.Errorf("%s %s: the %d response does not match the OpenAPI document: %v\nbody: %s",
			req.Method, req.URL.RequestURI(), res.StatusCode, err, body)
	}
}

// openAPIMismatch says how a response departs from the OpenAPI document, or returns nil.
func openAPIMismatch(req *http.Request, status int, header http.Header, body []byte) error {
	c, err := loadOpenAPIContract()
	if err != nil {
		return err
	}
	return c.mismatch(req, status, header, body)
}

// newOpenAPIContract is the contract of doc, for a server with more operations than the
// features' (a fixture's).
func newOpenAPIContract(doc *openapi3.T) (*openAPIContract, error) {
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	unrouted := openapi3.NewOperation()
	unrouted.Responses = openapi3.NewResponses(
		openapi3.WithStatus(http.StatusNoContent, doc.Components.Responses["AllowedMethods"]),
		openapi3.WithStatus(http.StatusNotFound, doc.Components.Responses["NotFound"]),
		openapi3.WithStatus(http.StatusMethodNotAllowed, doc.Components.Responses["MethodNotAllowed"]),
	)
	return &openAPIContract{doc: doc, router: router, unrouted: unrouted}, nil
}

// mismatch says how a response departs from the contract's document, or returns nil.
func (c *openAPIContract) mismatch(req *http.Request, status int, header http.Header, body []byte) error {
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	if req.Method == http.MethodHead {
		// The document lists HEAD only as the twin of GET, and ValidateResponse would skip a
		// HEAD request entirely: check the status and headers the GET documents instead.
		req = req.Clone(req.Context())
		req.Method = http.MethodGet
		opts.ExcludeResponseBody = true
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if !unroutedStatus(req.Method, status) {
			return fmt.Errorf("the document has no operation for the request (%w), so only 404 and 405 (and 204 to OPTIONS) may answer it", err)
		}
		route = &routers.Route{Spec: c.doc, Path: req.URL.Path, Method: req.Method, Operation: c.unrouted}
		params = nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      route,
			// Requests are not validated: the tests send invalid ones on purpose.
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: opts,
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// unroutedStatus reports whether echo's router, rather than a documented operation, answers a
// request with status; each of the unrouted responses fits only some methods.
func unroutedStatus(method string, status int) bool {
	switch status {
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return true
	case http.StatusNoContent:
		return method == http.MethodOptions
	default:
		return false
	}
}

// checked sends a request like service.do and validates the response against the document.
func (s *service) checked(t *testing.T, method, path, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.base+path, rd)
	require.NoError(t, err)
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		require.True(t, ok, "header %q", h)
		value = strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") {
			req.Host = value
			continue
		}
		req.Header.Add(name, value)
	}
	res, err := s.client.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	validateAgainstOpenAPI(t, req, res, b)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// TestEveryResponseMatchesOpenAPI provokes the outcomes a test can reach through the real service,
// client errors of every status included, and holds each response to the document.
func TestEveryResponseMatchesOpenAPI(t *testing.T) {
	s := startService(t, nil)
	acme := s.createTenant("acme")
	s.createTenant("globex")
	s.createTenant("dormant")
	s.cli("", "tenant", "deactivate", "--slug", "dormant")
	ada := s.createUser("acme", "ada@example.com", "acme password 123")
	s.createUser("acme", "bob@example.com", "acme password 456")
	tok := s.login("acme", "ada@example.com", "acme password 123")
	bearer := "Authorization: Bearer " + tok
	const jsonBody = "Content-Type: application/json"

	for _, tt := range []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status       int
	}{
		{"liveness", http.MethodGet, "/healthz", "", nil, http.StatusOK},
		{"readiness", http.MethodGet, "/readyz", "", nil, http.StatusOK},
		{"jwks", http.MethodGet, "/.well-known/jwks.json", "", nil, http.StatusOK},
		{"unknown route", http.MethodGet, "/nope", "", nil, http.StatusNotFound},
		{"unknown api route", http.MethodGet, "/api/v1/nope", "", []string{"X-Tenant-ID: acme"}, http.StatusNotFound},
		{"unlisted method", http.MethodDelete, "/healthz", "", nil, http.StatusMethodNotAllowed},
		{"unlisted method on a tenant route", http.MethodPut, "/api/v1/tenant", "", nil, http.StatusMethodNotAllowed},
		{"head", http.MethodHead, "/healthz", "", nil, http.StatusOK},
		{"head of a tenant route", http.MethodHead, "/api/v1/users", "", []string{bearer}, http.StatusOK},
		{"head of a tenant route without a tenant", http.MethodHead, "/api/v1/users", "", nil, http.StatusBadRequest},
		{"head of a POST route", http.MethodHead, "/api/v1/auth/token", "", []string{"X-Tenant-ID: acme"}, http.StatusMethodNotAllowed},
		{"head of an unknown route", http.MethodHead, "/nope", "", nil, http.StatusNotFound},
		{"options", http.MethodOptions, "/api/v1/users/" + ada.ID, "", nil, http.StatusNoContent},
		{"options of an unknown route", http.MethodOptions, "/nope", "", nil, http.StatusNotFound},
		{"tenant by header", http.MethodGet, "/api/v1/tenant", "", []string{"X-Tenant-ID: acme"}, http.StatusOK},
		{"tenant by uuid", http.MethodGet, "/api/v1/tenant", "", []string{"X-Tenant-ID: " + acme.ID}, http.StatusOK},
		{"tenant by subdomain", http.MethodGet, "/api/v1/tenant", "", []string{"Host: acme.example.com"}, http.StatusOK},
		{"tenant by path", http.MethodGet, "/t/acme/api/v1/tenant", "", nil, http.StatusOK},
		{"tenant required", http.MethodGet, "/api/v1/tenant", "", nil, http.StatusBadRequest},
		{"tenant invalid", http.MethodGet, "/api/v1/tenant", "", []string{"X-Tenant-ID: a"}, http.StatusBadRequest},
		{"tenant path traversal", http.MethodGet, "/t/../api/v1/tenant", "", nil, http.StatusBadRequest},
		{"tenant ambiguous", http.MethodGet, "/t/globex/api/v1/tenant", "", []string{"X-Tenant-ID: acme"}, http.StatusBadRequest},
		{"tenant not found", http.MethodGet, "/api/v1/tenant", "", []string{"X-Tenant-ID: nobody"}, http.StatusNotFound},
		{"tenant inactive", http.MethodGet, "/api/v1/tenant", "", []string{"X-Tenant-ID: dormant"}, http.StatusForbidden},
		{"tenant with a bad token", http.MethodGet, "/api/v1/tenant", "", []string{"X-Tenant-ID: acme", "Authorization: Bearer garbage"}, http.StatusUnauthorized},
		{"login", http.MethodPost, "/api/v1/auth/token", `{"email":"ada@example.com","password":"acme password 123"}`, []string{"X-Tenant-ID: acme", jsonBody}, http.StatusOK},
		{"login by path", http.MethodPost, "/t/acme/api/v1/auth/token", `{"email":"ada@example.com","password":"acme password 123"}`, []string{jsonBody}, http.StatusOK},
		{"login wrong password", http.MethodPost, "/api/v1/auth/token", `{"email":"ada@example.com","password":"wrong password 000"}`, []string{"X-Tenant-ID: acme", jsonBody}, http.StatusUnauthorized},
		{"login other tenant", http.MethodPost, "/api/v1/auth/token", `{"email":"ada@example.com","password":"acme password 123"}`, []string{"X-Tenant-ID: globex", jsonBody}, http.StatusUnauthorized},
		{"login malformed", http.MethodPost, "/api/v1/auth/token", `{"email":`, []string{"X-Tenant-ID: acme", jsonBody}, http.StatusBadRequest},
		{"login unknown field", http.MethodPost, "/api/v1/auth/token", `{"email":"a@example.com","password":"p","admin":true}`, []string{"X-Tenant-ID: acme", jsonBody}, http.StatusBadRequest},
		{"login not json", http.MethodPost, "/api/v1/auth/token", `email=a`, []string{"X-Tenant-ID: acme", "Content-Type: application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"login too large", http.MethodPost, "/api/v1/auth/token", `{"email":"` + strings.Repeat("a", 2<<20) + `"}`, []string{"X-Tenant-ID: acme", jsonBody}, http.StatusRequestEntityTooLarge},
		{"me", http.MethodGet, "/api/v1/me", "", []string{bearer}, http.StatusOK},
		{"me by path", http.MethodGet, "/t/acme/api/v1/me", "", []string{bearer}, http.StatusOK},
		{"me without token", http.MethodGet, "/api/v1/me", "", []string{"X-Tenant-ID: acme"}, http.StatusUnauthorized},
		{"me with nothing", http.MethodGet, "/api/v1/me", "", nil, http.StatusBadRequest},
		{"me in another tenant", http.MethodGet, "/api/v1/me", "", []string{bearer, "X-Tenant-ID: globex"}, http.StatusForbidden},
		{"users", http.MethodGet, "/api/v1/users", "", []string{bearer}, http.StatusOK},
		{"users first page", http.MethodGet, "/api/v1/users?limit=1", "", []string{bearer}, http.StatusOK},
		{"users bad limit", http.MethodGet, "/api/v1/users?limit=abc", "", []string{bearer}, http.StatusBadRequest},
		{"users limit too high", http.MethodGet, "/api/v1/users?limit=101", "", []string{bearer}, http.StatusBadRequest},
		{"users bad cursor", http.MethodGet, "/api/v1/users?cursor=nonsense", "", []string{bearer}, http.StatusBadRequest},
		{"user", http.MethodGet, "/api/v1/users/" + ada.ID, "", []string{bearer}, http.StatusOK},
		{"user by path", http.MethodGet, "/t/acme/api/v1/users/" + ada.ID, "", []string{bearer}, http.StatusOK},
		{"user unknown", http.MethodGet, "/api/v1/users/01900000-0000-7000-8000-000000000000", "", []string{bearer}, http.StatusNotFound},
		{"user malformed id", http.MethodGet, "/api/v1/users/nope", "", []string{bearer}, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.checked(t, tt.method, tt.path, tt.body, tt.headers...)
			assert.Equal(t, tt.status, r.status, "body: %s", r.body)
		})
	}
}

// TestOpenAPIMismatchCatchesDrift makes sure the helper fails when it should: a check that
// passes everything would make TestEveryResponseMatchesOpenAPI worthless.
func TestOpenAPIMismatchCatchesDrift(t *testing.T) {
	send := func(method, path string) *http.Request {
		req, err := http.NewRequestWithContext(context.Background(), method, "http://127.0.0.1"+path, nil)
		require.NoError(t, err)
		return req
	}
	get := func(path string) *http.Request { return send(http.MethodGet, path) }
	head := func(path string) *http.Request { return send(http.MethodHead, path) }
	header := func(contentType string, requestID bool) http.Header {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		if requestID {
			h.Set(httpapi.HeaderRequestID, "r1")
		}
		return h
	}
	jsonHeader := header("application/json", true)
	problemHeader := header(httpapi.ProblemContentType, true)
	notFound := `{"type":"urn:tenantcore:problem:route.not_found","title":"Not Found","status":404,` +
		`"detail":"no route matches the request path","instance":"urn:tenantcore:request:r1","code":"route.not_found","request_id":"r1"}`

	require.NoError(t, openAPIMismatch(get("/healthz"), http.StatusOK, jsonHeader, []byte(`{"status":"ok"}`)))
	require.NoError(t, openAPIMismatch(get("/nope"), http.StatusNotFound, problemHeader, []byte(notFound)))
	require.NoError(t, openAPIMismatch(head("/healthz"), http.StatusOK, jsonHeader, nil))

	for _, tt := range []struct {
		name   string
		req    *http.Request
		status int
		header http.Header
		body   string
	}{
		{"undocumented field", get("/healthz"), http.StatusOK, jsonHeader, `{"status":"ok","uptime":1}`},
		{"wrong value", get("/healthz"), http.StatusOK, jsonHeader, `{"status":"fine"}`},
		{"undocumented status", get("/healthz"), http.StatusTeapot, problemHeader, notFound},
		{"no request id", get("/healthz"), http.StatusOK, header("application/json", false), `{"status":"ok"}`},
		{"problem as plain json", get("/nope"), http.StatusNotFound, jsonHeader, notFound},
		{"code under the wrong status", get("/api/v1/tenant"), http.StatusNotFound, problemHeader, strings.ReplaceAll(notFound, "route.not_found", "tenant.inactive")},
		{"success on an undocumented path", get("/nope"), http.StatusOK, jsonHeader, `{}`},
		{"no content to a method but OPTIONS", get("/nope"), http.StatusNoContent, header("", true), ``},
		{"head with an undocumented status", head("/healthz"), http.StatusTeapot, header("application/json", true), ``},
		{"head without a request id", head("/healthz"), http.StatusOK, header("application/json", false), ``},
		{"401 without a challenge", get("/api/v1/me"), http.StatusUnauthorized, problemHeader,
			strings.NewReplacer("route.not_found", "auth.unauthenticated", "404", "401").Replace(notFound)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, openAPIMismatch(tt.req, tt.status, tt.header, []byte(tt.body)))
		})
	}
}
