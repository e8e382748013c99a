-- The job queue gets a role of its own (ADR-001). Until now the queue's policies let any
-- statement with no tenant set reach every tenant's jobs: the workers need that, but so did the
-- serving role outside a tenant transaction. The queue now fails closed like every other table:
--
-- * tenantcore_app reaches river_job only inside a tenant transaction, and only that tenant's
--   jobs; with no tenant set it sees and writes nothing. It no longer reaches the queue's other
--   tables at all: a tenant transaction only inserts, lists and retries its own jobs.
-- * tenantcore_queue (NOLOGIN) sees the whole queue: the workers log in as a member of it
--   (JOB_DATABASE_URL, README "Background jobs"). Membership is its only way in, so no session
--   state (SET ROLE) is needed and a transaction-mode pooler works.
-- * A tenant job carries no unique key. River's uniqueness is one index on unique_key alone
--   (its ON CONFLICT names exactly that index, so it cannot be led by the tenant); a key shared by
--   two tenants' jobs would tell one tenant that the other's job exists. The runner never sets
--   one for a tenant kind, and the constraint below refuses one however the row is written.
-- * A tenant job names its tenant in the canonical text of its UUID (lower-case, hyphenated), the
--   text the policy compares with the tenant setting: in any other spelling the job would run for
--   the tenant yet be invisible to the tenant's own job list. NOT VALID: rows already queued are
--   not re-read; the worker cancels such a job with an error naming the problem.
-- * tenantcore_distribute is the migrations' tool: nothing that serves may call it.
--
-- The queue's tables stay local to the coordinator on Citus (migration 00003 never distributes
-- them), so nothing here is distributed.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    BEGIN
        CREATE ROLE tenantcore_queue NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    -- The schema owner keeps working as the workers' login (the default JOB_DATABASE_URL); a
    -- superuser bypasses row-level security anyway.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT tenantcore_queue TO %I', current_user);
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO tenantcore_queue;
GRANT SELECT, INSERT, UPDATE, DELETE ON river_job, river_leader, river_queue, river_notification TO tenantcore_queue;
GRANT USAGE, SELECT ON SEQUENCE river_job_id_seq, river_notification_id_seq TO tenantcore_queue;
GRANT SELECT ON river_migration TO tenantcore_queue;

-- A tenant transaction: its own tenant's jobs. No tenant set: the comparison is with NULL and
-- matches nothing.
ALTER POLICY queue_tenant_jobs ON river_job TO tenantcore_app
    USING (args ->> 'tenant_id' = NULLIF(current_setting('app.tenant_id', true), ''))
    WITH CHECK (args ->> 'tenant_id' = NULLIF(current_setting('app.tenant_id', true), ''));
CREATE POLICY queue_workers ON river_job TO tenantcore_queue USING (true) WITH CHECK (true);

REVOKE ALL ON river_leader, river_queue, river_notification, river_migration FROM tenantcore_app;
REVOKE ALL ON SEQUENCE river_notification_id_seq FROM tenantcore_app;
DROP POLICY queue_outside_tenants ON river_leader;
DROP POLICY queue_outside_tenants ON river_queue;
DROP POLICY queue_outside_tenants ON river_notification;
CREATE POLICY queue_workers ON river_leader TO tenantcore_queue USING (true) WITH CHECK (true);
CREATE POLICY queue_workers ON river_queue TO tenantcore_queue USING (true) WITH CHECK (true);
CREATE POLICY queue_workers ON river_notification TO tenantcore_queue USING (true) WITH CHECK (true);

ALTER TABLE river_job ADD CONSTRAINT river_job_tenant_job_not_unique
    CHECK (unique_key IS NULL OR NOT (args ? 'tenant_id'));

ALTER TABLE river_job ADD CONSTRAINT river_job_tenant_id_canonical
    CHECK (NOT (args ? 'tenant_id')
           OR (jsonb_typeof(args -> 'tenant_id') = 'string'
               AND args ->> 'tenant_id' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')) NOT VALID;

REVOKE EXECUTE ON FUNCTION tenantcore_distribute(regclass) FROM PUBLIC;

-- +goose Down
GRANT EXECUTE ON FUNCTION tenantcore_distribute(regclass) TO PUBLIC;
ALTER TABLE river_job DROP CONSTRAINT river_job_tenant_id_canonical;
ALTER TABLE river_job DROP CONSTRAINT river_job_tenant_job_not_unique;
DROP POLICY queue_workers ON river_notification;
DROP POLICY queue_workers ON river_queue;
DROP POLICY queue_workers ON river_leader;
CREATE POLICY queue_outside_tenants ON river_leader
    USING (NULLIF(current_setting('app.tenant_id', true), '') IS NULL)
    WITH CHECK (NULLIF(current_setting('app.tenant_id', true), '') IS NULL);
CREATE POLICY queue_outside_tenants ON river_queue
    USING (NULLIF(current_setting('app.tenant_id', true), '') IS NULL)
    WITH CHECK (NULLIF(current_setting('app.tenant_id', true), '') IS NULL);
CREATE POLICY queue_outside_tenants ON river_notification
    USING (NULLIF(current_setting('app.tenant_id', true), '') IS NULL)
    WITH CHECK (NULLIF(current_setting('app.tenant_id', true), '') IS NULL);
GRANT SELECT, INSERT, UPDATE, DELETE ON river_leader, river_queue, river_notification TO tenantcore_app;
GRANT USAGE, SELECT ON SEQUENCE river_notification_id_seq TO tenantcore_app;
GRANT SELECT ON river_migration TO tenantcore_app;
DROP POLICY queue_workers ON river_job;
ALTER POLICY queue_tenant_jobs ON river_job TO PUBLIC
    USING (NULLIF(current_setting('app.tenant_id', true), '') IS NULL
           OR args ->> 'tenant_id' = current_setting('app.tenant_id', true))
    WITH CHECK (NULLIF(current_setting('app.tenant_id', true), '') IS NULL
                OR args ->> 'tenant_id' = current_setting('app.tenant_id', true));
REVOKE ALL ON river_job, river_leader, river_queue, river_notification, river_migration FROM tenantcore_queue;
REVOKE ALL ON SEQUENCE river_job_id_seq, river_notification_id_seq FROM tenantcore_queue;
REVOKE USAGE ON SCHEMA public FROM tenantcore_queue;
-- The role stays: roles belong to the cluster, and other databases may use it.
