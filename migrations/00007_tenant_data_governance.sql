-- Tenant data governance (ADR-025): the erasure receipts and the retention rules. Neither table
-- holds a tenant's data, so both are on the exemption list (adapters/postgres/exemptions.go) and
-- neither has a tenant_id column.
--
-- tenant_erasures is the receipt of each erasure, written by `tenantcore tenant erase` as it
-- goes: created when the erasure starts, its row counts added in the transaction of each deleted
-- batch (so a resumed erasure counts every row exactly once), and finished in the transaction that
-- deletes the tenant row. It outlives the tenant, so nothing references tenants. It holds the
-- tenant's identifier, the operator's name and reason, and counts: no slug, no name, no row of the
-- tenant. The serving role has no grant: only operators' tools read and write it.
--
-- tenant_retention_rules declares, per tenant-scoped table, which timestamp column ages its rows
-- and how long they are kept. The retention job enforces each rule for every tenant; it reads the
-- table as the serving role. A feature's migration adds its table's rule beside the table.

-- +goose Up
CREATE TABLE tenant_erasures (
    number           bigint      GENERATED ALWAYS AS IDENTITY,
    erased_tenant_id uuid        NOT NULL,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    erased_by        text        NOT NULL,
    reason           text        NOT NULL,
    schema_version   bigint      NOT NULL,
    -- Rows deleted, by table: {"users": 120, "notifications": 118, "river_job": 3}.
    row_counts       jsonb       NOT NULL DEFAULT '{}',
    CONSTRAINT tenant_erasures_pkey PRIMARY KEY (number),
    CONSTRAINT tenant_erasures_by_length CHECK (char_length(erased_by) BETWEEN 1 AND 200),
    CONSTRAINT tenant_erasures_reason_length CHECK (char_length(reason) BETWEEN 1 AND 500),
    CONSTRAINT tenant_erasures_counts_object CHECK (jsonb_typeof(row_counts) = 'object')
);

-- One erasure in progress per tenant: a re-run resumes it. A tenant imported again after its
-- erasure (same identifier) can be erased again, with a receipt of its own.
CREATE UNIQUE INDEX tenant_erasures_in_progress ON tenant_erasures (erased_tenant_id) WHERE finished_at IS NULL;

CREATE TABLE tenant_retention_rules (
    table_name       text     NOT NULL,
    timestamp_column text     NOT NULL,
    keep_for         interval NOT NULL,
    reason           text     NOT NULL,
    CONSTRAINT tenant_retention_rules_pkey PRIMARY KEY (table_name),
    CONSTRAINT tenant_retention_rules_keep_positive CHECK (keep_for > interval '0'),
    CONSTRAINT tenant_retention_rules_reason_length CHECK (char_length(reason) BETWEEN 1 AND 500)
);

GRANT SELECT ON tenant_retention_rules TO tenantcore_app;

-- The first rule: a notification is a message already handed to its user; after 90 days it is
-- history nobody needs.
INSERT INTO tenant_retention_rules (table_name, timestamp_column, keep_for, reason)
VALUES ('notifications', 'created_at', interval '90 days',
        'notifications are delivered messages; after 90 days they are no longer needed');

-- +goose Down
REVOKE SELECT ON tenant_retention_rules FROM tenantcore_app;
DROP TABLE tenant_retention_rules;
DROP TABLE tenant_erasures;
