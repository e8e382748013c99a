package postgres

// Exemption is one table deliberately outside tenant scoping, with the reason a reviewer accepted.
type Exemption struct {
	Table  string
	Reason string
	// Writes, when set, says why the serving role may write the table and what bounds those
	// writes. Such a table must enable and force row-level security, so that its policies decide
	// what a tenant transaction reaches there. Empty: the serving role may only read it.
	Writes string
}

// Exemptions is the one reviewed list of tables exempt from the tenant-scoping invariants. The
// self-check still holds each entry to four rules: it has a reason, it exists, it has no
// tenant_id column (a table holding tenants' rows is tenant data, however it is listed), and the
// serving role may only read it (anything it can write, every tenant can write for every other)
// unless the entry says why it writes, and row-level security bounds what a tenant reaches there.
var Exemptions = []Exemption{
	{Table: "tenants", Reason: "the directory of tenants: read to resolve a request's tenant before any tenant is known; administered by operators' tools only"},
	{Table: MigrationTable, Reason: "goose's record of applied migrations; readiness reads the schema version from it"},
	// Tenant data governance (ADR-025, adapters/postgres/tenantdata).
	{Table: "tenant_erasures", Reason: "the receipts of erased tenants: identifiers, counts, who and why, and no row of any tenant; kept after the tenant is gone, written only by operators' tools"},
	{Table: "tenant_retention_rules", Reason: "how long each tenant-scoped table keeps its rows, one rule per table for every tenant; only migrations write it"},
	// The job queue (adapters/postgres/jobs, River): one queue for every tenant.
	{Table: "river_migration", Reason: "River's record of its schema versions; only migrations write it"},
	{
		Table:  "river_job",
		Reason: "the job queue, shared by every tenant: a tenant-scoped job names its tenant in args.tenant_id and carries business identifiers only, never tenant data",
		Writes: "a tenant transaction inserts its jobs beside its business write, and the workers fetch and complete them; policy queue_tenant_jobs confines a tenant transaction to its own tenant's jobs",
	},
	{
		Table:  "river_leader",
		Reason: "which job worker leads the queue's maintenance; no tenant data",
		Writes: "the workers elect a leader outside any tenant transaction; policy queue_outside_tenants hides the table from tenant transactions",
	},
	{
		Table:  "river_queue",
		Reason: "the job queues and whether they are paused; no tenant data",
		Writes: "the workers register their queues outside any tenant transaction; policy queue_outside_tenants hides the table from tenant transactions",
	},
	{
		Table:  "river_notification",
		Reason: "River's notification outbox, part of its schema; no tenant data",
		Writes: "only the workers, outside any tenant transaction; policy queue_outside_tenants hides the table from tenant transactions",
	},
}

// RuleExemptionGuarded is the exemption list's rule for a table the serving role writes: it must
// enable and force row-level security.
const RuleExemptionGuarded = "exemption-writable-guarded"

// exemption returns the entry of the exemption list for table.
func (r SchemaRules) exemption(table string) (Exemption, bool) {
	for _, e := range r.Exempt {
		if e.Table == table {
			return e, true
		}
	}
	return Exemption{}, false
}
