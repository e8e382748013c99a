package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// Store is what the kit exercises: the surface every store inherits by embedding
// *postgres.ScopedRepository[T].
type Store[T any] interface {
	ports.TenantScopedRepository[T]
	Find(ctx context.Context, tc tenant.Context, f postgres.Filter) ([]T, error)
	FindPage(ctx context.Context, tc tenant.Context, where sq.Sqlizer, page ports.PageRequest) (ports.Page[T], error)
	Count(ctx context.Context, tc tenant.Context, where sq.Sqlizer) (int64, error)
	Exists(ctx context.Context, tc tenant.Context, where sq.Sqlizer) (bool, error)
	CreateMany(ctx context.Context, tc tenant.Context, items []T) ([]T, error)
	UpdateWhere(ctx context.Context, tc tenant.Context, where sq.Sqlizer, set map[string]any) (int64, error)
	DeleteWhere(ctx context.Context, tc tenant.Context, where sq.Sqlizer) (int64, error)
}

// Suite describes a store to the kit.
type Suite[T any] struct {
	// Table is the store's table.
	Table string
	// Key is its key column besides tenant_id.
	Key string
	// Open builds the store on a serving DB.
	Open func(db *postgres.DB) Store[T]
	// New returns a new entity of tc's tenant; n makes it unique (emails, names).
	New func(t testing.TB, tc tenant.Context, n int) T
	// Seed, if set, writes what the store's rows depend on (rows of other tables) for tc's tenant
	// before any of its entities is created.
	Seed func(t testing.TB, db *postgres.DB, tc tenant.Context)
	// KeyOf and TenantOf read an entity.
	KeyOf    func(T) uuid.UUID
	TenantOf func(T) uuid.UUID
	// Change returns the entity with some column changed, for updates.
	Change func(T) T
	// Set is a column assignment for bulk updates (UpdateWhere).
	Set map[string]any
	// NotFound is the store's error for a missing row.
	NotFound error
	// Context makes the TenantContext of a tenant the kit created: tenanttest.Context, which only
	// test files may use.
	Context func(testing.TB, tenant.Tenant) tenant.Context
}

// world is two tenants, each with rows of its own.
type world[T any] struct {
	db     pgtest.Database
	store  Store[T]
	a, b   tenant.Context
	rowsA  []T
	rowsB  []T
	suite  Suite[T]
	serial int
}

const rowsPerTenant = 5

// Run runs the kit's subtests on a database of its own. Each names the operation and, when it
// fails, the other tenant's rows it returned or changed.
func Run[T any](t *testing.T, s Suite[T]) {
	t.Helper()
	walls := "both walls"
	if !postgres.ApplicationFilter {
		walls = "row-level security alone"
	}
	t.Run(walls, func(t *testing.T) {
		w := newWorld(t, s)
		check(t, w)
	})
	t.Run("application filter alone", func(t *testing.T) {
		w := newWorld(t, s)
		disableRLS(t, w)
		if !postgres.ApplicationFilter {
			// Neither wall stands in this build: the kit must then see the leak, which proves it
			// is the walls, not the fixtures, that keep tenants apart.
			n, err := w.store.Count(context.Background(), w.a, nil)
			require.NoError(t, err)
			assert.Equal(t, int64(len(w.rowsA)+len(w.rowsB)), n, "with no wall, tenant A counts tenant B's rows")
			return
		}
		check(t, w)
	})
}

func newWorld[T any](t *testing.T, s Suite[T]) *world[T] {
	t.Helper()
	db := pgtest.New(t)
	w := &world[T]{db: db, suite: s, store: s.Open(db.ServingDB(t))}
	registry := postgres.NewTenantStore(db.OwnerDB(t))
	w.a = s.Context(t, createTenant(t, registry, "acme"))
	w.b = s.Context(t, createTenant(t, registry, "globex"))
	for _, tc := range []tenant.Context{w.a, w.b} {
		if s.Seed != nil {
			s.Seed(t, db.ServingDB(t), tc)
		}
	}
	w.rowsA = w.create(t, w.a, rowsPerTenant)
	w.rowsB = w.create(t, w.b, rowsPerTenant)
	return w
}

func createTenant(t *testing.T, registry *postgres.TenantStore, slug string) tenant.Tenant {
	t.Helper()
	tn, err := tenant.New(slug+" Inc", slug)
	require.NoError(t, err)
	tn, err = registry.CreateTenant(context.Background(), tn)
	require.NoError(t, err)
	return tn
}

