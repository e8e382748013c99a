-- The tenants table and the roles the service runs as (ADR-001).
--
-- tenantcore_app is the role every serving connection switches to (SET ROLE): not the owner of
-- any table, no BYPASSRLS, so row-level security applies to it even when the login role is a
-- superuser. tenantcore_maintenance is the BYPASSRLS role of the cross-tenant escape hatch,
-- entered with SET LOCAL ROLE for one transaction only. Roles belong to the cluster, not the
-- database, so they are created only when missing (several databases may share one cluster) and
-- the Down section leaves them in place.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    BEGIN
        CREATE ROLE tenantcore_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE tenantcore_maintenance NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    -- The login role must be a member to SET ROLE; a superuser is one implicitly.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT tenantcore_app, tenantcore_maintenance TO %I', current_user);
    END IF;
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO tenantcore_app, tenantcore_maintenance;

-- +goose StatementBegin
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TABLE tenants (
    id         uuid        NOT NULL,
    slug       text        NOT NULL,
    name       text        NOT NULL,
    is_active  boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_pkey PRIMARY KEY (id),
    -- The unique constraint is also the lookup index of slug resolution.
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    -- Mirrors tenant.ParseSlug: a lower-case DNS label of 3 to 63 characters, no "--" in
    -- positions 3 and 4 (punycode). The reserved-word list lives in the domain only.
    CONSTRAINT tenants_slug_format CHECK (
        slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$' AND substr(slug, 3, 2) <> '--'
    ),
    CONSTRAINT tenants_name_format CHECK (char_length(name) BETWEEN 1 AND 200 AND name = btrim(name))
);

CREATE TRIGGER tenants_set_updated_at BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every running instance caches tenants; this notification lets each drop a changed tenant
-- within a second instead of serving it until its cache entry expires.
-- +goose StatementBegin
CREATE FUNCTION notify_tenant_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    payload json;
BEGIN
    IF TG_OP = 'DELETE' THEN
        payload := json_build_object('id', OLD.id, 'slug', OLD.slug);
    ELSIF TG_OP = 'UPDATE' THEN
        payload := json_build_object('id', NEW.id, 'slug', NEW.slug, 'old_slug', OLD.slug);
    ELSE
        payload := json_build_object('id', NEW.id, 'slug', NEW.slug);
    END IF;
    PERFORM pg_notify('tenant_changed', payload::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER tenants_notify_changed AFTER INSERT OR UPDATE OR DELETE ON tenants
    FOR EACH ROW EXECUTE FUNCTION notify_tenant_changed();

-- The serving role reads tenants (resolution) but cannot change them: administration runs as the
-- login role through operators' tools.
GRANT SELECT ON tenants TO tenantcore_app, tenantcore_maintenance;

-- Readiness compares the applied schema version with the binary's.
GRANT SELECT ON goose_db_version TO tenantcore_app;

-- +goose Down
REVOKE SELECT ON goose_db_version FROM tenantcore_app;
DROP TABLE tenants;
DROP FUNCTION notify_tenant_changed();
DROP FUNCTION set_updated_at();
REVOKE USAGE ON SCHEMA public FROM tenantcore_app, tenantcore_maintenance;
