package httpapi_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// Every failure, whether it comes from the router, the middleware or a use case, is rendered by
// the one error handler as a complete problem document.
func TestErrorsAreProblems(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		method  string
		target  string
		headers []string
		status  int
		code    string
	}{
		{"unknown route", http.MethodGet, "/nope", nil, http.StatusNotFound, "route.not_found"},
		// An unknown path under the API prefix is a routing error, not a missing tenant.
		{"unknown api route without tenant", http.MethodGet, "/api/v1/nope", nil, http.StatusNotFound, "route.not_found"},
		{"unknown api route with tenant", http.MethodGet, "/api/v1/nope", []string{tenantHeader, "acme"}, http.StatusNotFound, "route.not_found"},
		{"wrong method on a scoped route", http.MethodDelete, "/api/v1/tenant", []string{tenantHeader, "acme"}, http.StatusMethodNotAllowed, "request.method_not_allowed"},
		{"wrong method on an unscoped route", http.MethodPost, "/healthz", nil, http.StatusMethodNotAllowed, "request.method_not_allowed"},
		{"tenant required", http.MethodGet, "/api/v1/tenant", nil, http.StatusBadRequest, "tenant.required"},
		{"unauthenticated", http.MethodGet, "/api/v1/me", []string{tenantHeader, "acme"}, http.StatusUnauthorized, "auth.unauthenticated"},
		{"malformed authorization header", http.MethodGet, "/api/v1/users", []string{tenantHeader, "acme", "Authorization", "-"}, http.StatusUnauthorized, "auth.unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := h.request(tt.method, tt.target, nil)
			for i := 0; i < len(tt.headers); i += 2 {
				req.Header.Add(tt.headers[i], tt.headers[i+1])
			}
			requireProblem(t, h.do(req), tt.status, tt.code)
		})
	}
}

func TestMethodNotAllowedListsAllowedMethods(t *testing.T) {
	h := newHarness(t)
	rec := h.do(h.request(http.MethodPut, "/api/v1/auth/token", nil))
	requireProblem(t, rec, http.StatusMethodNotAllowed, "request.method_not_allowed")
	assert.Contains(t, rec.Header().Get("Allow"), http.MethodPost)
}

// HEAD gets the status and headers of the problem but, as HTTP requires, no body.
func TestHeadErrorHasNoBody(t *testing.T) {
	h := newHarness(t)
	rec := h.do(h.request(http.MethodHead, "/nope", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Empty(t, rec.Body.String())
}

func TestReadiness(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		code       string // empty for success
		retryAfter bool
	}{
		{name: "ready", status: http.StatusOK},
		// A dependency outage is temporary: 503 tells load balancers and clients to come back.
		{name: "unavailable", err: fault.ErrUnavailable, status: http.StatusServiceUnavailable, code: "server.unavailable", retryAfter: true},
		{name: "refined unavailable", err: fault.ErrUnavailable.WithDetail("database failover"), status: http.StatusServiceUnavailable, code: "server.unavailable", retryAfter: true},
		// An unclassified error is internal, and its text (which may name hosts) stays in the log.
		{name: "unclassified", err: errors.New("dial tcp 10.1.2.3:5432: connection refused"), status: http.StatusInternalServerError, code: "server.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.ready.set(tt.err)

			rec := h.get("/readyz")

			if tt.code == "" {
				assert.Equal(t, http.StatusOK, rec.Code)
				assert.JSONEq(t, `{"status":"ready"}`, rec.Body.String())
				return
			}
			requireProblem(t, rec, tt.status, tt.code)
			if tt.retryAfter {
				assert.Equal(t, "2", rec.Header().Get("Retry-After"))
			} else {
				assert.Empty(t, rec.Header().Get("Retry-After"))
			}
			assert.NotContains(t, rec.Body.String(), "10.1.2.3")
			assert.Contains(t, h.accessLine(rec).ContextMap()["error"], tt.err.Error(), "the cause is logged")
		})
	}
}

// A dependency that hangs is cut off by the request deadline and reported as a retryable 503,
// not left to hold the connection or reported as the server's own fault.
func TestRequestDeadline(t *testing.T) {
	h := newHarness(t, withRequestTimeout(time.Millisecond))
	h.ready.hangUntilDeadline()

	rec := h.get("/readyz")

	requireProblem(t, rec, http.StatusServiceUnavailable, "server.unavailable")
	assert.Equal(t, "2", rec.Header().Get("Retry-After"))
}

