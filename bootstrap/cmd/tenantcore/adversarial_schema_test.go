package main

// Schema faults under a running binary: an operator renames a table, revokes a grant or rolls a
// migration back while the server serves. Every route that needs the broken part answers 503
// server.unavailable with Retry-After (never 500), /readyz turns 503 with the reason in the log,
// and both recover once the schema is repaired, without a restart.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

func TestAdversarialSchemaFaults(t *testing.T) {
	db := pgtest.New(t)
	var acme tenantFixture
	require.NoError(t, json.Unmarshal(cli(t, db, "", "tenant", "create", "--slug", "acme", "--name", "Acme Corp"), &acme))
	// Created but never requested before the tenants table is renamed: its lookup is a cold one.
	cli(t, db, "", "tenant", "create", "--slug", "globex", "--name", "Globex")
	cli(t, db, "", "tenant", "create", "--slug", "initech", "--name", "Initech")
	var ada userFixture
	require.NoError(t, json.Unmarshal(cli(t, db, acmePassword+"\n", "user", "create", "--tenant", "acme",
		"--email", sharedEmail, "--password-stdin"), &ada))
	srv := serve(t, db, nil)

	loginBody := `{"email":"` + sharedEmail + `","password":"` + acmePassword + `"}`
	r := srv.do(t, request{method: http.MethodPost, target: "/api/v1/auth/token", body: loginBody,
		headers: []string{xtid("acme"), "Content-Type: application/json"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal(r.body, &tok))
	auth := bearer(tok.AccessToken)

	userRoutes := []request{
		get("/api/v1/users", auth),
		get("/api/v1/me", auth),
		get("/api/v1/users/"+ada.ID, auth),
		{method: http.MethodPost, target: "/api/v1/auth/token", body: loginBody, headers: []string{xtid("acme"), "Content-Type: application/json"}},
	}
	owner := db.OwnerPool(t)
	exec := func(sql string) func(t *testing.T) {
		return func(t *testing.T) {
			_, err := owner.Exec(context.Background(), sql)
			require.NoError(t, err)
		}
	}

	for _, f := range []struct {
		name       string
		breakIt    func(t *testing.T)
		fix        func(t *testing.T)
		routes     []request
		logsReason string
		// afterFix are the routes that must answer 200 once fixed; routes when nil.
		afterFix []request
	}{
		{"users renamed", exec("ALTER TABLE users RENAME TO users_renamed"), exec("ALTER TABLE users_renamed RENAME TO users"),
			userRoutes, "users: table-present", nil},
		{"SELECT on users revoked from the serving role", exec("REVOKE SELECT ON users FROM tenantcore_app"), exec("GRANT SELECT ON users TO tenantcore_app"),
			userRoutes, "users: serving-role-grants: tenantcore_app lacks SELECT", nil},
		{"tenants renamed", exec("ALTER TABLE tenants RENAME TO tenants_renamed"), exec("ALTER TABLE tenants_renamed RENAME TO tenants"),
			[]request{get("/api/v1/tenant", xtid("globex")), get("/t/initech/api/v1/tenant")}, "public.tenants: tenants-table", nil},
		// Last: rolling back the users migration drops its rows for good, so only the listing
		// (now empty) can answer 200 after it.
		{"migrate down", func(t *testing.T) {
			// Down to version 1, the schema before users, however many migrations follow it
			// (counted, not read off the last number: a number may be missing).
			applied := strings.Count(string(cli(t, db, "", "migrate", "status")), " applied ")
			for range applied - 1 {
				// --force: the instance's periodic jobs may still be queued, and go with the queue.
				cli(t, db, "", "migrate", "down", "--force")
			}
		}, func(t *testing.T) { cli(t, db, "", "migrate", "up") },
			userRoutes, "the schema is at version 1", []request{get("/api/v1/users", auth)}},
	} {
		t.Run(f.name, func(t *testing.T) {
			f.breakIt(t)
			for _, req := range f.routes {
				r := srv.do(t, req)
				assert.Equal(t, http.StatusServiceUnavailable, r.status, "%s: %s", req, r.body)
				assert.Equal(t, problemType, r.header.Get("Content-Type"), "%s", req)
				assert.Contains(t, string(r.body), `"code":"server.unavailable"`, "%s", req)
				assert.NotEmpty(t, r.header.Get("Retry-After"), "%s", req)
			}
			waitFor(t, srv, http.StatusServiceUnavailable, "/readyz turns 503")
			// The access-log line follows the response, so it may trail the client a little.
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(srv.logs.String(), f.logsReason) && time.Now().Before(deadline) {
				srv.do(t, get("/readyz"))
				time.Sleep(50 * time.Millisecond)
			}
			assert.Contains(t, srv.logs.String(), f.logsReason, "the log says why the instance is not ready")

			f.fix(t)
			waitFor(t, srv, http.StatusOK, "/readyz answers 200 again, without a restart")
			afterFix := f.routes
			if f.afterFix != nil {
				afterFix = f.afterFix
			}
			for _, req := range afterFix {
				r := srv.do(t, req)
				assert.Equal(t, http.StatusOK, r.status, "%s after the fix: %s", req, r.body)
			}
		})
	}
}

// waitFor polls /readyz until it answers status; readiness re-inspects the catalog once a second.
func waitFor(t *testing.T, srv *server, status int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := srv.do(t, get("/readyz"))
		if r.status == status {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s: still %d: %s", what, r.status, r.body)
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeRefusesFeatureSchemaMistakes: a migration of a new feature that leaves a hole in the
// walls stops serve at start, with one line naming the table and the rule.
func TestServeRefusesFeatureSchemaMistakes(t *testing.T) {
	probes := pgtest.TenantTable("probes", "name text NOT NULL")
	const grant = "GRANT SELECT, INSERT, UPDATE, DELETE ON probes TO tenantcore_app"
	for _, tt := range []struct {
		name      string
		migration []string
		want      string
	}{
		{"a table without the grant to the serving role", probes, "probes: serving-role-grants"},
		{"a view over a tenant-scoped table granted to the serving role",
			append(append([]string(nil), probes...), grant,
				"CREATE VIEW probe_names AS SELECT tenant_id, name FROM probes", "GRANT SELECT ON probe_names TO tenantcore_app"),
			"probe_names: view-security-invoker"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := pgtest.New(t)
			db.Migrate(t, tt.migration...)

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binPath, "serve")
			cmd.Env = baseEnv(map[string]string{"DATABASE_URL": db.ServingURL(t), "JOB_DATABASE_URL": db.WorkersURL(t), "DATABASE_ADMIN_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "error"})
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "serve must refuse to start; stderr: %s", stderr.String())
			assert.Equal(t, 1, exit.ExitCode())
			assert.Contains(t, stderr.String(), tt.want)
		})
	}
}
