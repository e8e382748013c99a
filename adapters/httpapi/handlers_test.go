package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type userPage struct {
	Items []struct {
		ID       string `json:"id"`
		TenantID string `json:"tenant_id"`
		Email    string `json:"email"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func TestUserRoutes(t *testing.T) {
	h := newHarness(t)
	auth := []string{tenantHeader, "acme", "Authorization", tokenFor(h.alice)}
	tests := []struct {
		name      string
		target    string
		list      bool   // whether the answer is a page rather than one user
		wantEmail string // the one user listed or fetched on success
		status    int
		code      string
	}{
		{name: "list", target: "/api/v1/users", list: true, wantEmail: "alice@example.com"},
		{name: "list with limit", target: "/api/v1/users?limit=1", list: true, wantEmail: "alice@example.com"},
		{name: "limit zero", target: "/api/v1/users?limit=0", status: http.StatusBadRequest, code: "request.invalid"},
		{name: "negative limit", target: "/api/v1/users?limit=-1", status: http.StatusBadRequest, code: "request.invalid"},
		{name: "limit above maximum", target: "/api/v1/users?limit=101", status: http.StatusBadRequest, code: "request.invalid"},
		{name: "limit not a number", target: "/api/v1/users?limit=ten", status: http.StatusBadRequest, code: "request.invalid"},
		{name: "get own user", target: "/api/v1/users/" + h.alice.ID().String(), wantEmail: "alice@example.com"},
		// Another tenant's user gets the same answer as a missing one: no cross-tenant oracle.
		{name: "get another tenant's user", target: "/api/v1/users/" + h.bob.ID().String(), status: http.StatusNotFound, code: "resource.not_found"},
		{name: "get unknown user", target: "/api/v1/users/" + uuid.NewString(), status: http.StatusNotFound, code: "resource.not_found"},
		{name: "get malformed id", target: "/api/v1/users/not-a-uuid", status: http.StatusNotFound, code: "resource.not_found"},
		{name: "get braced id", target: "/api/v1/users/%7B" + h.alice.ID().String() + "%7D", status: http.StatusNotFound, code: "resource.not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := h.get(tt.target, auth...)

			if tt.code != "" {
				requireProblem(t, rec, tt.status, tt.code)
				return
			}
			require.Equal(t, http.StatusOK, rec.Code, "body: %s", rec.Body.String())
			if tt.list {
				page := decodeBody[userPage](t, rec)
				require.Len(t, page.Items, 1)
				assert.Equal(t, tt.wantEmail, page.Items[0].Email)
				assert.Equal(t, h.acme.ID().String(), page.Items[0].TenantID)
				assert.Nil(t, page.NextCursor, "the last page has a null cursor")
				return
			}
			assert.Equal(t, tt.wantEmail, decodeBody[meBody](t, rec).Email)
		})
	}
}

func TestJWKS(t *testing.T) {
	h := newHarness(t)
	rec := h.get("/.well-known/jwks.json")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/jwk-set+json", rec.Header().Get("Content-Type"))
	assert.Contains(t, rec.Header().Get("Cache-Control"), "max-age=")
	assert.JSONEq(t, `{"keys":[]}`, rec.Body.String())
}
