package bootstrap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// TestCreatingAUserWelcomesThemInTheBackground goes end to end: user create (a command, which only
// enqueues) stores the user and the welcome job in one transaction, and serve's workers store the
// welcome notification in the user's tenant.
func TestCreatingAUserWelcomesThemInTheBackground(t *testing.T) {
	s := startService(t, map[string]string{"JOB_POLL_INTERVAL": "50ms"})
	welcomesInTheBackground(t, s)
}

// TestJobsWithDedicatedLogins is the production setup of the README: serving as the dedicated
// serving login, the workers as a login of the queue role (JOB_DATABASE_URL). Jobs run, and
// /readyz turns 503 (rule queue-login) when the workers' login loses what it needs, 200 when it
// is back.
func TestJobsWithDedicatedLogins(t *testing.T) {
	db := pgtest.New(t)
	if db.Citus {
		t.Skip("on Citus the serving URL is the serving role's own login; the queue login is covered by the postgres package")
	}
	s := startServiceOn(t, db, map[string]string{
		"DATABASE_URL": db.ServingLoginURL(t), "JOB_DATABASE_URL": db.QueueLoginURL(t), "JOB_POLL_INTERVAL": "50ms",
	})
	welcomesInTheBackground(t, s)
	require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/readyz", "").status)

	owner := pgtest.PoolAt(t, db.URL)
	_, err := owner.Exec(context.Background(), "REVOKE UPDATE ON river_leader FROM tenantcore_queue")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.do(http.MethodGet, "/readyz", "").status == http.StatusServiceUnavailable },
		10*time.Second, 50*time.Millisecond, "readyz refuses a workers' login that lost a grant")
	_, err = owner.Exec(context.Background(), "GRANT UPDATE ON river_leader TO tenantcore_queue")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.do(http.MethodGet, "/readyz", "").status == http.StatusOK },
		10*time.Second, 50*time.Millisecond, "ready again")
}

