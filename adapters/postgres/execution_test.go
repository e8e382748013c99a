package postgres_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

// refusals records what a DB reports through Events.
type refusals struct {
	mu    sync.Mutex
	rules []string
	table []string
	modes []string
}

func (r *refusals) events() postgres.Events {
	return postgres.Events{
		IsolationRefused: func(rule, table, _ string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.rules = append(r.rules, rule)
			r.table = append(r.table, table)
		},
		ModeChanged: func(from, to postgres.ExecMode, _ string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.modes = append(r.modes, string(from)+"→"+string(to))
		},
	}
}

func (r *refusals) seen() ([]string, []string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.rules...), append([]string(nil), r.table...), append([]string(nil), r.modes...)
}

// Work bound to one tenant (a request, a job attempt) runs tenant transactions of that tenant
// only, however the TenantContext of another was obtained: every path to the database refuses it
// with tenant.cross_tenant and reports it as an isolation violation.
func TestOneRequestOneTenant(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, b := seedTwoTenants(t, db.OwnerPool(t))
	tcA, tcB := tenanttest.Context(t, a), tenanttest.Context(t, b)
	var seen refusals
	serving := db.ServingDBWith(t, func(c *postgres.Config) { c.Events = seen.events() })
	repo := postgres.NewScopedRepository(serving, usersTable())

	request := tenant.Bind(ctx, tcA)
	_, err := repo.ListForTenant(request, tcA, portsPage(10))
	require.NoError(t, err, "the bound tenant itself is served")

	refusedB := map[string]func(ctx context.Context) error{
		"a read":  func(ctx context.Context) error { _, err := repo.ListForTenant(ctx, tcB, portsPage(10)); return err },
		"a count": func(ctx context.Context) error { _, err := repo.Count(ctx, tcB, nil); return err },
		"a write": func(ctx context.Context) error {
			_, err := repo.CreateForTenant(ctx, tcB, row{tenantID: b.ID(), id: uuid.Must(uuid.NewV7()), email: "x@example.com"})
			return err
		},
		"a join": func(ctx context.Context) error {
			_, err := postgres.Query(ctx, serving, tcB, postgres.Select{From: "users", Alias: "u", Columns: []string{"u.id"}},
				func(scan func(...any) error) (uuid.UUID, error) { var id uuid.UUID; return id, scan(&id) })
			return err
		},
		"a unit of work": func(ctx context.Context) error {
			return serving.InTenant(ctx, tcB, func(context.Context) error { return nil })
		},
		"a goroutine's derived ctx": func(ctx context.Context) error {
			errs := make(chan error, 1)
			go func() {
				_, err := repo.Count(context.WithoutCancel(ctx), tcB, nil)
				errs <- err
			}()
			return <-errs
		},
	}
	for name, call := range refusedB {
		t.Run(name, func(t *testing.T) {
			err := call(request)
			require.ErrorIs(t, err, tenant.ErrCrossTenant)
			assert.Contains(t, err.Error(), postgres.RuleOneTenant)
		})
	}

	t.Run("binding again to another tenant serves neither", func(t *testing.T) {
		both := tenant.Bind(request, tcB)
		_, err := repo.Count(both, tcB, nil)
		require.ErrorIs(t, err, tenant.ErrCrossTenant)
		_, err = repo.Count(both, tcA, nil)
		require.ErrorIs(t, err, tenant.ErrCrossTenant)
	})

	rules, _, _ := seen.seen()
	assert.Len(t, rules, len(refusedB)+2, "every refusal is reported")
	for _, r := range rules {
		assert.Equal(t, postgres.RuleOneTenant, r)
	}
	n, err := repo.Count(ctx, tcB, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "nothing was written for tenant B")
}

// A store call made with the ctx of a unit of work that has ended is refused with an error, not
// a nil-pointer panic on a connection that went back to the pool.
func TestFinishedUnitIsRefused(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)
	serving := db.ServingDB(t)
	repo := postgres.NewScopedRepository(serving, usersTable())

	var kept context.Context
	require.NoError(t, serving.InTenant(ctx, tc, func(ctx context.Context) error {
		kept = ctx
		_, err := repo.Count(ctx, tc, nil)
		return err
	}))
	assert.NotPanics(t, func() {
		_, err := repo.Count(kept, tc, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "already ended")
		err = serving.InTenant(kept, tc, func(context.Context) error { return nil })
		require.Error(t, err)
	})
}

