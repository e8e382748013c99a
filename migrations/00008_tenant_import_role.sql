-- The role a tenant import writes as (ADR-025). An import creates the tenant row and then writes
-- the tenant's rows under row-level security, all in one transaction. Both writes must be one
-- role's: on Citus the coordinator opens its worker connections per role, and a worker checking
-- a row's foreign key to tenants over one role's connection cannot see the tenant row another
-- role's connection inserted and has not committed.
--
-- tenantcore_import is tenantcore_app with one more grant, INSERT on tenants: it inherits every
-- grant of the serving role (a feature's new table is covered the day it is migrated), its
-- policies apply to it as to the serving role, and it bypasses nothing. Only the schema owner
-- (the operators' tools) enters it, with SET LOCAL ROLE; no serving login is a member. On Citus
-- it reaches the workers as itself, so it logs in there, like the roles of migration 00003.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    BEGIN
        CREATE ROLE tenantcore_import NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT IN ROLE tenantcore_app;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT tenantcore_import TO %I', current_user);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
       AND NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'tenantcore_import') THEN
        ALTER ROLE tenantcore_import LOGIN;
    END IF;
END
$$;
-- +goose StatementEnd

GRANT INSERT ON tenants TO tenantcore_import;

-- +goose Down
REVOKE INSERT ON tenants FROM tenantcore_import;
-- The role stays: roles belong to the cluster, and other databases may use it.