// TestServeRefusesWorkersThatCannotSeeTheQueue: with the dedicated serving login and no
// JOB_DATABASE_URL, the workers would log in as the serving login, which the queue's policies show
// no job: serve refuses to start, naming rule queue-login. An instance without workers starts.
func TestServeRefusesWorkersThatCannotSeeTheQueue(t *testing.T) {
	db := pgtest.New(t)
	if db.Citus {
		t.Skip("on Citus the serving URL is the serving role's own login; the queue login is covered by the postgres package")
	}
	start := func(extra map[string]string) error {
		env := map[string]string{"DATABASE_URL": db.ServingLoginURL(t), "DATABASE_ADMIN_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "error"}
		for k, v := range extra {
			env[k] = v
		}
		cfg, err := bootstrap.LoadConfig(lookup(env))
		require.NoError(t, err)
		app := fx.New(bootstrap.Server(cfg), fx.NopLogger)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = app.Start(ctx)
		if err == nil {
			require.NoError(t, app.Stop(ctx))
		}
		return err
	}
	err := start(nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "river_job: "+postgres.RuleQueueLogin+": the workers log in as "+pgtest.ServingLogin)
	require.NoError(t, start(map[string]string{"JOB_WORKERS": "0"}), "an instance that only enqueues needs no queue login")
	require.NoError(t, start(map[string]string{"JOB_DATABASE_URL": db.QueueLoginURL(t)}))
}

// welcomesInTheBackground creates users in two tenants with the CLI and waits for their welcome
// notifications, stored by s's workers in each user's tenant.
func welcomesInTheBackground(t *testing.T, s *service) {
	t.Helper()
	acme, globex := s.createTenant("acme"), s.createTenant("globex")
	ada := s.createUser("acme", "ada@example.com", "acme password 123")
	bob := s.createUser("globex", "ada@example.com", "globex password 456")

	owner := pgtest.PoolAt(t, s.env["DATABASE_ADMIN_URL"])
	welcomed := func(userID string) (tenantID, subject string) {
		_ = owner.QueryRow(context.Background(),
			`SELECT tenant_id::text, subject FROM notifications WHERE user_id = $1 AND kind = 'welcome'`, userID).Scan(&tenantID, &subject)
		return tenantID, subject
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if a, _ := welcomed(ada.ID); a != "" {
			if b, _ := welcomed(bob.ID); b != "" {
				break
			}
		}
		require.True(t, time.Now().Before(deadline), "no welcome notifications after 30s")
		time.Sleep(50 * time.Millisecond)
	}
	tenantID, subject := welcomed(ada.ID)
	assert.Equal(t, acme.ID, tenantID)
	assert.Equal(t, "Welcome to acme", subject)
	tenantID, subject = welcomed(bob.ID)
	assert.Equal(t, globex.ID, tenantID)
	assert.Equal(t, "Welcome to globex", subject)

	var listed struct {
		Jobs []json.RawMessage `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal([]byte(s.cli("", "job", "list", "--tenant", "acme")), &listed))
	assert.Empty(t, listed.Jobs, "nothing failed")
}

// TestJobCommandsInspectADeactivatedTenant: an operator can list and retry the failed jobs of a
// deactivated tenant, which is when they matter most (the review found both refused with
// tenant.inactive). An unknown tenant is still refused, another tenant still sees none of them,
// and work on the tenant's behalf (user create) is still refused.
func TestJobCommandsInspectADeactivatedTenant(t *testing.T) {
	db := pgtest.New(t)
	s := &service{t: t, env: map[string]string{"DATABASE_URL": db.URL, "LOG_LEVEL": "error"}}
	acme := s.createTenant("acme")
	s.createTenant("globex")
	jobID := insertDiscardedJob(t, db, acme.ID, "smtp: connection refused")
	s.cli("", "tenant", "deactivate", "--slug", "acme")

	type listing struct {
		Jobs []struct {
			ID        int64  `json:"id"`
			State     string `json:"state"`
			LastError string `json:"last_error"`
		} `json:"jobs"`
	}
	var acmeJobs listing
	require.NoError(t, json.Unmarshal([]byte(s.cli("", "job", "list", "--tenant", "acme")), &acmeJobs))
	require.Len(t, acmeJobs.Jobs, 1)
	assert.Equal(t, jobID, acmeJobs.Jobs[0].ID)
	assert.Equal(t, "discarded", acmeJobs.Jobs[0].State)
	assert.Equal(t, "smtp: connection refused", acmeJobs.Jobs[0].LastError)

	var globexJobs listing
	require.NoError(t, json.Unmarshal([]byte(s.cli("", "job", "list", "--tenant", "globex")), &globexJobs))
	assert.Empty(t, globexJobs.Jobs)
	assert.Contains(t, s.cliFails("", "job", "retry", "--tenant", "globex", "--id", fmt.Sprint(jobID)), "resource.not_found")

	var retried struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	require.NoError(t, json.Unmarshal([]byte(s.cli("", "job", "retry", "--tenant", "acme", "--id", fmt.Sprint(jobID))), &retried))
	assert.Equal(t, jobID, retried.ID)
	assert.Equal(t, "available", retried.State)

	assert.Contains(t, s.cliFails("", "job", "list", "--tenant", "nobody"), "tenant.not_found")
	assert.Contains(t, s.cliFails("", "job", "retry", "--tenant", "nobody", "--id", "1"), "tenant.not_found")
	assert.Contains(t, s.cliFails("password 123 456\n", "user", "create", "--tenant", "acme", "--email", "ada@example.com", "--password-stdin"),
		"tenant.inactive")
}

// insertDiscardedJob writes a job of the tenant that gave up after one attempt with message, as the
// workers leave one, and returns its id.
func insertDiscardedJob(t *testing.T, db pgtest.Database, tenantID, message string) int64 {
	t.Helper()
	ctx := context.Background()
	tx, err := db.OwnerPool(t).Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	// The tenant's own transaction, as the queue's row-level security expects of a tenant's job.
	_, err = tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", tenantID)
	require.NoError(t, err)
	var id int64
	require.NoError(t, tx.QueryRow(ctx, `
		INSERT INTO river_job (state, attempt, max_attempts, attempted_at, finalized_at, args, errors, kind)
		VALUES ('discarded', 1, 1, now(), now(), jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb),
		        ARRAY[jsonb_build_object('at', now(), 'attempt', 1, 'error', $2::text, 'trace', '')], 'welcome')
		RETURNING id`, tenantID, message).Scan(&id))
	require.NoError(t, tx.Commit(ctx))
	return id
}
