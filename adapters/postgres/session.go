package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// sessionFacts are what the server and the login role are, as far as the preamble of a
// transaction depends on them.
type sessionFacts struct {
	// switchRole: the login role could bypass row-level security (or create and own tables),
	// so every transaction switches to the serving role.
	switchRole bool
	// citus: the coordinator propagates SET LOCAL to the workers, not set_config; the tenant
	// setting is then sent as SET LOCAL, in an explicit transaction.
	citus bool
}

// factsSQL decides whether the login role is unsafe to run tenant statements as: a superuser, a
// BYPASSRLS role, the owner (or a member of the owner) of a table with row-level security, the
// owner of the database, or a role that may create tables in public and so would own them.
const factsSQL = `
SELECT r.rolsuper OR r.rolbypassrls
       OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relrowsecurity AND pg_has_role(current_user, c.relowner, 'USAGE'))
       OR EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = current_database() AND pg_has_role(current_user, d.datdba, 'USAGE'))
       OR has_schema_privilege(current_user, 'public', 'CREATE'),
       current_user = $1,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus'),
       pg_backend_pid()
FROM pg_roles r WHERE r.rolname = current_user`

// sessionFacts returns the facts, reading them on conn on first use.
func (db *DB) sessionFacts(ctx context.Context, conn *pgx.Conn) (sessionFacts, error) {
	db.factsMu.Lock()
	known := db.facts
	db.factsMu.Unlock()
	if known != nil {
		return *known, nil
	}
	return db.refreshFacts(ctx, conn)
}

// refreshFacts reads the facts again: the self-check calls it, so a login role that became unsafe
// (migrations made it an owner) is switched away from within one check. It also looks for a
// transaction pooler: the backend serving the query is not the one the connection was opened
// with (a pooler answers the startup with a backend key of its own).
func (db *DB) refreshFacts(ctx context.Context, conn *pgx.Conn) (sessionFacts, error) {
	var unsafe, isRole, citus bool
	var backend uint32
	if err := conn.QueryRow(ctx, factsSQL, db.role).Scan(&unsafe, &isRole, &citus, &backend); err != nil {
		return sessionFacts{}, Translate(fmt.Errorf("inspect login role: %w", err))
	}
	if opened := conn.PgConn().PID(); backend != opened {
		db.poolerSeen(fmt.Sprintf("the connection was opened with backend %d and is served by backend %d: a pooler sits in between", opened, backend))
	}
	f := sessionFacts{switchRole: db.role != "" && !isRole && unsafe, citus: citus}
	db.factsMu.Lock()
	db.facts = &f
	db.factsMu.Unlock()
	return f, nil
}

// preamble returns the statements that set, for this transaction only, the tenant, the role and
// the statement timeout, after a BEGIN when explicit (a unit of work spanning round trips) or on
// Citus, which propagates settings only inside an explicit transaction. Without BEGIN the settings
// and the statements that follow them in the same batch share the implicit transaction that
// PostgreSQL runs up to the batch's Sync; no COMMIT is needed. The second result says whether the
// transaction is explicit. tenantID uuid.Nil sets the empty tenant: the policies then match no row.
func (db *DB) preamble(ctx context.Context, conn *pgx.Conn, tenantID uuid.UUID, explicit bool) ([]statement, bool, error) {
	f, err := db.sessionFacts(ctx, conn)
	if err != nil {
		return nil, false, err
	}
	tenantValue := ""
	if tenantID != uuid.Nil {
		tenantValue = tenantID.String()
	}
	timeout := strconv.FormatInt(db.statementTimeout.Milliseconds(), 10)
	out := make([]statement, 0, 5)
	if f.citus || explicit {
		out = append(out, setupUtility("BEGIN"))
	}
	if f.citus {
		// Propagation to the workers is switched on here too, so that a login without the
		// role-level setting (the schema owner of DATABASE_ADMIN_URL) reaches them as well.
		out = append(out, setupUtility("SET LOCAL citus.propagate_set_commands = 'local'"))
		// A UUID's canonical text is hex digits and dashes: safe as a literal.
		out = append(out, setupUtility("SET LOCAL app.tenant_id = '"+tenantValue+"'"))
		if db.statementTimeout > 0 {
			out = append(out, setupUtility("SET LOCAL statement_timeout = "+timeout))
		}
		if f.switchRole {
			out = append(out, setupUtility("SET LOCAL ROLE "+pgx.Identifier{db.role}.Sanitize()))
		}
		return out, true, nil
	}
	// One statement sets all three: each extra statement costs the server a parse and an execution.
	switch {
	case f.switchRole && db.statementTimeout > 0:
		out = append(out, statement{sql: setAllSQL, args: []any{tenantValue, timeout, db.role}, setup: true})
	case f.switchRole:
		out = append(out, statement{sql: setTenantRoleSQL, args: []any{tenantValue, db.role}, setup: true})
	case db.statementTimeout > 0:
		out = append(out, statement{sql: setTenantTimeoutSQL, args: []any{tenantValue, timeout}, setup: true})
	default:
		out = append(out, statement{sql: setTenantSQL, args: []any{tenantValue}, setup: true})
	}
	return out, explicit, nil
}

func setupUtility(sql string) statement { return statement{sql: sql, plain: true, setup: true} }

// The settings are transaction-local (is_local = true): COMMIT or ROLLBACK ends them, so nothing
// survives on the connection. set_config('role', …) is SET LOCAL ROLE.
const (
	setTenantSQL        = "SELECT set_config('app.tenant_id', $1, true)"
	setTenantTimeoutSQL = "SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true)"
	setTenantRoleSQL    = "SELECT set_config('app.tenant_id', $1, true), set_config('role', $2, true)"
	setAllSQL           = "SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', $2, true), set_config('role', $3, true)"
)
