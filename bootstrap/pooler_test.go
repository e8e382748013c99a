package bootstrap_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// These tests run in the PgBouncer phase of make test, where serving connections go through a
// PgBouncer in transaction mode with a stock ignore_startup_parameters.
func requirePooler(t *testing.T) string {
	t.Helper()
	addr := os.Getenv(pgtest.PoolerEnv)
	if addr == "" {
		t.Skip("runs in the PgBouncer phase of make test (" + pgtest.PoolerEnv + " unset)")
	}
	return addr
}

func TestThroughPooler(t *testing.T) {
	requirePooler(t)
	for _, login := range []string{"schema owner", "dedicated serving login"} {
		t.Run(login, func(t *testing.T) {
			db := pgtest.New(t)
			var env map[string]string
			if login == "dedicated serving login" {
				env = map[string]string{"DATABASE_URL": db.ServingLoginURL(t)}
			}
			s := startServiceOn(t, db, env)
			requireNoForeignRowsUnderLoad(t, s, 2000)
		})
	}
}

// requireNoForeignRowsUnderLoad sends n concurrent requests alternating two tenants while 40 other
// client sessions use the same pooler, and requires every answer to be 200 with only its own
// tenant's data, and every other session to see its own role and no tenant setting.
func requireNoForeignRowsUnderLoad(t *testing.T, s *service, n int) {
	t.Helper()
	tenants := map[string]created{"acme": s.createTenant("acme"), "globex": s.createTenant("globex")}
	tokens := map[string]string{}
	for slug := range tenants {
		for i := range 3 {
			s.createUser(slug, fmt.Sprintf("u%d@%s.example.com", i, slug), "password for "+slug)
		}
		tokens[slug] = s.login(slug, "u0@"+slug+".example.com", "password for "+slug)
	}

	stopWatching := pgtest.WatchOtherSessions(s.env["DATABASE_URL"], "postgres", 40)

	// 64 clients at a time: four times the server's pool, so requests queue for connections
	// throughout, without measuring how the test machine copes with thousands of sockets.
	var wg sync.WaitGroup
	errs := make(chan string, n)
	slots := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			slug, other := "acme", "globex"
			if i%2 == 1 {
				slug, other = other, slug
			}
			path := []string{"/api/v1/users", "/api/v1/me", "/api/v1/tenant"}[i%3]
			r := s.do(http.MethodGet, path, "", "Authorization: Bearer "+tokens[slug], "X-Tenant-ID: "+slug)
			body := string(r.body)
			switch {
			case r.status != http.StatusOK:
				errs <- fmt.Sprintf("%s %s: status %d: %s", slug, path, r.status, body)
			case strings.Contains(body, tenants[other].ID) || strings.Contains(body, "@"+other+"."):
				errs <- fmt.Sprintf("%s %s: response carries %s data: %s", slug, path, other, body)
			case !strings.Contains(body, tenants[slug].ID):
				errs <- fmt.Sprintf("%s %s: response lacks its tenant: %s", slug, path, body)
			}
		}()
	}
	wg.Wait()
	checks, canaryProblems := stopWatching()
	close(errs)
	failures := 0
	for e := range errs {
		if failures < 10 {
			t.Error(e)
		}
		failures++
	}
	assert.Zero(t, failures, "requests that failed or crossed tenants, of %d", n)
	assert.Empty(t, canaryProblems, "what other clients of the pooler saw")
	assert.Positive(t, checks, "the other sessions ran while the server was under load")
	t.Logf("%d requests through the pooler: %d failures; 40 other sessions ran %d checks", n, failures, checks)
}

// TestDeactivationThroughPooler: with serving connections through the pooler, a deactivation
// reaches a running instance whether LISTEN is direct (DATABASE_LISTEN_URL defaults to the admin
// URL) or itself goes through the pooler, where notifications never arrive and the feed polls.
func TestDeactivationThroughPooler(t *testing.T) {
	requirePooler(t)
	for _, listen := range []string{"direct", "through the pooler"} {
		t.Run(listen, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"TENANT_CACHE_TTL": "10m"}
			s := startService(t, env)
			if listen == "through the pooler" {
				s = restartWith(t, s, map[string]string{"DATABASE_LISTEN_URL": s.env["DATABASE_URL"]})
			}
			s.createTenant("acme")
			require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: acme").status, "cached as active")
			start := time.Now()
			s.cli("", "tenant", "deactivate", "--slug", "acme")
			// The cache TTL is ten minutes: only the change feed can make this pass.
			require.Eventually(t, func() bool {
				return s.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: acme").status == http.StatusForbidden
			}, 3*time.Second, 10*time.Millisecond)
			t.Logf("LISTEN %s: deactivation refused %v after the command started", listen, time.Since(start).Round(time.Millisecond))
		})
	}
}

// restartWith starts a second instance on s's database with env on top of s's, and returns it.
func restartWith(t *testing.T, s *service, env map[string]string) *service {
	t.Helper()
	all := map[string]string{}
	for k, v := range s.env {
		all[k] = v
	}
	for k, v := range env {
		all[k] = v
	}
	other := &service{t: t, env: all, client: s.client}
	other.base = startSecondInstance(t, all)
	return other
}
