package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/domain/auth"
)

type meBody struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Email    string `json:"email"`
}

func TestBearerAuthentication(t *testing.T) {
	h := newHarness(t)
	// A well-formed token for a user that does not exist (e.g. deleted since it was issued).
	ghost := "Bearer " + fakeTokens{}.value(auth.Principal{UserID: uuid.New(), TenantID: h.acme.ID()})

	tests := []struct {
		name      string
		target    string
		headers   []string
		wantEmail string // /me's answer on success
		status    int
		code      string
	}{
		{name: "own tenant", target: "/api/v1/me", headers: []string{tenantHeader, "acme", "Authorization", tokenFor(h.alice)}, wantEmail: "alice@example.com"},
		{name: "scheme is case-insensitive", target: "/api/v1/me", headers: []string{tenantHeader, "acme", "Authorization", "bearer " + tokenFor(h.alice)[len("Bearer "):]}, wantEmail: "alice@example.com"},
		// The token's tenant fills in when the request names none.
		{name: "token strategy", target: "/api/v1/me", headers: []string{"Authorization", tokenFor(h.bob)}, wantEmail: "bob@example.com"},

		{name: "no token", target: "/api/v1/me", headers: []string{tenantHeader, "acme"}, status: http.StatusUnauthorized, code: "auth.unauthenticated"},
		{name: "no token and no tenant", target: "/api/v1/me", status: http.StatusBadRequest, code: "tenant.required"},
		{name: "invalid token", target: "/api/v1/me", headers: []string{tenantHeader, "acme", "Authorization", "Bearer forged"}, status: http.StatusUnauthorized, code: "auth.unauthenticated"},
		{name: "empty bearer", target: "/api/v1/me", headers: []string{tenantHeader, "acme", "Authorization", "Bearer "}, status: http.StatusUnauthorized, code: "auth.unauthenticated"},
		{name: "basic scheme", target: "/api/v1/me", headers: []string{tenantHeader, "acme", "Authorization", "Basic YWxpY2U6cGFzcw=="}, status: http.StatusUnauthorized, code: "auth.unauthenticated"},
		{name: "two authorization headers", target: "/api/v1/me", headers: []string{tenantHeader, "acme", "Authorization", tokenFor(h.alice), "Authorization", tokenFor(h.alice)}, status: http.StatusUnauthorized, code: "auth.unauthenticated"},
		// A token is checked on every scoped route, even one that does not require it.
		{name: "invalid token on an open scoped route", target: "/api/v1/tenant", headers: []string{tenantHeader, "acme", "Authorization", "Bearer forged"}, status: http.StatusUnauthorized, code: "auth.unauthenticated"},
		{name: "token of a deleted user", target: "/api/v1/me", headers: []string{tenantHeader, "acme", "Authorization", ghost}, status: http.StatusUnauthorized, code: "auth.unauthenticated"},

		// A valid token of tenant B is worthless on tenant A, whichever way A is named.
		{name: "other tenant by header", target: "/api/v1/me", headers: []string{tenantHeader, "acme", "Authorization", tokenFor(h.bob)}, status: http.StatusForbidden, code: "tenant.mismatch"},
		{name: "other tenant by header uuid", target: "/api/v1/users", headers: []string{tenantHeader, h.acme.ID().String(), "Authorization", tokenFor(h.bob)}, status: http.StatusForbidden, code: "tenant.mismatch"},
		{name: "other tenant on an open scoped route", target: "/api/v1/tenant", headers: []string{tenantHeader, "acme", "Authorization", tokenFor(h.bob)}, status: http.StatusForbidden, code: "tenant.mismatch"},
		{name: "other tenant by path", target: "/t/acme/api/v1/me", headers: []string{"Authorization", tokenFor(h.bob)}, status: http.StatusForbidden, code: "tenant.mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := h.get(tt.target, tt.headers...)

			if tt.code != "" {
				requireProblem(t, rec, tt.status, tt.code)
				if tt.status == http.StatusUnauthorized {
					assert.Equal(t, `Bearer realm="tenantcore"`, rec.Header().Get("WWW-Authenticate"))
				}
				return
			}
			require.Equal(t, http.StatusOK, rec.Code, "body: %s", rec.Body.String())
			assert.Equal(t, tt.wantEmail, decodeBody[meBody](t, rec).Email)
		})
	}
}

// The token strategy is a fallback the operator must enable: without it, a token alone does not
// say which tenant a request is for.
func TestTokenStrategyDisabled(t *testing.T) {
	h := newHarness(t, withStrategies(httpapi.StrategyHeader))
	requireProblem(t, h.get("/api/v1/me", "Authorization", tokenFor(h.alice)), http.StatusBadRequest, "tenant.required")

	rec := h.get("/api/v1/me", "Authorization", tokenFor(h.alice), tenantHeader, "acme")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, h.alice.ID().String(), decodeBody[meBody](t, rec).ID)
}

// The token strategy applies only when nothing else names a tenant; it never outvotes the request.
func TestTokenStrategyIsOnlyAFallback(t *testing.T) {
	h := newHarness(t)
	req := h.request(http.MethodGet, "/api/v1/me", nil)
	req.Host = "acme.example.com"
	req.Header.Set("Authorization", tokenFor(h.bob))
	requireProblem(t, h.do(req), http.StatusForbidden, "tenant.mismatch")
}

// A login round trip: the token the API issues is accepted by the API, for its tenant only.
func TestIssuedTokenWorks(t *testing.T) {
	h := newHarness(t)
	rec := h.do(h.jsonRequest("/api/v1/auth/token", `{"email":"alice@example.com","password":"`+alicePassword+`"}`))
	require.Equal(t, http.StatusOK, rec.Code, "body: %s", rec.Body.String())
	tok := decodeBody[struct {
		AccessToken string `json:"access_token"`
	}](t, rec).AccessToken

	me := h.get("/api/v1/me", "Authorization", "Bearer "+tok)
	require.Equal(t, http.StatusOK, me.Code)
	body := decodeBody[meBody](t, me)
	assert.Equal(t, h.alice.ID().String(), body.ID)
	assert.Equal(t, h.acme.ID().String(), body.TenantID)

	requireProblem(t, h.get("/api/v1/me", "Authorization", "Bearer "+tok, tenantHeader, "beta"), http.StatusForbidden, "tenant.mismatch")
}
