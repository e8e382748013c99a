package postgres

// Exemption is one table deliberately outside tenant scoping, with the reason a reviewer accepted.
type Exemption struct {
	Table  string
	Reason string
}

// Exemptions is the one reviewed list of tables exempt from the tenant-scoping invariants. The
// self-check still holds each entry to four rules: it has a reason, it exists, it has no
// tenant_id column (a table holding tenants' rows is tenant data, however it is listed), and the
// serving role may only read it (anything it can write, every tenant can write for every other).
var Exemptions = []Exemption{
	{Table: "tenants", Reason: "the directory of tenants: read to resolve a request's tenant before any tenant is known; administered by operators' tools only"},
	{Table: MigrationTable, Reason: "goose's record of applied migrations; readiness reads the schema version from it"},
}