// A write that row-level security refuses (here a trigger relabels the row with another tenant)
// is an isolation violation: tenant.cross_tenant naming the table, reported, never "unavailable,
// retry later".
func TestRowSecurityRefusalIsAnIsolationViolation(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, b := seedTwoTenants(t, db.OwnerPool(t))
	db.Migrate(t, append(append(pgtest.TenantTable("relabelled", "note text NOT NULL"),
		// Citus takes triggers on distributed tables only when told they are safe; elsewhere a
		// setting of an unknown prefix is merely kept.
		"SET LOCAL citus.enable_unsafe_triggers = on"),
		`CREATE FUNCTION relabel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tenant_id := '`+b.ID().String()+`';
    RETURN NEW;
END $$`,
		"CREATE TRIGGER relabel BEFORE INSERT ON relabelled FOR EACH ROW EXECUTE FUNCTION relabel()",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON relabelled TO tenantcore_app")...)
	var seen refusals
	serving := db.ServingDBWith(t, func(c *postgres.Config) { c.Events = seen.events() })
	repo := postgres.NewScopedRepository(serving, postgres.Table[row]{
		Name: "relabelled", Key: "id", Columns: []string{"id", "note"},
		Scan: func(scan func(...any) error) (row, error) {
			var r row
			return r, scan(&r.tenantID, &r.id, &r.email)
		},
		Values:   func(r row) map[string]any { return map[string]any{"id": r.id, "note": r.email} },
		TenantOf: func(r row) uuid.UUID { return r.tenantID },
		KeyOf:    func(r row) uuid.UUID { return r.id },
		NotFound: fault.ErrNotFound,
	})

	_, err := repo.CreateForTenant(ctx, tenanttest.Context(t, a), row{tenantID: a.ID(), id: uuid.Must(uuid.NewV7()), email: "n"})
	require.ErrorIs(t, err, tenant.ErrCrossTenant)
	assert.NotErrorIs(t, err, fault.ErrUnavailable, "a retry cannot help")
	rules, tables, _ := seen.seen()
	assert.Equal(t, []string{postgres.RuleRowSecurity}, rules)
	assert.Equal(t, []string{"relabelled"}, tables)
}

// The caller's predicate cannot close the parentheses the tenant filter puts around it, and
// UpdateWhere compares column names as PostgreSQL reads them.
func TestCallersSQLCannotLeaveTheTenantFilter(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)
	escape := sq.Expr("FALSE) OR (TRUE")

	dbs := map[string]*postgres.DB{"serving role": db.ServingDB(t)}
	if postgres.ApplicationFilter {
		// With RLS bypassed the application filter is the only wall: without it (the RLS-alone
		// build) the owner sees every tenant by definition.
		dbs["owner, row-level security bypassed"] = db.OwnerDB(t)
	}
	for name, d := range dbs {
		t.Run(name, func(t *testing.T) {
			repo := postgres.NewScopedRepository(d, usersTable())
			rows, err := repo.Find(ctx, tc, postgres.Filter{Where: escape})
			require.ErrorIs(t, err, postgres.ErrPredicateEscapes)
			assert.Empty(t, rows)
			_, err = repo.DeleteWhere(ctx, tc, escape)
			require.ErrorIs(t, err, postgres.ErrPredicateEscapes)
			for _, where := range []sq.Sqlizer{
				sq.Expr("TRUE) OR (TRUE"), sq.Expr("(TRUE"), sq.Expr("TRUE --"), sq.Expr("TRUE /* x */"), sq.Expr("TRUE; DELETE FROM users"),
				sq.Expr("email = 'a"), sq.Expr(`email = "a`), sq.Expr("email = $q$a"),
			} {
				_, err := repo.Count(ctx, tc, where)
				require.ErrorIs(t, err, postgres.ErrPredicateEscapes, "%v", where)
			}
			for _, where := range []sq.Sqlizer{
				sq.Expr("email = ')' OR email = '('"), sq.Expr(`email = $q$)$q$`), sq.Expr(`"email" = E'\')'`),
				sq.Expr("lower(email) = ?", "acme@example.com"),
			} {
				_, err := repo.Count(ctx, tc, where)
				require.NoError(t, err, "%v", where)
			}
			n, err := repo.Count(ctx, tc, nil)
			require.NoError(t, err)
			assert.Equal(t, int64(1), n, "nothing of the tenant was deleted")

			for _, column := range []string{`"ID"`, `"TENANT_ID"`, "Tenant_Id", "tenant_id", "id", "TENANT_ID", "nope"} {
				_, err := repo.UpdateWhere(ctx, tc, sq.Expr("TRUE"), map[string]any{column: uuid.New()})
				require.Error(t, err, column)
			}
		})
	}
}

// A statement never seen before is described inside its tenant transaction, under its statement
// timeout: a lock held on the table cannot make the description wait longer than that.
func TestDescriptionRunsUnderTheStatementTimeout(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)
	for _, mode := range []postgres.ExecMode{postgres.ModePrepared, postgres.ModeUnnamed} {
		t.Run(string(mode), func(t *testing.T) {
			serving := db.ServingDBWith(t, func(c *postgres.Config) { c.StatementTimeout = 200 * time.Millisecond; c.Mode = mode })
			repo := postgres.NewScopedRepository(serving, usersTable())

			lock, err := db.OwnerPool(t).Begin(ctx)
			require.NoError(t, err)
			defer func() { _ = lock.Rollback(ctx) }()
			_, err = lock.Exec(ctx, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
			require.NoError(t, err)

			done := make(chan error, 1)
			go func() {
				_, err := repo.Count(ctx, tc, sq.Expr("email <> ?", "cold statement "+string(mode)))
				done <- err
			}()
			select {
			case err := <-done:
				require.ErrorIs(t, err, fault.ErrUnavailable)
				var pgErr *pgconn.PgError
				require.True(t, errors.As(err, &pgErr))
				assert.Equal(t, "57014", pgErr.Code, "canceled by the statement timeout")
			case <-time.After(30 * time.Second):
				t.Fatal("the description waited for the lock past its statement timeout")
			}
		})
	}
}

// Left unset, the statement mode is prepared on PostgreSQL directly and switches to the
// pooler-safe mode at the first sign of a transaction pooler, without one failed statement.
// Forced to prepared behind a pooler, a statement either works or is "unavailable", never an
// internal error. make test's PgBouncer phase runs this with TENANTCORE_TEST_POOLER set.
func TestStatementModeFollowsThePooler(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, b := seedTwoTenants(t, db.OwnerPool(t))
	pooled := os.Getenv(pgtest.PoolerEnv) != "" && !db.Citus
	var seen refusals
	serving := db.ServingDBWith(t, func(c *postgres.Config) { c.Events = seen.events() })
	repo := postgres.NewScopedRepository(serving, usersTable())

	hammer := func(repo *postgres.ScopedRepository[row]) []error {
		var (
			mu   sync.Mutex
			errs []error
			wg   sync.WaitGroup
		)
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tc := tenanttest.Context(t, a)
				if w%2 == 1 {
					tc = tenanttest.Context(t, b)
				}
				for i := range 40 {
					var err error
					if i%2 == 0 {
						_, err = repo.ListForTenant(ctx, tc, portsPage(5))
					} else {
						_, err = repo.Count(ctx, tc, sq.Expr("email <> ?", "w"))
					}
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		return errs
	}

	assert.Empty(t, hammer(repo), "no statement fails while the mode is found")
	_, _, modes := seen.seen()
	if pooled {
		assert.Equal(t, postgres.ModeUnnamed, serving.Mode())
		assert.Equal(t, []string{"prepared→unnamed"}, modes, "one switch, reported once")
	} else {
		assert.Equal(t, postgres.ModePrepared, serving.Mode())
		assert.Empty(t, modes)
	}

	forced := db.ServingDBWith(t, func(c *postgres.Config) { c.Mode = postgres.ModePrepared })
	for _, err := range hammer(postgres.NewScopedRepository(forced, usersTable())) {
		require.ErrorIs(t, err, fault.ErrUnavailable, "forced prepared behind a pooler: unavailable, never internal")
	}
	assert.Equal(t, postgres.ModePrepared, forced.Mode(), "a forced mode never switches")
}

// In prepared mode a statement is parsed once per connection and then executed by name: every
// statement the connection remembers as prepared is on the server under that name.
func TestPreparedStatementsAreExecutedByName(t *testing.T) {
	if os.Getenv(pgtest.PoolerEnv) != "" {
		t.Skip("behind a pooler the default mode is unnamed (TestStatementModeFollowsThePooler)")
	}
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)
	for _, mode := range []postgres.ExecMode{postgres.ModeAuto, postgres.ModePrepared} {
		serving := db.ServingDBWith(t, func(c *postgres.Config) { c.Mode = mode; c.MaxConns = 1 })
		repo := postgres.NewScopedRepository(serving, usersTable())
		for range 3 {
			_, err := repo.ListForTenant(ctx, tc, portsPage(5))
			require.NoError(t, err)
			_, err = repo.Count(ctx, tc, sq.Expr("email <> ?", "w"))
			require.NoError(t, err)
		}
		remembered, onServer, err := postgres.PreparedOnServer(ctx, serving)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, len(remembered), 2, "%s: the list and the count (and the settings statement, but on Citus)", mode)
		assert.NotContains(t, remembered, "", "%s: a statement remembered without its name is parsed again every time", mode)
		assert.Equal(t, remembered, onServer, "%s: what the connection remembers is on the server", mode)
	}
}

