package httpapi_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEveryAnswerIsNoStoreButTheKeySet: tenant-scoped answers vary by X-Tenant-ID, Host, path
// and Authorization; none may be kept by a shared cache, problems included. The public key set
// is the one answer meant to be cached.
func TestEveryAnswerIsNoStoreButTheKeySet(t *testing.T) {
	h := newHarness(t)
	tokA := tokenFor(h.alice)
	for name, rec := range map[string]*httptest.ResponseRecorder{
		"tenant by header":          h.get("/api/v1/tenant", tenantHeader, "acme"),
		"tenant by subdomain":       h.get("/api/v1/tenant", "Host", "acme.example.com"),
		"tenant by path":            h.get("/t/acme/api/v1/tenant"),
		"me":                        h.get("/api/v1/me", "Authorization", "Bearer "+tokA),
		"users":                     h.get("/api/v1/users", "Authorization", "Bearer "+tokA),
		"problem: unknown tenant":   h.get("/api/v1/tenant", tenantHeader, "nobody"),
		"problem: no token":         h.get("/api/v1/me", tenantHeader, "acme"),
		"problem: token of another": h.get("/api/v1/users", tenantHeader, "beta", "Authorization", "Bearer "+tokA),
		"problem: no tenant":        h.get("/api/v1/tenant"),
		"problem: unknown route":    h.get("/api/v1/nothing"),
		"health":                    h.get("/healthz"),
	} {
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "%s (%d)", name, rec.Code)
	}
	assert.Equal(t, "public, max-age=300", h.get("/.well-known/jwks.json").Header().Get("Cache-Control"))
}
