package postgres

import (
	"context"
	"fmt"
)

// QueueRole is the role whose members see the whole job queue: the workers' login belongs to it
// (JOB_DATABASE_URL). Migrations create it. Like AppRole it cannot log in, owns nothing and does
// not bypass row-level security; the queue's policies let it through, and nothing else.
const QueueRole = "tenantcore_queue"

// RuleQueueLogin is broken when the login the workers fetch jobs with cannot see or work the
// whole queue: its workers would silently never find a job.
const RuleQueueLogin = "queue-login"

// queueAccess are the privileges the workers use on each of the queue's tables and sequences.
var queueAccess = []struct{ object, kind, privileges string }{
	{"river_job", "table", "SELECT,INSERT,UPDATE,DELETE"},
	{"river_leader", "table", "SELECT,INSERT,UPDATE,DELETE"},
	{"river_queue", "table", "SELECT,INSERT,UPDATE,DELETE"},
	{"river_notification", "table", "SELECT,INSERT,UPDATE,DELETE"},
	{"river_job_id_seq", "sequence", "USAGE"},
}

// CheckQueueLogin reports whether db's login can run the job workers: it passes every queue
// table's row-level security (a member of QueueRole, or a superuser or BYPASSRLS login, as a
// development setup with the schema owner is) and holds the privileges the workers use. It reads
// only the catalog: no job is fetched or written.
func CheckQueueLogin(ctx context.Context, db *DB) ([]Violation, error) {
	var (
		login                   string
		super, bypass, isMember bool
	)
	err := db.pool.QueryRow(ctx, `
SELECT current_user::text, r.rolsuper, r.rolbypassrls,
       EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AND pg_has_role(current_user, $1, 'USAGE')
FROM pg_roles r WHERE r.rolname = current_user`, QueueRole).Scan(&login, &super, &bypass, &isMember)
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect the workers' login: %w", err))
	}
	var out []Violation
	if !super && !bypass && !isMember {
		out = append(out, Violation{Table: "river_job", Rule: RuleQueueLogin, Detail: fmt.Sprintf(
			"the workers log in as %s, which is not a member of %s: row-level security would show them no job. "+
				"Set JOB_DATABASE_URL to a login created with CREATE ROLE … LOGIN IN ROLE %s", login, QueueRole, QueueRole)})
	}
	objects := make([]string, len(queueAccess))
	kinds := make([]string, len(queueAccess))
	privileges := make([]string, len(queueAccess))
	for i, a := range queueAccess {
		objects[i], kinds[i], privileges[i] = a.object, a.kind, a.privileges
	}
	// has_*_privilege with a list answers whether any one is held: each is asked on its own.
	rows, err := db.pool.Query(ctx, `
SELECT o.object, o.kind, to_regclass(o.object) IS NOT NULL,
       COALESCE((SELECT string_agg(p, ', ' ORDER BY i) FROM unnest(string_to_array(o.privileges, ',')) WITH ORDINALITY AS u(p, i)
                 WHERE to_regclass(o.object) IS NOT NULL
                   AND NOT CASE WHEN o.kind = 'sequence' THEN has_sequence_privilege(to_regclass(o.object)::oid, p)
                                ELSE has_table_privilege(to_regclass(o.object)::oid, p) END), '')
FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS o(object, kind, privileges, n)
ORDER BY o.n`, objects, kinds, privileges)
	if err != nil {
		return nil, Translate(fmt.Errorf("inspect the workers' access to the queue: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var object, kind, missing string
		var exists bool
		if err := rows.Scan(&object, &kind, &exists, &missing); err != nil {
			return nil, Translate(fmt.Errorf("inspect the workers' access to the queue: %w", err))
		}
		switch {
		case !exists:
			out = append(out, Violation{Table: object, Rule: RuleQueueLogin, Detail: "the job queue's " + kind + " does not exist: migrate up"})
		case missing != "":
			target := object
			if kind == "sequence" {
				target = "SEQUENCE " + object
			}
			out = append(out, Violation{Table: object, Rule: RuleQueueLogin, Detail: fmt.Sprintf(
				"the workers' login %s lacks %s on it: GRANT %s ON %s TO %s", login, missing, missing, target, QueueRole)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, Translate(fmt.Errorf("inspect the workers' access to the queue: %w", err))
	}
	return out, nil
}
