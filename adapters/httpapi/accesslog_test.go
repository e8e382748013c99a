package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
)

func TestAccessLogLine(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name       string
		method     string
		target     string
		headers    []string
		wantRoute  string
		wantStatus int
		wantTenant bool   // whether tenant_id is logged (only once a tenant was resolved)
		wantCode   string // the problem code, for failures
		wantLevel  zapcore.Level
	}{
		{name: "resolved tenant", method: http.MethodGet, target: "/api/v1/tenant", headers: []string{tenantHeader, "acme"}, wantRoute: "/api/v1/tenant", wantStatus: http.StatusOK, wantTenant: true, wantLevel: zapcore.InfoLevel},
		// The route is the pattern, not the path: paths carry IDs and would explode log cardinality.
		{name: "route pattern", method: http.MethodGet, target: "/api/v1/users/" + h.alice.ID().String(), headers: []string{tenantHeader, "acme", "Authorization", tokenFor(h.alice)}, wantRoute: "/api/v1/users/:id", wantStatus: http.StatusOK, wantTenant: true, wantLevel: zapcore.InfoLevel},
		{name: "path strategy logs the rewritten route", method: http.MethodGet, target: "/t/acme/api/v1/tenant", wantRoute: "/api/v1/tenant", wantStatus: http.StatusOK, wantTenant: true, wantLevel: zapcore.InfoLevel},
		{name: "no tenant needed", method: http.MethodGet, target: "/healthz", wantRoute: "/healthz", wantStatus: http.StatusOK, wantLevel: zapcore.InfoLevel},
		{name: "tenant failure", method: http.MethodGet, target: "/api/v1/tenant", headers: []string{tenantHeader, "nobody"}, wantRoute: "/api/v1/tenant", wantStatus: http.StatusNotFound, wantCode: "tenant.not_found", wantLevel: zapcore.InfoLevel},
		// A failure after resolution still names the tenant, so its operators can be told.
		{name: "failure after resolution", method: http.MethodGet, target: "/api/v1/me", headers: []string{tenantHeader, "acme"}, wantRoute: "/api/v1/me", wantStatus: http.StatusUnauthorized, wantCode: "auth.unauthenticated", wantTenant: true, wantLevel: zapcore.InfoLevel},
		{name: "post", method: http.MethodPost, target: "/api/v1/auth/token", headers: []string{tenantHeader, "acme"}, wantRoute: "/api/v1/auth/token", wantStatus: http.StatusUnsupportedMediaType, wantCode: "request.unsupported_media_type", wantTenant: true, wantLevel: zapcore.InfoLevel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := h.request(tt.method, tt.target, nil)
			for i := 0; i < len(tt.headers); i += 2 {
				req.Header.Add(tt.headers[i], tt.headers[i+1])
			}

			rec := h.do(req)
			require.Equal(t, tt.wantStatus, rec.Code, "body: %s", rec.Body.String())

			line := h.accessLine(rec)
			assert.Equal(t, tt.wantLevel, line.Level)
			f := line.ContextMap()
			assert.Equal(t, tt.method, f["method"])
			assert.Equal(t, tt.wantRoute, f["route"])
			assert.Equal(t, int64(tt.wantStatus), f["status"])
			assert.IsType(t, float64(0), f["latency_ms"])
			if tt.wantTenant {
				assert.Equal(t, h.acme.ID().String(), f["tenant_id"])
			} else {
				assert.NotContains(t, f, "tenant_id")
			}
			if tt.wantCode != "" {
				assert.Equal(t, tt.wantCode, f["code"])
			} else {
				assert.NotContains(t, f, "code")
			}
		})
	}
}

// An unmatched path is logged under a fixed route name: attacker-chosen paths must not become
// log keys or metric labels.
func TestAccessLogUnmatchedRoute(t *testing.T) {
	h := newHarness(t)
	rec := h.get("/wp-admin/secret-probe")
	require.Equal(t, http.StatusNotFound, rec.Code)
	route, ok := h.accessLine(rec).ContextMap()["route"].(string)
	require.True(t, ok)
	assert.NotContains(t, route, "secret-probe")
}

// Credentials must never reach the log, on success or on failure.
func TestAccessLogHasNoSecrets(t *testing.T) {
	h := newHarness(t)
	const wrongPassword = "wrong-password-987"
	forged := "tok.forged-token-value"
	requests := []*http.Request{
		h.jsonRequest("/api/v1/auth/token", `{"email":"alice@example.com","password":"`+alicePassword+`"}`),
		h.jsonRequest("/api/v1/auth/token", `{"email":"alice@example.com","password":"`+wrongPassword+`"}`),
		h.jsonRequest("/api/v1/auth/token", `{"email":"alice@example.com","password":"`+wrongPassword+`","extra":1}`),
	}
	me := h.request(http.MethodGet, "/api/v1/me", nil)
	me.Header.Set(tenantHeader, "acme")
	me.Header.Set("Authorization", tokenFor(h.alice))
	bad := h.request(http.MethodGet, "/api/v1/me", nil)
	bad.Header.Set(tenantHeader, "acme")
	bad.Header.Set("Authorization", "Bearer "+forged)
	requests = append(requests, me, bad)

	statuses := make([]int, 0, len(requests))
	for _, req := range requests {
		statuses = append(statuses, h.do(req).Code)
	}
	require.Equal(t, []int{http.StatusOK, http.StatusUnauthorized, http.StatusBadRequest, http.StatusOK, http.StatusUnauthorized}, statuses)

	entries := h.logs.All()
	require.Len(t, entries, len(requests))
	for _, e := range entries {
		text := e.Message + fmt.Sprint(e.ContextMap())
		for _, secret := range []string{alicePassword, wrongPassword, tokenFor(h.alice)[len("Bearer "):], forged, "Bearer"} {
			assert.NotContains(t, text, secret)
		}
	}
}

// jsonRequest is a POST of body to the acme tenant.
func (h *harness) jsonRequest(target, body string) *http.Request {
	req := h.request(http.MethodPost, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(tenantHeader, "acme")
	return req
}
