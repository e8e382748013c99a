package bootstrap_test

import (
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

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
				// The workers, through the same pooler, as a login of the queue role.
				env = map[string]string{"DATABASE_URL": db.ServingLoginURL(t), "JOB_DATABASE_URL": db.QueueLoginURL(t)}
			}
			s := startServiceOn(t, db, env)
			requireNoForeignRowsUnderLoad(t, s, 2000)
		})
	}
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
			requireDeactivationReaches(t, s, "LISTEN "+listen)
		})
	}
}

// requireDeactivationReaches deactivates a tenant with the CLI while s has it cached as active for
// the ten minutes of TENANT_CACHE_TTL (which s must have been started with), and waits for s to
// refuse it: only the change feed can make that happen in time.
func requireDeactivationReaches(t *testing.T, s *service, setup string) {
	t.Helper()
	require.Equal(t, "10m", s.env["TENANT_CACHE_TTL"], "the cache must outlive the test")
	s.createTenant("acme")
	require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: acme").status, "cached as active")
	start := time.Now()
	s.cli("", "tenant", "deactivate", "--slug", "acme")
	require.Eventually(t, func() bool {
		return s.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: acme").status == http.StatusForbidden
	}, 3*time.Second, 10*time.Millisecond)
	t.Logf("%s: deactivation refused %v after the command started", setup, time.Since(start).Round(time.Millisecond))
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

// TestStatementModeThroughPooler: with DB_STATEMENT_MODE unset the instance finds the pooler and
// serves in the pooler-safe mode without one failed request; forced to prepared, every request
// is answered 200 or 503 (a lost prepared statement is "unavailable"), never 500.
func TestStatementModeThroughPooler(t *testing.T) {
	requirePooler(t)
	for _, mode := range []string{"", "prepared"} {
		t.Run("DB_STATEMENT_MODE="+mode, func(t *testing.T) {
			env := map[string]string{}
			if mode != "" {
				env["DB_STATEMENT_MODE"] = mode
			}
			s := startService(t, env)
			s.createTenant("acme")
			s.createUser("acme", "ada@example.com", "acme password 123")
			token := s.login("acme", "ada@example.com", "acme password 123")
			statuses := map[int]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 25 {
						r := s.do(http.MethodGet, "/api/v1/users?limit=20", "", "Authorization: Bearer "+token)
						mu.Lock()
						statuses[r.status]++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			t.Logf("statuses: %v", statuses)
			ready := s.do(http.MethodGet, "/readyz", "")
			if mode == "" {
				require.Equal(t, map[int]int{http.StatusOK: 400}, statuses, "no request fails while the mode is found")
				var body struct {
					StatementMode string `json:"statement_mode"`
				}
				ready.decode(t, &body)
				require.Equal(t, "unnamed", body.StatementMode)
				return
			}
			for status := range statuses {
				require.Contains(t, []int{http.StatusOK, http.StatusServiceUnavailable}, status)
			}
		})
	}
}
