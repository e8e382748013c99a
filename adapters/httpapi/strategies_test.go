package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
)

type tenantBody struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// TestTenantStrategies drives every strategy through the real router: the tenant a request names
// is the one GET /api/v1/tenant answers with.
func TestTenantStrategies(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name       string
		target     string
		host       string   // empty keeps the harness's tenant-less host
		remoteAddr string   // empty keeps httptest's (untrusted) peer
		headers    []string // name, value pairs; a name may repeat
		wantSlug   string   // the resolved tenant when the request succeeds
		status     int
		code       string
	}{
		{name: "header slug", target: "/api/v1/tenant", headers: []string{tenantHeader, "acme"}, wantSlug: "acme"},
		{name: "header upper-case slug", target: "/api/v1/tenant", headers: []string{tenantHeader, "ACME"}, wantSlug: "acme"},
		{name: "header uuid", target: "/api/v1/tenant", headers: []string{tenantHeader, h.beta.ID().String()}, wantSlug: "beta"},
		{name: "subdomain", target: "/api/v1/tenant", host: "acme.example.com", wantSlug: "acme"},
		{name: "subdomain with port", target: "/api/v1/tenant", host: "beta.example.com:8443", wantSlug: "beta"},
		{name: "path", target: "/t/acme/api/v1/tenant", wantSlug: "acme"},
		{name: "path with uuid", target: "/t/" + h.beta.ID().String() + "/api/v1/tenant", wantSlug: "beta"},
		{name: "header and subdomain agree", target: "/api/v1/tenant", host: "acme.example.com", headers: []string{tenantHeader, h.acme.ID().String()}, wantSlug: "acme"},
		{name: "all three agree", target: "/t/acme/api/v1/tenant", host: "acme.example.com", headers: []string{tenantHeader, "acme"}, wantSlug: "acme"},
		{name: "bare base domain names no tenant", target: "/api/v1/tenant", host: "example.com", headers: []string{tenantHeader, "beta"}, wantSlug: "beta"},
		{name: "ip host names no tenant", target: "/api/v1/tenant", host: "127.0.0.1:8080", headers: []string{tenantHeader, "beta"}, wantSlug: "beta"},

		{name: "no identifier", target: "/api/v1/tenant", status: http.StatusBadRequest, code: "tenant.required"},
		{name: "header twice", target: "/api/v1/tenant", headers: []string{tenantHeader, "acme", tenantHeader, "acme"}, status: http.StatusBadRequest, code: "tenant.invalid"},
		{name: "empty header", target: "/api/v1/tenant", headers: []string{tenantHeader, ""}, status: http.StatusBadRequest, code: "tenant.invalid"},
		{name: "header list in one value", target: "/api/v1/tenant", headers: []string{tenantHeader, "acme, beta"}, status: http.StatusBadRequest, code: "tenant.invalid"},
		{name: "malformed header", target: "/api/v1/tenant", headers: []string{tenantHeader, "../acme"}, status: http.StatusBadRequest, code: "tenant.invalid"},
		{name: "oversized header", target: "/api/v1/tenant", headers: []string{tenantHeader, strings.Repeat("a", 300)}, status: http.StatusBadRequest, code: "tenant.invalid"},
		{name: "nested subdomain", target: "/api/v1/tenant", host: "a.b.example.com", status: http.StatusBadRequest, code: "tenant.invalid"},
		{name: "look-alike subdomain", target: "/api/v1/tenant", host: "\u0430cme.example.com", status: http.StatusBadRequest, code: "tenant.invalid"},
		{name: "malformed path slug", target: "/t/a/api/v1/tenant", status: http.StatusBadRequest, code: "tenant.invalid"},
		// A valid identifier does not excuse a malformed one.
		{name: "malformed header with valid subdomain", target: "/api/v1/tenant", host: "acme.example.com", headers: []string{tenantHeader, "../acme"}, status: http.StatusBadRequest, code: "tenant.invalid"},
		{name: "header and subdomain disagree", target: "/api/v1/tenant", host: "beta.example.com", headers: []string{tenantHeader, "acme"}, status: http.StatusBadRequest, code: "tenant.ambiguous"},
		{name: "path and header disagree", target: "/t/beta/api/v1/tenant", headers: []string{tenantHeader, "acme"}, status: http.StatusBadRequest, code: "tenant.ambiguous"},
		{name: "unknown slug", target: "/api/v1/tenant", headers: []string{tenantHeader, "nobody"}, status: http.StatusNotFound, code: "tenant.not_found"},
		{name: "unknown subdomain", target: "/api/v1/tenant", host: "nobody.example.com", status: http.StatusNotFound, code: "tenant.not_found"},
		{name: "inactive tenant", target: "/api/v1/tenant", headers: []string{tenantHeader, "gone"}, status: http.StatusForbidden, code: "tenant.inactive"},
		{name: "inactive tenant by path", target: "/t/gone/api/v1/tenant", status: http.StatusForbidden, code: "tenant.inactive"},
		// Only /t/{slug}/api/... is the path strategy; other /t/ paths are ordinary (unknown) routes.
		{name: "path outside the api", target: "/t/acme/healthz", status: http.StatusNotFound, code: "route.not_found"},

		// X-Forwarded-Host is believed only from a trusted proxy; anyone else could claim any tenant.
		{name: "forwarded host from trusted proxy", target: "/api/v1/tenant", remoteAddr: "10.1.2.3:5555", headers: []string{"X-Forwarded-Host", "acme.example.com"}, wantSlug: "acme"},
		// The last value is the one the nearest (trusted) proxy added; earlier ones may be the client's.
		{name: "last forwarded host counts", target: "/api/v1/tenant", remoteAddr: "10.1.2.3:5555", headers: []string{"X-Forwarded-Host", "beta.example.com, acme.example.com"}, wantSlug: "acme"},
		{name: "last forwarded host line counts", target: "/api/v1/tenant", remoteAddr: "10.1.2.3:5555", headers: []string{"X-Forwarded-Host", "beta.example.com", "X-Forwarded-Host", "acme.example.com"}, wantSlug: "acme"},
		{name: "reserved infrastructure host names no tenant", target: "/api/v1/tenant", host: "api.example.com", headers: []string{"X-Tenant-ID", "acme"}, wantSlug: "acme"},
		{name: "forwarded host from untrusted peer", target: "/api/v1/tenant", remoteAddr: "203.0.113.9:5555", headers: []string{"X-Forwarded-Host", "acme.example.com"}, status: http.StatusBadRequest, code: "tenant.required"},
		{name: "untrusted forwarded host does not override host", target: "/api/v1/tenant", host: "beta.example.com", remoteAddr: "203.0.113.9:5555", headers: []string{"X-Forwarded-Host", "acme.example.com"}, wantSlug: "beta"},
		{name: "trusted forwarded host overrides host", target: "/api/v1/tenant", host: "beta.example.com", remoteAddr: "10.1.2.3:5555", headers: []string{"X-Forwarded-Host", "acme.example.com"}, wantSlug: "acme"},
		{name: "ipv4-mapped trusted proxy", target: "/api/v1/tenant", remoteAddr: "[::ffff:10.1.2.3]:5555", headers: []string{"X-Forwarded-Host", "acme.example.com"}, wantSlug: "acme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := h.request(http.MethodGet, tt.target, nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.remoteAddr != "" {
				req.RemoteAddr = tt.remoteAddr
			}
			for i := 0; i < len(tt.headers); i += 2 {
				req.Header.Add(tt.headers[i], tt.headers[i+1])
			}

			rec := h.do(req)

			if tt.code != "" {
				requireProblem(t, rec, tt.status, tt.code)
				return
			}
			require.Equal(t, http.StatusOK, rec.Code, "body: %s", rec.Body.String())
			assert.Equal(t, tt.wantSlug, decodeBody[tenantBody](t, rec).Slug)
		})
	}
}

