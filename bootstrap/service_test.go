package bootstrap_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/bootstrap"
)

func TestGraphIsValid(t *testing.T) {
	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{}))
	require.NoError(t, err)
	require.NoError(t, fx.ValidateApp(bootstrap.Server(cfg)))
}

func TestHealthAndProblems(t *testing.T) {
	s := startService(t, nil)

	assert.Equal(t, http.StatusOK, s.do(http.MethodGet, "/healthz", "").status)
	assert.Equal(t, http.StatusOK, s.do(http.MethodGet, "/readyz", "").status)

	r := s.do(http.MethodGet, "/nope", "")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, "route.not_found", r.problemCode(t))

	r = s.do(http.MethodDelete, "/healthz", "")
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "request.method_not_allowed", r.problemCode(t))
	assert.Contains(t, r.header.Get("Allow"), http.MethodGet)

	s.createTenant("acme")
	require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: acme").status)
	r = s.do(http.MethodPost, "/api/v1/auth/token", `{"email":`, "X-Tenant-ID: acme")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "request.invalid", r.problemCode(t))

	r = s.do(http.MethodPost, "/api/v1/auth/token", `{"email":"`+strings.Repeat("a", 2<<20)+`"}`, "X-Tenant-ID: acme")
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	assert.Equal(t, "request.too_large", r.problemCode(t))

	r = s.do(http.MethodGet, "/metrics", "")
	require.Equal(t, http.StatusOK, r.status)
	for _, series := range []string{
		`tenantcore_http_requests_total{route="/healthz",status_class="2xx"}`,
		`tenantcore_tenant_resolutions_total{outcome="resolved",strategy="header"}`,
		`tenantcore_tenant_cache_lookups_total{result="miss"}`,
		`tenantcore_db_pool_max_connections`,
		`tenantcore_trace_spans_dropped_total 0`,
	} {
		assert.Contains(t, string(r.body), series)
	}
	// Only the per-tenant top-K names tenants, with at most K+1 values (TestTenantTopNamesTheNoisyNeighbour).
	for _, line := range strings.Split(string(r.body), "\n") {
		if strings.Contains(line, "tenant_id=") && !strings.HasPrefix(line, "#") {
			assert.True(t, strings.HasPrefix(line, "tenantcore_tenant_top_"), "a metric with a tenant label: %s", line)
		}
	}

	r = s.do(http.MethodGet, "/healthz", "", "X-Request-ID: trace-42")
	assert.Equal(t, "trace-42", r.header.Get("X-Request-ID"))
	r = s.do(http.MethodGet, "/healthz", "", "X-Request-ID: not sane!")
	assert.NotEqual(t, "not sane!", r.header.Get("X-Request-ID"))
	assert.NotEmpty(t, r.header.Get("X-Request-ID"))
}

func TestTenantResolution(t *testing.T) {
	s := startService(t, nil)
	acme := s.createTenant("acme")
	globex := s.createTenant("globex")
	s.createTenant("dormant")
	s.cli("", "tenant", "deactivate", "--slug", "dormant")

	ok := []struct {
		name    string
		path    string
		headers []string
	}{
		{"header slug", "/api/v1/tenant", []string{"X-Tenant-ID: acme"}},
		{"header upper case", "/api/v1/tenant", []string{"X-Tenant-ID: ACME"}},
		{"header uuid", "/api/v1/tenant", []string{"X-Tenant-ID: " + acme.ID}},
		{"subdomain", "/api/v1/tenant", []string{"Host: acme.example.com"}},
		{"subdomain with port and trailing dot", "/api/v1/tenant", []string{"Host: ACME.example.com.:8080"}},
		{"path", "/t/acme/api/v1/tenant", nil},
		{"header and path agree", "/t/acme/api/v1/tenant", []string{"X-Tenant-ID: " + acme.ID}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(http.MethodGet, tt.path, "", tt.headers...)
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			var body struct{ ID, Slug, Name string }
			r.decode(t, &body)
			assert.Equal(t, acme.ID, body.ID)
			assert.Equal(t, "acme", body.Slug)
			assert.Equal(t, "ACME", body.Name)
		})
	}

	failures := []struct {
		name    string
		path    string
		headers []string
		status  int
		code    string
	}{
		{"no identifier", "/api/v1/tenant", nil, 400, "tenant.required"},
		{"bare base domain", "/api/v1/tenant", []string{"Host: example.com"}, 400, "tenant.required"},
		{"ip literal host", "/api/v1/tenant", []string{"Host: 127.0.0.1"}, 400, "tenant.required"},
		{"malformed slug", "/api/v1/tenant", []string{"X-Tenant-ID: a"}, 400, "tenant.invalid"},
		{"sql in header", "/api/v1/tenant", []string{"X-Tenant-ID: acme' OR '1'='1"}, 400, "tenant.invalid"},
		{"two header values", "/api/v1/tenant", []string{"X-Tenant-ID: acme", "X-Tenant-ID: acme"}, 400, "tenant.invalid"},
		{"nested subdomain", "/api/v1/tenant", []string{"Host: a.acme.example.com"}, 400, "tenant.invalid"},
		{"path traversal", "/t/../api/v1/tenant", nil, 400, "tenant.invalid"},
		{"huge value", "/api/v1/tenant", []string{"X-Tenant-ID: " + strings.Repeat("a", 5000)}, 400, "tenant.invalid"},
		{"unknown", "/api/v1/tenant", []string{"X-Tenant-ID: nobody"}, 404, "tenant.not_found"},
		{"unknown uuid", "/api/v1/tenant", []string{"X-Tenant-ID: 01900000-0000-7000-8000-000000000000"}, 404, "tenant.not_found"},
		{"inactive", "/api/v1/tenant", []string{"X-Tenant-ID: dormant"}, 403, "tenant.inactive"},
		{"header and subdomain disagree", "/api/v1/tenant", []string{"X-Tenant-ID: acme", "Host: globex.example.com"}, 400, "tenant.ambiguous"},
		{"path and header disagree", "/t/globex/api/v1/tenant", []string{"X-Tenant-ID: " + acme.ID}, 400, "tenant.ambiguous"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(http.MethodGet, tt.path, "", tt.headers...)
			assert.Equal(t, tt.status, r.status, "body: %s", r.body)
			assert.Equal(t, tt.code, r.problemCode(t))
			assert.NotContains(t, string(r.body), globex.ID)
		})
	}
}