func TestHealthzNeedsNothing(t *testing.T) {
	h := newHarness(t)
	h.ready.set(fault.ErrUnavailable)
	// Liveness must not depend on a tenant or on dependencies, or an outage restarts every pod.
	for _, headers := range [][]string{nil, {tenantHeader, "../evil"}, {tenantHeader, "nobody"}, {"Authorization", "Bearer forged"}} {
		rec := h.get("/healthz", headers...)
		assert.Equal(t, http.StatusOK, rec.Code, "headers %v", headers)
		assert.JSONEq(t, `{"status":"ok"}`, rec.Body.String())
	}
}

// The login route is the one that reads a JSON body; it is where body handling is pinned down.
func TestTokenRequestBody(t *testing.T) {
	valid := `{"email":"alice@example.com","password":"` + alicePassword + `"}`
	tests := []struct {
		name        string
		contentType string
		body        string
		chunked     bool // no Content-Length, so only reading reveals the size
		status      int
		code        string // empty for success
	}{
		{name: "valid", contentType: "application/json", body: valid, status: http.StatusOK},
		{name: "valid with charset", contentType: "application/json; charset=utf-8", body: valid, status: http.StatusOK},
		{name: "wrong password", contentType: "application/json", body: `{"email":"alice@example.com","password":"wrong-password-1"}`, status: http.StatusUnauthorized, code: "auth.invalid_credentials"},
		{name: "malformed json", contentType: "application/json", body: `{"email":`, status: http.StatusBadRequest, code: "request.invalid"},
		{name: "not an object", contentType: "application/json", body: `["alice@example.com"]`, status: http.StatusBadRequest, code: "request.invalid"},
		{name: "unknown field", contentType: "application/json", body: `{"email":"alice@example.com","password":"x","admin":true}`, status: http.StatusBadRequest, code: "request.invalid"},
		{name: "two objects", contentType: "application/json", body: valid + valid, status: http.StatusBadRequest, code: "request.invalid"},
		{name: "trailing garbage", contentType: "application/json", body: valid + " x", status: http.StatusBadRequest, code: "request.invalid"},
		{name: "missing password", contentType: "application/json", body: `{"email":"alice@example.com"}`, status: http.StatusBadRequest, code: "request.invalid"},
		{name: "null password", contentType: "application/json", body: `{"email":"alice@example.com","password":null}`, status: http.StatusBadRequest, code: "request.invalid"},
		{name: "empty body", contentType: "application/json", body: ``, status: http.StatusBadRequest, code: "request.invalid"},
		{name: "form content type", contentType: "application/x-www-form-urlencoded", body: "email=a&password=b", status: http.StatusUnsupportedMediaType, code: "request.unsupported_media_type"},
		{name: "text content type", contentType: "text/plain", body: valid, status: http.StatusUnsupportedMediaType, code: "request.unsupported_media_type"},
		{name: "no content type", body: valid, status: http.StatusUnsupportedMediaType, code: "request.unsupported_media_type"},
		{name: "too large by content length", contentType: "application/json", body: oversized(), status: http.StatusRequestEntityTooLarge, code: "request.too_large"},
		{
			name: "too large without content length", contentType: "application/json", body: oversized(), chunked: true,
			status: http.StatusRequestEntityTooLarge, code: "request.too_large",
		},
		{
			name: "far too large without content length", contentType: "application/json", body: strings.Repeat(" ", 10*bodyLimit) + valid, chunked: true,
			status: http.StatusRequestEntityTooLarge, code: "request.too_large",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			req := h.request(http.MethodPost, "/api/v1/auth/token", strings.NewReader(tt.body))
			req.Header.Set(tenantHeader, "acme")
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.chunked {
				req.ContentLength = -1
				req.Body = io.NopCloser(strings.NewReader(tt.body)) // hides the length from net/http
			}

			rec := h.do(req)

			if tt.code != "" {
				p := requireProblem(t, rec, tt.status, tt.code)
				assert.NotContains(t, p.Detail, alicePassword)
				return
			}
			require.Equal(t, tt.status, rec.Code, "body: %s", rec.Body.String())
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "tokens must not be cached")
			body := decodeBody[struct {
				AccessToken string `json:"access_token"`
				TokenType   string `json:"token_type"`
				ExpiresIn   int64  `json:"expires_in"`
			}](t, rec)
			assert.Equal(t, tokenFor(h.alice), "Bearer "+body.AccessToken, "the token of the user and tenant")
			assert.Equal(t, "Bearer", body.TokenType)
			assert.InDelta(t, 900, body.ExpiresIn, 5)
		})
	}
}

// oversized is a syntactically valid body just over the limit, so that only its size is wrong.
func oversized() string {
	return `{"email":"alice@example.com","password":"` + strings.Repeat("p", bodyLimit) + `"}`
}