// Problem details tell the client which strategy to fix without reflecting its input, which could
// otherwise be used for injection into pages or logs that show problems.
func TestTenantProblemsDoNotEchoInput(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name     string
		host     string
		header   string
		strategy string
		code     string
	}{
		{"malformed header", "", "<img src=x onerror=alert(1)>", "header", "tenant.invalid"},
		{"unknown header", "", "unknown-tenant-xyz", "header", "tenant.not_found"},
		{"malformed subdomain", "evil<x>.example.com", "", "subdomain", "tenant.invalid"},
		{"unknown subdomain", "unknown-tenant-xyz.example.com", "", "subdomain", "tenant.not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := h.request(http.MethodGet, "/api/v1/tenant", nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.header != "" {
				req.Header.Set(tenantHeader, tt.header)
			}
			rec := h.do(req)
			require.NotEqual(t, http.StatusOK, rec.Code)
			p := decodeBody[httpapi.Problem](t, rec)
			assert.Equal(t, tt.code, p.Code)
			assert.True(t, strings.HasPrefix(p.Detail, tt.strategy+": "), "detail %q names the strategy", p.Detail)
			for _, raw := range []string{"<", "unknown-tenant-xyz", "onerror", "evil"} {
				assert.NotContains(t, rec.Body.String(), raw)
			}
		})
	}
}

// With the path strategy disabled, /t/{slug}/... is not rewritten: the slug cannot sneak in.
func TestDisabledStrategiesAreIgnored(t *testing.T) {
	h := newHarness(t, withStrategies(httpapi.StrategyHeader))
	tests := []struct {
		name   string
		target string
		host   string
		status int
		code   string
	}{
		{"path", "/t/acme/api/v1/tenant", "", http.StatusNotFound, "route.not_found"},
		{"subdomain", "/api/v1/tenant", "acme.example.com", http.StatusBadRequest, "tenant.required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := h.request(http.MethodGet, tt.target, nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			requireProblem(t, h.do(req), tt.status, tt.code)
		})
	}
}

// Metric labels stay bounded: strategy names and problem codes, never what the client sent.
func TestResolutionMetricsAreBounded(t *testing.T) {
	h := newHarness(t)
	h.get("/api/v1/tenant", tenantHeader, "acme")
	h.get("/api/v1/tenant", tenantHeader, "unknown-tenant-xyz")
	h.get("/api/v1/tenant", tenantHeader, "../evil")
	h.get("/api/v1/tenant")
	h.get("/nope-1234")

	requests, resolutions := h.observed.snapshot()
	assert.Equal(t, []string{"header resolved", "header tenant.not_found", "header tenant.invalid", "none tenant.required"}, resolutions)
	require.Len(t, requests, 5)
	for _, r := range requests {
		assert.NotContains(t, r, "nope-1234", "unmatched paths must not become route labels")
	}
}
