-- Notifications: messages to a tenant's users, written by background jobs (the welcome message a
-- new user gets) and read by whatever delivers them. Tenant-scoped like users (ADR-001). One
-- notification of a kind per user: a job that runs twice (a retry after a lost acknowledgement)
-- finds it already there.

-- +goose Up
CREATE TABLE notifications (
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    kind       text        NOT NULL,
    recipient  text        NOT NULL,
    subject    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT notifications_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    CONSTRAINT notifications_user_kind_key UNIQUE (tenant_id, user_id, kind),
    CONSTRAINT notifications_kind_format CHECK (kind ~ '^[a-z][a-z_]{0,62}$'),
    CONSTRAINT notifications_subject_length CHECK (char_length(subject) BETWEEN 1 AND 200)
);

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON notifications
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

GRANT SELECT, INSERT, UPDATE, DELETE ON notifications TO tenantcore_app, tenantcore_maintenance;

-- On Citus, colocated with users by tenant (migration 00003); nothing without it. The foreign key
-- to users comes after: Citus refuses one from a table not yet distributed to a distributed table.
SELECT tenantcore_distribute('notifications');

ALTER TABLE notifications ADD CONSTRAINT notifications_user_fkey
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE;

-- +goose Down
DROP TABLE notifications;
