-- Users: the first tenant-scoped table. It follows every schema invariant of ADR-001: tenant_id
-- leads the primary key and every unique constraint, references tenants, and row-level security
-- is enabled, forced and fails closed when no tenant is set.

-- +goose Up
CREATE TABLE users (
    tenant_id     uuid        NOT NULL,
    id            uuid        NOT NULL,
    email         text        NOT NULL,
    password_hash text        NOT NULL,
    is_active     boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT users_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    -- Led by tenant_id: the same email may exist in two tenants, and a uniqueness check (which
    -- ignores RLS) can never reveal whether another tenant has an address.
    CONSTRAINT users_email_key UNIQUE (tenant_id, email),
    CONSTRAINT users_email_format CHECK (email = lower(btrim(email)) AND char_length(email) BETWEEN 3 AND 254)
);

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;

-- NULLIF: once a transaction-local setting ends the session reports '' rather than NULL, and
-- ''::uuid would raise. With no tenant set the policy compares with NULL and matches nothing.
CREATE POLICY tenant_isolation ON users
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON users TO tenantcore_app, tenantcore_maintenance;

-- +goose Down
DROP TABLE users;
