-- Scaling out on Citus. When the database has the citus extension, tenants becomes a reference
-- table (a copy on every node) and every tenant-scoped table is hash-distributed by tenant_id, all
-- in one colocation group: one tenant's rows of every table live on the same worker, so joins and
-- composite foreign keys between them stay on that worker. Without Citus the function below does
-- nothing and the schema is the same as on plain PostgreSQL.
--
-- A feature's migration calls SELECT tenantcore_distribute('its_table') after creating the table,
-- its policy, grants and triggers.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION tenantcore_distribute(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    colocate_with text;
    unsafe_triggers text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    -- Done already? (A table with a foreign key to a reference table may have become a Citus
    -- local table on the way, which still needs distributing.)
    IF EXISTS (SELECT 1 FROM pg_dist_partition
               WHERE logicalrelid = tbl
                 AND CASE WHEN tbl = 'tenants'::regclass THEN partmethod = 'n' AND repmodel = 't'
                          ELSE partmethod = 'h' END) THEN
        RETURN;
    END IF;
    -- Citus refuses tables with triggers unless told otherwise. The triggers of this schema only
    -- set NEW.updated_at, which is safe on a shard; the change-feed trigger of tenants is the
    -- exception (a worker cannot NOTIFY inside a two-phase commit) and is dropped: on Citus the
    -- administrative writes notify from the coordinator instead (TenantStore).
    unsafe_triggers := current_setting('citus.enable_unsafe_triggers');
    PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
    IF tbl = 'tenants'::regclass THEN
        DROP TRIGGER IF EXISTS tenants_notify_changed ON tenants;
        PERFORM create_reference_table(tbl);
    ELSE
        -- Join the colocation group of the tenant-scoped tables distributed before.
        SELECT p.logicalrelid::text INTO colocate_with
        FROM pg_dist_partition p
        WHERE p.partmethod = 'h' AND column_to_column_name(p.logicalrelid, p.partkey) = 'tenant_id'
        ORDER BY p.colocationid, p.logicalrelid::text
        LIMIT 1;
        PERFORM create_distributed_table(tbl, 'tenant_id', colocate_with => COALESCE(colocate_with, 'default'));
    END IF;
    PERFORM set_config('citus.enable_unsafe_triggers', unsafe_triggers, true);
END
$$;
-- +goose StatementEnd

-- The Citus self-check writes one row here inside a tenant transaction that it always rolls back,
-- and checks that the row is visible on its worker and nothing else is: proof that the tenant
-- setting reaches the workers. The foreign key is deferred so that the probe needs no real tenant
-- (it never commits). The table is always empty.
CREATE TABLE isolation_probe (
    tenant_id uuid NOT NULL,
    id        uuid NOT NULL,
    CONSTRAINT isolation_probe_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT isolation_probe_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id)
        DEFERRABLE INITIALLY DEFERRED
);
ALTER TABLE isolation_probe ENABLE ROW LEVEL SECURITY;
ALTER TABLE isolation_probe FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON isolation_probe
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON isolation_probe TO tenantcore_app;

-- The coordinator opens its connections to the workers as the current role. So on Citus the
-- serving connections log in as tenantcore_app itself (no role switch), and that role asks Citus
-- to carry SET LOCAL (the tenant setting) to the workers; the cross-tenant escape hatch's
-- SET LOCAL ROLE tenantcore_maintenance reaches the workers as that role, which must log in too.
-- Passwords and pg_hba are the operator's (README, "Scaling out"). Roles belong to the cluster:
-- each change is made only when missing.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RETURN;
    END IF;
    IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'tenantcore_app') THEN
        ALTER ROLE tenantcore_app LOGIN;
    END IF;
    IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'tenantcore_maintenance') THEN
        ALTER ROLE tenantcore_maintenance LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                   WHERE r.rolname = 'tenantcore_app' AND s.setdatabase = 0
                     AND 'citus.propagate_set_commands=local' = ANY (s.setconfig)) THEN
        ALTER ROLE tenantcore_app SET citus.propagate_set_commands = 'local';
    END IF;
END
$$;
-- +goose StatementEnd

SELECT tenantcore_distribute('tenants');
SELECT tenantcore_distribute('users');
SELECT tenantcore_distribute('isolation_probe');

-- +goose Down
DROP TABLE isolation_probe;
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        -- users (and anything else still holding a foreign key to tenants) comes back with it:
        -- Citus undistributes a table only together with the tables its foreign keys connect.
        PERFORM undistribute_table('tenants', cascade_via_foreign_keys => true);
        CREATE TRIGGER tenants_notify_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
            FOR EACH ROW EXECUTE FUNCTION notify_tenant_changed();
        -- The roles keep their Citus settings: other databases of the cluster may use them.
    END IF;
END
$$;
-- +goose StatementEnd
DROP FUNCTION tenantcore_distribute(regclass);