func TestDeactivationReachesRunningInstances(t *testing.T) {
	s := startService(t, map[string]string{"TENANT_CACHE_TTL": "10m"})
	s.createTenant("acme")
	// A second instance on the same database, with its own cache.
	other := &service{t: t, env: s.env, client: s.client}
	other.base = startSecondInstance(t, s.env)

	for _, inst := range []*service{s, other} {
		require.Equal(t, http.StatusOK, inst.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: acme").status, "cached as active")
	}
	s.cli("", "tenant", "deactivate", "--slug", "acme")
	for _, inst := range []*service{s, other} {
		// The cache TTL is ten minutes: only the change feed can make this pass.
		require.Eventually(t, func() bool {
			return inst.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: acme").status == http.StatusForbidden
		}, 3*time.Second, 20*time.Millisecond)
	}
	s.cli("", "tenant", "activate", "--slug", "acme")
	require.Eventually(t, func() bool {
		return other.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: acme").status == http.StatusOK
	}, 3*time.Second, 20*time.Millisecond)
}

func TestAuthenticationIsTenantBound(t *testing.T) {
	s := startService(t, nil)
	acme := s.createTenant("acme")
	globex := s.createTenant("globex")
	adaA := s.createUser("acme", "ada@example.com", "acme password 123")
	adaB := s.createUser("globex", "ada@example.com", "globex password 456")
	bobB := s.createUser("globex", "bob@example.com", "globex password 789")

	t.Run("the same email logs in only to its own tenant", func(t *testing.T) {
		tokA := s.login("acme", "ada@example.com", "acme password 123")
		require.NotEmpty(t, tokA)
		r := s.do(http.MethodPost, "/api/v1/auth/token", `{"email":"ada@example.com","password":"acme password 123"}`, "X-Tenant-ID: globex")
		assert.Equal(t, http.StatusUnauthorized, r.status)
		assert.Equal(t, "auth.invalid_credentials", r.problemCode(t))
		unknown := s.do(http.MethodPost, "/api/v1/auth/token", `{"email":"nobody@example.com","password":"acme password 123"}`, "X-Tenant-ID: acme")
		assert.Equal(t, http.StatusUnauthorized, unknown.status)
		assert.Equal(t, "auth.invalid_credentials", unknown.problemCode(t))
	})

	tokA := s.login("acme", "ada@example.com", "acme password 123")
	auth := "Authorization: Bearer " + tokA

	t.Run("me", func(t *testing.T) {
		r := s.do(http.MethodGet, "/api/v1/me", "", auth, "X-Tenant-ID: acme")
		require.Equal(t, http.StatusOK, r.status)
		var me struct{ ID, TenantID, Email string }
		r.decode(t, &me)
		assert.Equal(t, adaA.ID, me.ID)
	})

	t.Run("the token names the tenant when the request does not", func(t *testing.T) {
		r := s.do(http.MethodGet, "/api/v1/me", "", auth)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Contains(t, string(r.body), acme.ID)
	})

	t.Run("a token of tenant A with tenant B named is refused", func(t *testing.T) {
		for _, h := range []string{"X-Tenant-ID: globex", "X-Tenant-ID: " + globex.ID, "Host: globex.example.com"} {
			r := s.do(http.MethodGet, "/api/v1/users", "", auth, h)
			assert.Equal(t, http.StatusForbidden, r.status, h)
			assert.Equal(t, "tenant.mismatch", r.problemCode(t))
		}
		r := s.do(http.MethodGet, "/t/globex/api/v1/me", "", auth)
		assert.Equal(t, "tenant.mismatch", r.problemCode(t))
	})

	t.Run("another tenant's user is not found", func(t *testing.T) {
		for _, id := range []string{adaB.ID, bobB.ID} {
			r := s.do(http.MethodGet, "/api/v1/users/"+id, "", auth)
			assert.Equal(t, http.StatusNotFound, r.status)
			assert.Equal(t, "resource.not_found", r.problemCode(t))
			assert.NotContains(t, string(r.body), id)
		}
		r := s.do(http.MethodGet, "/api/v1/users/"+adaA.ID, "", auth)
		assert.Equal(t, http.StatusOK, r.status)
	})

	t.Run("lists hold only the caller's tenant", func(t *testing.T) {
		r := s.do(http.MethodGet, "/api/v1/users?limit=100", "", auth)
		require.Equal(t, http.StatusOK, r.status)
		var page struct {
			Items []struct {
				ID       string `json:"id"`
				TenantID string `json:"tenant_id"`
			} `json:"items"`
		}
		r.decode(t, &page)
		require.Len(t, page.Items, 1)
		assert.Equal(t, adaA.ID, page.Items[0].ID)
		assert.NotContains(t, string(r.body), globex.ID)
	})

	t.Run("bad tokens", func(t *testing.T) {
		for name, h := range map[string]string{
			"none":        "",
			"garbage":     "Authorization: Bearer garbage",
			"wrong kind":  "Authorization: Basic YWRhOnB3",
			"tampered":    "Authorization: Bearer " + tokA[:len(tokA)-4] + "AAAA",
			"empty token": "Authorization: Bearer ",
		} {
			headers := []string{"X-Tenant-ID: acme"}
			if h != "" {
				headers = append(headers, h)
			}
			r := s.do(http.MethodGet, "/api/v1/me", "", headers...)
			assert.Equal(t, http.StatusUnauthorized, r.status, name)
			assert.Equal(t, "auth.unauthenticated", r.problemCode(t), name)
			assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer", name)
		}
	})

	t.Run("a token of a deactivated tenant is refused", func(t *testing.T) {
		s.cli("", "tenant", "deactivate", "--slug", "acme")
		require.Eventually(t, func() bool {
			r := s.do(http.MethodGet, "/api/v1/me", "", auth)
			return r.status == http.StatusForbidden && r.problemCode(t) == "tenant.inactive"
		}, 3*time.Second, 20*time.Millisecond)
		s.cli("", "tenant", "activate", "--slug", "acme")
	})
}

func TestPaginationStaysInTenant(t *testing.T) {
	s := startService(t, nil)
	s.createTenant("acme")
	s.createTenant("globex")
	for i := range 5 {
		s.createUser("acme", fmt.Sprintf("a%d@example.com", i), "acme password 123")
		s.createUser("globex", fmt.Sprintf("g%d@example.com", i), "globex password 123")
	}
	tokA := "Authorization: Bearer " + s.login("acme", "a0@example.com", "acme password 123")
	tokG := "Authorization: Bearer " + s.login("globex", "g0@example.com", "globex password 123")

	var seen []string
	cursor := ""
	for {
		r := s.do(http.MethodGet, "/api/v1/users?limit=2&cursor="+cursor, "", tokA)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var page struct {
			Items []struct {
				Email string `json:"email"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		r.decode(t, &page)
		for _, it := range page.Items {
			seen = append(seen, it.Email)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
		// A cursor handed to tenant A means nothing to tenant G.
		rg := s.do(http.MethodGet, "/api/v1/users?limit=2&cursor="+cursor, "", tokG)
		assert.Equal(t, http.StatusBadRequest, rg.status)
		assert.Equal(t, "request.invalid_cursor", rg.problemCode(t))
	}
	assert.Len(t, seen, 5)
	for _, e := range seen {
		assert.True(t, strings.HasPrefix(e, "a"), e)
	}

	for _, q := range []string{"limit=0", "limit=101", "limit=-1", "limit=abc", "cursor=%00"} {
		r := s.do(http.MethodGet, "/api/v1/users?"+q, "", tokA)
		assert.Equal(t, http.StatusBadRequest, r.status, q)
	}
}

func TestConcurrentRequestsNeverCrossTenants(t *testing.T) {
	requireNoForeignRowsUnderLoad(t, startService(t, nil), 200)
}
