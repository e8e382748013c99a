package bootstrap_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

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
	assert.Empty(t, canaryProblems, "what other sessions of the same server (or pooler) saw")
	assert.Positive(t, checks, "the other sessions ran while the server was under load")
	t.Logf("%d requests: %d failures; 40 other sessions ran %d checks", n, failures, checks)
}
