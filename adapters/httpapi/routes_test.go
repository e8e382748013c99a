package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
)

func okHandler(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }

// A route contributed from outside the package, the way bootstrap's routes group does, gets
// tenant resolution and authentication without asking for them.
func TestContributedRoutesGetTenantAndAuthentication(t *testing.T) {
	h := newHarness(t, withRoute(http.MethodGet, "/api/v1/projects", okHandler), withRoute(http.MethodGet, "/reports", okHandler))
	for _, path := range []string{"/api/v1/projects", "/reports"} {
		requireProblem(t, h.get(path), http.StatusBadRequest, "tenant.required")
		requireProblem(t, h.get(path, tenantHeader, "acme"), http.StatusUnauthorized, "auth.unauthenticated")
		requireProblem(t, h.get(path, tenantHeader, "beta", "Authorization", tokenFor(h.alice)), http.StatusForbidden, "tenant.mismatch")
		assert.Equal(t, http.StatusOK, h.get(path, "Authorization", tokenFor(h.alice)).Code)
		assert.Equal(t, http.StatusBadRequest, h.do(h.request(http.MethodHead, path, nil)).Code, "HEAD is protected like GET")
	}
}

func TestPublicRoutesCarryReasons(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range httpapi.PublicRoutes {
		key := p.Method + " " + p.Path
		assert.NotEmpty(t, strings.TrimSpace(p.Reason), "%s is declared public without a reason", key)
		assert.Contains(t, []httpapi.Access{httpapi.AccessPublic, httpapi.AccessTenant}, p.Access, key)
		assert.False(t, seen[key], "%s is declared twice", key)
		seen[key] = true
	}
}

func TestRouteBuilderRefusesDuplicatesAndMissingHandlers(t *testing.T) {
	build := func(routes ...httpapi.Route) error {
		_, err := httpapi.New(httpapi.Config{BodyLimit: 1 << 20}, httpapi.Deps{Routes: routes, Log: zap.NewNop()})
		return err
	}
	require.NoError(t, build(httpapi.PlainRoute(http.MethodGet, "/x", http.HandlerFunc(okHandler))))
	assert.ErrorContains(t, build(httpapi.PlainRoute(http.MethodGet, "/healthz", http.HandlerFunc(okHandler))), "GET /healthz is registered twice")
	assert.ErrorContains(t, build(httpapi.Route{Method: http.MethodGet, Path: "/x"}), "GET /x has no handler")
}

// exposureViolations probes every route of the router, not only those the builder recorded: a
// route answering without a tenant or without a token must be declared in PublicRoutes with
// that access, and every route must have come through the route builder.
func exposureViolations(h *harness) []string {
	e := httpapi.Router(h.server)
	declared := map[string]httpapi.Access{}
	for _, r := range h.server.Routes() {
		declared[r.Method+" "+r.Path] = r.Access
	}
	var out []string
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		key := r.Method + " " + r.Path
		access, built := declared[key]
		if !built {
			out = append(out, fmt.Sprintf("%s: registered around the route builder (rule: one-route-builder)", key))
			access = httpapi.AccessAuthenticated
		}
		target := strings.ReplaceAll(r.Path, ":id", "01900000-0000-7000-8000-000000000000")
		if access != httpapi.AccessPublic {
			if rec := h.do(h.request(r.Method, target, nil)); rec.Code != http.StatusBadRequest || (r.Method != http.MethodHead && !strings.Contains(rec.Body.String(), "tenant.required")) {
				out = append(out, fmt.Sprintf("%s: answers %d without a tenant, but PublicRoutes does not declare it public (rule: declared-public-routes)", key, rec.Code))
			}
		}
		if access == httpapi.AccessAuthenticated {
			req := h.request(r.Method, target, nil)
			req.Header.Set(tenantHeader, "acme")
			if rec := h.do(req); rec.Code != http.StatusUnauthorized {
				out = append(out, fmt.Sprintf("%s: answers %d without a token, but PublicRoutes does not declare it (rule: declared-public-routes)", key, rec.Code))
			}
		}
	}
	return out
}

func TestEveryRouteIsProtectedUnlessDeclaredPublic(t *testing.T) {
	h := newHarness(t)
	assert.Empty(t, exposureViolations(h))

	// Every declaration names a route this package or bootstrap registers (bootstrap's
	// TestEveryDeclaredPublicRouteExists sees /metrics too).
	for _, p := range httpapi.PublicRoutes {
		if p.Path == "/metrics" {
			continue
		}
		assert.Contains(t, h.server.Routes(), httpapi.RouteInfo{Method: p.Method, Path: p.Path, Access: p.Access})
	}
}

// The fixture: a route added straight to the router, around the builder, answers without tenant
// or token. The probe must name it and the rule.
func TestUndeclaredPublicRouteIsCaught(t *testing.T) {
	h := newHarness(t)
	httpapi.Router(h.server).GET("/api/v1/leak", echo.WrapHandler(http.HandlerFunc(okHandler)))
	got := exposureViolations(h)
	require.NotEmpty(t, got)
	assert.Contains(t, got, "GET /api/v1/leak: registered around the route builder (rule: one-route-builder)")
	assert.Contains(t, got, "GET /api/v1/leak: answers 200 without a tenant, but PublicRoutes does not declare it public (rule: declared-public-routes)")
}

// What Server.Handler hands out serves and does nothing else: it is no router, whatever it is
// asserted to, so no route can be added past the builder (and so past tenant resolution and
// authentication). Asserting it back to *echo.Echo does not even compile
// (architecture/testdata/mistakes/echoassert, TestForgingMistakesDoNotCompile).
func TestServerHandlerOnlyServes(t *testing.T) {
	h := newHarness(t)
	var served any = h.server.Handler()
	_, isRouter := served.(*echo.Echo)
	assert.False(t, isRouter, "Handler() is the echo router")
	_, registers := served.(interface {
		Add(method, path string, handler echo.HandlerFunc, middleware ...echo.MiddlewareFunc) *echo.Route
	})
	assert.False(t, registers, "Handler() can register routes")
	_, wraps := served.(interface{ Unwrap() http.Handler })
	assert.False(t, wraps, "Handler() hands out what it wraps")
	assert.Equal(t, http.StatusBadRequest, h.get("/api/v1/users").Code, "Handler() serves the built routes")
}
