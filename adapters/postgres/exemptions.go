package postgres

// Exemption is one table deliberately outside tenant scoping, with the reason a reviewer accepted.
type Exemption struct {
	Table  string
	Reason string
	// Writes, when set, says why the serving role may write the table and what bounds those
	// writes. Such a table must enable and force row-level security, so that its policies decide
	// what a tenant transaction reaches there. Empty: the serving role may only read it.
	Writes string
	// Serving is every privilege the serving role holds on the table, exactly. One missing breaks
	// the request path that needs it; one more is a door nobody reviewed. A table the serving role
	// may insert into must also let it use the sequences of its columns.
	Serving []string
	// Policies are the table's row-level security policies, exactly, as PostgreSQL renders them.
	// A table with policies must enable and force row-level security.
	Policies []Policy
}

// Policy is one permissive FOR ALL row-level security policy of an exempt table.
type Policy struct {
	Name string
	// Role is the one role the policy applies to; empty is PUBLIC.
	Role string
	// Using and Check are its expressions as pg_get_expr renders them.
	Using, Check string
}

// queueTenantJobs is river_job's policy for the serving role: that tenant's jobs inside a tenant
// transaction, none with no tenant set.
const queueTenantJobs = "((args ->> 'tenant_id'::text) = NULLIF(current_setting('app.tenant_id'::text, true), ''::text))"

// queueWorkers is the policy of every queue table for the workers' role: the whole queue.
func queueWorkers() Policy {
	return Policy{Name: "queue_workers", Role: QueueRole, Using: "true", Check: "true"}
}

// Exemptions is the one reviewed list of tables exempt from the tenant-scoping invariants. The
// self-check still holds each entry to its rules: it has a reason, it exists, it has no tenant_id
// column (a table holding tenants' rows is tenant data, however it is listed), the serving role
// holds exactly the privileges listed and may only read it unless the entry says why it writes,
// and its row-level security policies are exactly those listed, enabled and forced.
var Exemptions = []Exemption{
	{Table: "tenants", Serving: []string{"SELECT"},
		Reason: "the directory of tenants: read to resolve a request's tenant before any tenant is known; administered by operators' tools only"},
	{Table: MigrationTable, Serving: []string{"SELECT"},
		Reason: "goose's record of applied migrations; readiness reads the schema version from it"},
	// Tenant data governance (ADR-025, adapters/postgres/tenantdata).
	{Table: "tenant_erasures",
		Reason: "the receipts of erased tenants: identifiers, counts, who and why, and no row of any tenant; kept after the tenant is gone, written only by operators' tools"},
	{Table: "tenant_retention_rules", Serving: []string{"SELECT"},
		Reason: "how long each tenant-scoped table keeps its rows, one rule per table for every tenant; only migrations write it"},
	// The job queue (adapters/postgres/jobs, River): one queue for every tenant. Only the workers'
	// role (tenantcore_queue) reaches all of it; the serving role reaches its tenant's jobs.
	{Table: "river_migration", Reason: "River's record of its schema versions; only migrations write it, the workers' role reads it"},
	{
		Table:   "river_job",
		Reason:  "the job queue, shared by every tenant: a tenant-scoped job names its tenant in args.tenant_id and carries business identifiers only, never tenant data",
		Writes:  "a tenant transaction inserts, lists and retries its own tenant's jobs; policy queue_tenant_jobs confines the serving role to the tenant set in the transaction, and to nothing when none is set",
		Serving: []string{"SELECT", "INSERT", "UPDATE", "DELETE"},
		Policies: []Policy{
			{Name: "queue_tenant_jobs", Role: AppRole, Using: queueTenantJobs, Check: queueTenantJobs},
			queueWorkers(),
		},
	},
	{Table: "river_leader", Policies: []Policy{queueWorkers()},
		Reason: "which job worker leads the queue's maintenance; no tenant data; the workers' role only"},
	{Table: "river_queue", Policies: []Policy{queueWorkers()},
		Reason: "the job queues and whether they are paused; no tenant data; the workers' role only"},
	{Table: "river_notification", Policies: []Policy{queueWorkers()},
		Reason: "River's notification outbox, part of its schema; no tenant data; the workers' role only"},
}

// The exemption list's rules for what the serving role depends on.
const (
	// RuleExemptionGuarded: a table the serving role writes, or one with policies, must enable
	// and force row-level security.
	RuleExemptionGuarded = "exemption-writable-guarded"
	// RuleExemptionGrants: the serving role holds exactly the privileges the entry lists.
	RuleExemptionGrants = "exemption-serving-grants"
	// RuleExemptionPolicies: the table's policies are exactly those the entry lists.
	RuleExemptionPolicies = "exemption-policies"
)

// exemption returns the entry of the exemption list for table.
func (r SchemaRules) exemption(table string) (Exemption, bool) {
	for _, e := range r.Exempt {
		if e.Table == table {
			return e, true
		}
	}
	return Exemption{}, false
}