func (w *world[T]) create(t *testing.T, tc tenant.Context, n int) []T {
	t.Helper()
	items := make([]T, n)
	for i := range items {
		w.serial++
		items[i] = w.suite.New(t, tc, w.serial)
	}
	stored, err := w.store.CreateMany(context.Background(), tc, items)
	require.NoError(t, err, "bulk insert of %d rows for %s", n, tc.TenantSlug())
	require.Len(t, stored, n)
	return stored
}

func disableRLS[T any](t *testing.T, w *world[T]) {
	t.Helper()
	owner := w.db.OwnerPool(t)
	table := pgx.Identifier{w.suite.Table}.Sanitize()
	_, err := owner.Exec(context.Background(), "ALTER TABLE "+table+" NO FORCE ROW LEVEL SECURITY")
	require.NoError(t, err)
	_, err = owner.Exec(context.Background(), "ALTER TABLE "+table+" DISABLE ROW LEVEL SECURITY")
	require.NoError(t, err)
}

func (w *world[T]) keys(items []T) []uuid.UUID {
	out := make([]uuid.UUID, len(items))
	for i, v := range items {
		out[i] = w.suite.KeyOf(v)
	}
	return out
}

// foreign names the rows among got that belong to another tenant than tc's.
func (w *world[T]) foreign(tc tenant.Context, got []T) []string {
	var out []string
	for _, v := range got {
		if owner := w.suite.TenantOf(v); owner != tc.TenantID() {
			out = append(out, fmt.Sprintf("%s %s of tenant %s", w.suite.Table, w.suite.KeyOf(v), owner))
		}
	}
	return out
}

func (w *world[T]) byKey(v T) sq.Sqlizer { return sq.Eq{w.suite.Key: w.suite.KeyOf(v)} }

// unroutable reports Citus refusing a statement because, in the build without the application
// filter, nothing in it names the tenant to route it by: a FOR UPDATE read, or a join, across every
// shard. Row-level security alone still keeps the tenants apart there (the rest of the kit checks
// it), and a refused statement reads and changes nothing. With the filter every scoped statement
// is routed to its tenant's shard, so elsewhere this is always false.
func (w *world[T]) unroutable(t *testing.T, err error) bool {
	t.Helper()
	var pgErr *pgconn.PgError
	if postgres.ApplicationFilter || !w.db.Citus || !errors.As(err, &pgErr) || pgErr.Code != "0A000" ||
		!slices.Contains(citusRoutingRefusals, pgErr.Message) {
		return false
	}
	t.Logf("Citus refuses the statement without the application filter to route it: %s", pgErr.Message)
	return true
}

// citusRoutingRefusals are the messages of Citus 13 refusing a multi-shard statement it cannot
// plan; any other failure fails the kit.
var citusRoutingRefusals = []string{
	"could not run distributed query with FOR UPDATE/SHARE commands",
	"cannot perform distributed planning on this query",
}

// ownerCount counts rows of the table with the login role, past both walls.
func (w *world[T]) ownerCount(t *testing.T, tenantID uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, w.db.OwnerPool(t).QueryRow(context.Background(),
		"SELECT count(*) FROM "+pgx.Identifier{w.suite.Table}.Sanitize()+" WHERE tenant_id = $1", tenantID).Scan(&n))
	return n
}

