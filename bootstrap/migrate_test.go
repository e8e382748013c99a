package bootstrap_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/migrations"
)

// TestMigrateDownKeepsJobsStillToRun rolls back to the job queue's migration and past it: with a
// job still to run, migrate down is refused, saying how many jobs it would drop, and changes
// nothing; finished jobs do not count; --force drops the queue and says how many jobs went with it.
func TestMigrateDownKeepsJobsStillToRun(t *testing.T) {
	_, err := fs.Stat(migrations.FS, "00004_job_queue.sql")
	require.NoError(t, err, "the job queue's migration is 00004, as migrate down assumes")

	db := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": db.URL, "LOG_LEVEL": "error"}
	owner := db.OwnerPool(t)
	ctx := context.Background()
	version := func() (v int64) {
		require.NoError(t, owner.QueryRow(ctx, "SELECT COALESCE(max(version_id), 0) FROM goose_db_version").Scan(&v))
		return v
	}
	for version() > 4 {
		code, _, stderr := runCLI(env, "", "migrate", "down")
		require.Equal(t, 0, code, stderr)
	}

	s := &service{t: t, env: env}
	acme := s.createTenant("acme")
	insertDiscardedJob(t, db, acme.ID, "gave up")
	_, err = owner.Exec(ctx, `INSERT INTO river_job (state, finalized_at, args, kind) VALUES
		('completed', now(), jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb), 'welcome'),
		('available', NULL, jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb), 'welcome'),
		('scheduled', NULL, jsonb_build_object('tenant_id', $1::text, 'job', '{}'::jsonb), 'welcome')`, acme.ID)
	require.NoError(t, err)

	code, stdout, stderr := runCLI(env, "", "migrate", "down")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "tenantcore: migrate: rolling back migration 00004 drops the job queue with 2 job(s) still to run; "+
		"run them first, or drop them with tenantcore migrate down --force\n", stderr)
	assert.Equal(t, int64(4), version(), "a refused rollback changes nothing")
	var jobs int
	require.NoError(t, owner.QueryRow(ctx, "SELECT count(*) FROM river_job").Scan(&jobs))
	assert.Equal(t, 4, jobs)

	code, stdout, stderr = runCLI(env, "", "migrate", "down", "--force")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "rolled back one migration, dropping 2 job(s) still to run\n", stdout)
	assert.Equal(t, int64(3), version())
	var queue *string
	require.NoError(t, owner.QueryRow(ctx, "SELECT to_regclass('river_job')::text").Scan(&queue))
	assert.Nil(t, queue, "the queue's table is gone")
}