// A serving DB (RequireBinding) refuses a tenant transaction whose ctx serves no request and no
// job attempt: a handler that dropped its request's ctx reaches no tenant's data at all.
func TestServingRefusesUnboundTenantTransactions(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)
	var seen refusals
	serving := db.ServingDBWith(t, func(c *postgres.Config) { c.RequireBinding = true; c.Events = seen.events() })
	repo := postgres.NewScopedRepository(serving, usersTable())

	_, err := repo.Count(ctx, tc, nil)
	require.ErrorIs(t, err, tenant.ErrCrossTenant)
	assert.Contains(t, err.Error(), postgres.RuleBound)
	err = serving.InTenant(context.TODO(), tc, func(context.Context) error { return nil })
	require.ErrorIs(t, err, tenant.ErrCrossTenant)
	rules, _, _ := seen.seen()
	assert.Equal(t, []string{postgres.RuleBound, postgres.RuleBound}, rules)

	n, err := repo.Count(tenant.Bind(ctx, tc), tc, nil)
	require.NoError(t, err, "bound to its tenant, the same call is served")
	assert.Equal(t, int64(1), n)
}

// An empty string is written as an empty string, never as NULL; a nil pointer as NULL.
func TestEmptyStringIsNotNull(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)
	db.Migrate(t, append(pgtest.TenantTable("notes", "body text NOT NULL"),
		"GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO tenantcore_app")...)
	notes := postgres.Table[row]{
		Name: "notes", Key: "id", Columns: []string{"id", "body"},
		Scan: func(scan func(...any) error) (row, error) {
			var r row
			return r, scan(&r.tenantID, &r.id, &r.email)
		},
		Values:   func(r row) map[string]any { return map[string]any{"id": r.id, "body": r.email} },
		TenantOf: func(r row) uuid.UUID { return r.tenantID },
		KeyOf:    func(r row) uuid.UUID { return r.id },
		NotFound: fault.ErrNotFound,
	}
	for _, mode := range []postgres.ExecMode{postgres.ModePrepared, postgres.ModeUnnamed} {
		t.Run(string(mode), func(t *testing.T) {
			repo := postgres.NewScopedRepository(db.ServingDBWith(t, func(c *postgres.Config) { c.Mode = mode }), notes)
			created, err := repo.CreateForTenant(ctx, tc, row{tenantID: a.ID(), id: uuid.Must(uuid.NewV7()), email: ""})
			require.NoError(t, err, "body is NOT NULL: an empty string must arrive as one")
			assert.Empty(t, created.email)
			n, err := repo.Count(ctx, tc, sq.Eq{"body": ""})
			require.NoError(t, err)
			assert.Equal(t, int64(1), n)
			n, err = repo.Count(ctx, tc, sq.Expr("body IS NOT DISTINCT FROM ?", (*string)(nil)))
			require.NoError(t, err)
			assert.Equal(t, int64(0), n, "a nil pointer is NULL, and no body is")
			_, err = repo.DeleteWhere(ctx, tc, sq.Eq{"body": ""})
			require.NoError(t, err)
		})
	}
}