func check[T any](t *testing.T, w *world[T]) {
	ctx := context.Background()
	victim := w.rowsB[0]
	s := w.store

	t.Run("get", func(t *testing.T) {
		_, err := s.GetForTenant(ctx, w.a, w.suite.KeyOf(victim))
		require.ErrorIs(t, err, w.suite.NotFound, "tenant A got tenant B's %s %s", w.suite.Table, w.suite.KeyOf(victim))
		_, errNone := s.GetForTenant(ctx, w.a, uuid.Must(uuid.NewV7()))
		assert.Equal(t, errNone.Error(), err.Error(), "another tenant's row must look exactly like no row")
		own, err := s.GetForTenant(ctx, w.b, w.suite.KeyOf(victim))
		require.NoError(t, err)
		assert.Equal(t, w.suite.KeyOf(victim), w.suite.KeyOf(own))
	})

	t.Run("list", func(t *testing.T) {
		for _, c := range []struct {
			tc   tenant.Context
			want []T
		}{{w.a, w.rowsA}, {w.b, w.rowsB}} {
			var got []T
			page := ports.PageRequest{Limit: 2}
			for {
				p, err := s.ListForTenant(ctx, c.tc, page)
				require.NoError(t, err)
				got = append(got, p.Items...)
				if p.NextCursor == "" {
					break
				}
				page.Cursor = p.NextCursor
			}
			require.Empty(t, w.foreign(c.tc, got), "list as %s leaked", c.tc.TenantSlug())
			assert.ElementsMatch(t, w.keys(c.want), w.keys(got))
		}
	})

	t.Run("cursor", func(t *testing.T) {
		p, err := s.ListForTenant(ctx, w.b, ports.PageRequest{Limit: 1})
		require.NoError(t, err)
		_, err = s.ListForTenant(ctx, w.a, ports.PageRequest{Limit: 1, Cursor: p.NextCursor})
		require.ErrorIs(t, err, fault.ErrInvalidCursor, "tenant A used tenant B's cursor")
		_, err = s.FindPage(ctx, w.a, nil, ports.PageRequest{Limit: 1, Cursor: p.NextCursor})
		require.ErrorIs(t, err, fault.ErrInvalidCursor, "tenant A used tenant B's cursor")
	})

	t.Run("find", func(t *testing.T) {
		got, err := s.Find(ctx, w.a, postgres.Filter{Where: w.byKey(victim)})
		require.NoError(t, err)
		require.Empty(t, w.foreign(w.a, got), "find by tenant B's key leaked")
		// The caller's OR must not escape the tenant condition.
		got, err = s.Find(ctx, w.a, postgres.Filter{Where: sq.Or{w.byKey(victim), sq.Expr("TRUE")}})
		require.NoError(t, err)
		require.Empty(t, w.foreign(w.a, got), "find with an OR predicate leaked")
		assert.ElementsMatch(t, w.keys(w.rowsA), w.keys(got))
		// Unparenthesized, "tenant_id = $1 AND FALSE OR TRUE" would be every row of every tenant.
		got, err = s.Find(ctx, w.a, postgres.Filter{Where: sq.Expr("FALSE OR TRUE")})
		require.NoError(t, err)
		require.Empty(t, w.foreign(w.a, got), "find with a raw OR expression leaked")
	})

	t.Run("find page", func(t *testing.T) {
		var got []T
		page := ports.PageRequest{Limit: 2}
		for {
			p, err := s.FindPage(ctx, w.a, sq.Or{w.byKey(victim), sq.Expr("TRUE")}, page)
			require.NoError(t, err)
			got = append(got, p.Items...)
			if p.NextCursor == "" {
				break
			}
			page.Cursor = p.NextCursor
		}
		require.Empty(t, w.foreign(w.a, got), "find page leaked")
		assert.ElementsMatch(t, w.keys(w.rowsA), w.keys(got))
	})

	t.Run("count and exists", func(t *testing.T) {
		n, err := s.Count(ctx, w.a, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(len(w.rowsA)), n, "count as tenant A")
		n, err = s.Count(ctx, w.a, sq.Or{w.byKey(victim), sq.Expr("FALSE")})
		require.NoError(t, err)
		assert.Zero(t, n, "count as tenant A matched tenant B's row")
		found, err := s.Exists(ctx, w.a, w.byKey(victim))
		require.NoError(t, err)
		assert.False(t, found, "exists as tenant A saw tenant B's row")
		found, err = s.Exists(ctx, w.b, w.byKey(victim))
		require.NoError(t, err)
		assert.True(t, found)
	})

	t.Run("join", func(t *testing.T) {
		type pair struct{ left, right uuid.UUID }
		got, err := postgres.Query(ctx, w.db.ServingDB(t), w.a, postgres.Select{
			From: w.suite.Table, Alias: "l",
			Columns: []string{"l." + w.suite.Key, "r." + w.suite.Key},
			Joins:   []postgres.Join{{Table: w.suite.Table, Alias: "r", On: sq.Expr("TRUE")}},
		}, func(scan func(...any) error) (pair, error) {
			var p pair
			return p, scan(&p.left, &p.right)
		})
		if w.unroutable(t, err) {
			return
		}
		require.NoError(t, err)
		own := w.keys(w.rowsA)
		for _, p := range got {
			require.True(t, slices.Contains(own, p.left) && slices.Contains(own, p.right),
				"a join as tenant A returned %s of another tenant", p)
		}
		assert.Len(t, got, len(own)*len(own), "each side of the join holds all of tenant A's rows")
	})

	t.Run("update", func(t *testing.T) {
		_, err := s.UpdateForTenant(ctx, w.a, w.suite.KeyOf(victim), func(v T) (T, error) { return w.suite.Change(v), nil })
		if !w.unroutable(t, err) {
			require.ErrorIs(t, err, w.suite.NotFound, "tenant A updated tenant B's row")
		}
		n, err := s.UpdateWhere(ctx, w.a, sq.Or{w.byKey(victim), sq.Expr("FALSE")}, w.suite.Set)
		require.NoError(t, err)
		assert.Zero(t, n, "a bulk update as tenant A touched tenant B's row")
		after, err := s.GetForTenant(ctx, w.b, w.suite.KeyOf(victim))
		require.NoError(t, err)
		assert.Equal(t, victim, after, "tenant B's row changed")
		// An update cannot move a row to another tenant.
		_, err = s.UpdateForTenant(ctx, w.a, w.suite.KeyOf(w.rowsA[0]), func(T) (T, error) { return victim, nil })
		if !w.unroutable(t, err) {
			require.ErrorIs(t, err, tenant.ErrCrossTenant)
		}
		_, err = s.UpdateWhere(ctx, w.a, sq.Expr("TRUE"), map[string]any{"tenant_id": w.b.TenantID()})
		require.ErrorIs(t, err, tenant.ErrCrossTenant)
	})

	t.Run("create", func(t *testing.T) {
		before := w.ownerCount(t, w.b.TenantID())
		intruder := w.suite.New(t, w.b, 1000)
		_, err := s.CreateForTenant(ctx, w.a, intruder)
		require.ErrorIs(t, err, tenant.ErrCrossTenant, "tenant A created a row of tenant B")
		_, err = s.CreateMany(ctx, w.a, []T{w.suite.New(t, w.a, 1001), intruder})
		require.ErrorIs(t, err, tenant.ErrCrossTenant, "a bulk insert as tenant A carried tenant B's row")
		assert.Equal(t, before, w.ownerCount(t, w.b.TenantID()), "tenant B's rows changed")
	})

	t.Run("unit of work", func(t *testing.T) {
		db := w.db.ServingDB(t)
		store := w.suite.Open(db)
		err := db.InTenant(ctx, w.a, func(ctx context.Context) error {
			_, err := store.GetForTenant(ctx, w.b, w.suite.KeyOf(victim))
			return err
		})
		require.ErrorIs(t, err, tenant.ErrCrossTenant, "a unit of work of tenant A ran tenant B's statement")
		err = db.InTenant(ctx, w.a, func(ctx context.Context) error {
			return db.InTenant(ctx, w.b, func(context.Context) error { return nil })
		})
		require.ErrorIs(t, err, tenant.ErrCrossTenant, "a unit of work of tenant A nested one of tenant B")
	})

	t.Run("delete", func(t *testing.T) {
		require.ErrorIs(t, s.DeleteForTenant(ctx, w.a, w.suite.KeyOf(victim)), w.suite.NotFound, "tenant A deleted tenant B's row")
		n, err := s.DeleteWhere(ctx, w.a, sq.Or{w.byKey(victim), sq.Expr("FALSE")})
		require.NoError(t, err)
		assert.Zero(t, n, "a bulk delete as tenant A removed tenant B's row")
		assert.Equal(t, len(w.rowsB), w.ownerCount(t, w.b.TenantID()), "tenant B lost rows")
	})

	t.Run("zero context", func(t *testing.T) {
		var zero tenant.Context
		key := w.suite.KeyOf(w.rowsA[0])
		_, err := s.GetForTenant(ctx, zero, key)
		require.ErrorIs(t, err, tenant.ErrNoContext)
		_, err = s.ListForTenant(ctx, zero, ports.PageRequest{Limit: 1})
		require.ErrorIs(t, err, tenant.ErrNoContext)
		_, err = s.Find(ctx, zero, postgres.Filter{})
		require.ErrorIs(t, err, tenant.ErrNoContext)
		_, err = s.Count(ctx, zero, nil)
		require.ErrorIs(t, err, tenant.ErrNoContext)
		_, err = s.CreateMany(ctx, zero, []T{w.rowsA[0]})
		require.ErrorIs(t, err, tenant.ErrNoContext)
		_, err = s.DeleteWhere(ctx, zero, sq.Expr("TRUE"))
		require.ErrorIs(t, err, tenant.ErrNoContext)
		require.ErrorIs(t, s.DeleteForTenant(ctx, zero, key), tenant.ErrNoContext)
	})
}
