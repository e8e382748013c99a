package userdb_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/userdb"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// world is two tenants with users of their own, one email present in both.
type world struct {
	store  *userdb.Store
	owner  *pgxpool.Pool
	a, b   tenant.Context
	usersA []user.User
	usersB []user.User
}

const sharedEmail = "shared@example.com"

func newWorld(t testing.TB, db pgtest.Database) world {
	t.Helper()
	owner := db.OwnerPool(t)
	registry := postgres.NewTenantStore(postgres.Wrap(owner))
	w := world{store: userdb.NewStore(postgres.Wrap(db.ServingPool(t))), owner: owner}
	w.a = createTenant(t, registry, "acme")
	w.b = createTenant(t, registry, "globex")
	for i := range 5 {
		w.usersA = append(w.usersA, createUser(t, w.store, w.a, fmt.Sprintf("a%d@example.com", i)))
	}
	for i := range 4 {
		w.usersB = append(w.usersB, createUser(t, w.store, w.b, fmt.Sprintf("b%d@example.com", i)))
	}
	w.usersA = append(w.usersA, createUser(t, w.store, w.a, sharedEmail))
	w.usersB = append(w.usersB, createUser(t, w.store, w.b, sharedEmail))
	return w
}

func createTenant(t testing.TB, registry *postgres.TenantStore, slug string) tenant.Context {
	t.Helper()
	tn, err := tenant.New(slug+" Inc", slug)
	require.NoError(t, err)
	tn, err = registry.CreateTenant(context.Background(), tn)
	require.NoError(t, err)
	return tenanttest.Context(t, tn)
}

func createUser(t testing.TB, store *userdb.Store, tc tenant.Context, email string) user.User {
	t.Helper()
	e, err := user.ParseEmail(email)
	require.NoError(t, err)
	u, err := user.New(tc, e, "$argon2id$fake-hash-for-"+email)
	require.NoError(t, err)
	u, err = store.CreateForTenant(context.Background(), tc, u)
	require.NoError(t, err)
	return u
}

func ids(users []user.User) []uuid.UUID {
	out := make([]uuid.UUID, len(users))
	for i, u := range users {
		out[i] = u.ID()
	}
	return out
}

// assertIsolation is the isolation suite. It runs with both walls, with the application filter
// compiled out (tag tenantcore_nofilter: row-level security alone), and with row-level security
// disabled (the application filter alone): each wall must hold on its own.
func assertIsolation(t *testing.T, w world) {
	ctx := context.Background()

	t.Run("list returns exactly the tenant's own rows, across pages", func(t *testing.T) {
		for _, c := range []struct {
			tc   tenant.Context
			want []user.User
		}{{w.a, w.usersA}, {w.b, w.usersB}} {
			var got []uuid.UUID
			page := ports.PageRequest{Limit: 2}
			for {
				p, err := w.store.ListForTenant(ctx, c.tc, page)
				require.NoError(t, err)
				for _, u := range p.Items {
					assert.Equal(t, c.tc.TenantID(), u.TenantID())
					got = append(got, u.ID())
				}
				if p.NextCursor == "" {
					break
				}
				page.Cursor = p.NextCursor
			}
			assert.ElementsMatch(t, ids(c.want), got)
		}
	})

	t.Run("get of another tenant's row is not found", func(t *testing.T) {
		for _, u := range w.usersB {
			_, err := w.store.GetForTenant(ctx, w.a, u.ID())
			require.ErrorIs(t, err, user.ErrNotFound)
			require.ErrorIs(t, err, fault.ErrNotFound)
		}
		got, err := w.store.GetForTenant(ctx, w.b, w.usersB[0].ID())
		require.NoError(t, err)
		assert.Equal(t, w.usersB[0].Email(), got.Email())
	})

	t.Run("not found elsewhere is indistinguishable from not found at all", func(t *testing.T) {
		_, errOther := w.store.GetForTenant(ctx, w.a, w.usersB[0].ID())
		_, errNone := w.store.GetForTenant(ctx, w.a, uuid.Must(uuid.NewV7()))
		// Named rather than a nil dereference when a wall is missing (a table exempted from the
		// self-check, in the RLS-alone run).
		require.Error(t, errOther, "tenant A found tenant B's row: no wall stands between them")
		require.Error(t, errNone)
		assert.Equal(t, errNone.Error(), errOther.Error())
	})

	t.Run("lookup by email stays in the tenant", func(t *testing.T) {
		email, err := user.ParseEmail("b0@example.com")
		require.NoError(t, err)
		_, err = w.store.UserByEmail(ctx, w.a, email)
		require.ErrorIs(t, err, user.ErrNotFound)

		shared, err := user.ParseEmail(sharedEmail)
		require.NoError(t, err)
		ua, err := w.store.UserByEmail(ctx, w.a, shared)
		require.NoError(t, err)
		ub, err := w.store.UserByEmail(ctx, w.b, shared)
		require.NoError(t, err)
		assert.NotEqual(t, ua.ID(), ub.ID())
		assert.Equal(t, w.a.TenantID(), ua.TenantID())
		assert.Equal(t, w.b.TenantID(), ub.TenantID())
	})

	t.Run("update of another tenant's row is not found and changes nothing", func(t *testing.T) {
		victim := w.usersB[1]
		_, err := w.store.UpdateForTenant(ctx, w.a, victim.ID(), func(u user.User) (user.User, error) {
			return u.WithPasswordHash("stolen"), nil
		})
		require.ErrorIs(t, err, user.ErrNotFound)
		after, err := w.store.GetForTenant(ctx, w.b, victim.ID())
		require.NoError(t, err)
		assert.Equal(t, victim.PasswordHash(), after.PasswordHash())
		assert.Equal(t, victim.UpdatedAt(), after.UpdatedAt())
	})

	t.Run("delete of another tenant's row is not found and deletes nothing", func(t *testing.T) {
		victim := w.usersB[2]
		err := w.store.DeleteForTenant(ctx, w.a, victim.ID())
		require.ErrorIs(t, err, user.ErrNotFound)
		_, err = w.store.GetForTenant(ctx, w.b, victim.ID())
		require.NoError(t, err)
	})

	t.Run("an entity of another tenant is refused on create", func(t *testing.T) {
		e, err := user.ParseEmail("intruder@example.com")
		require.NoError(t, err)
		u, err := user.New(w.b, e, "hash")
		require.NoError(t, err)
		_, err = w.store.CreateForTenant(ctx, w.a, u)
		require.ErrorIs(t, err, tenant.ErrCrossTenant)
		_, err = w.store.UserByEmail(ctx, w.b, e)
		require.ErrorIs(t, err, user.ErrNotFound, "nothing was written")
	})

	t.Run("an update cannot move a row to another tenant", func(t *testing.T) {
		own := w.usersA[0]
		_, err := w.store.UpdateForTenant(ctx, w.a, own.ID(), func(u user.User) (user.User, error) {
			return user.UnmarshalFromDatabase(u.ID(), w.b.TenantID(), u.Email().String(), u.PasswordHash(), true, u.CreatedAt(), u.UpdatedAt()), nil
		})
		require.ErrorIs(t, err, tenant.ErrCrossTenant)
		_, err = w.store.GetForTenant(ctx, w.a, own.ID())
		require.NoError(t, err)
	})

	t.Run("a cursor of one tenant is invalid in another", func(t *testing.T) {
		p, err := w.store.ListForTenant(ctx, w.a, ports.PageRequest{Limit: 1})
		require.NoError(t, err)
		require.NotEmpty(t, p.NextCursor)
		_, err = w.store.ListForTenant(ctx, w.b, ports.PageRequest{Limit: 1, Cursor: p.NextCursor})
		require.ErrorIs(t, err, fault.ErrInvalidCursor)
		for _, bad := range []string{"x", "not-a-cursor", p.NextCursor + "A", "%%%"} {
			_, err = w.store.ListForTenant(ctx, w.a, ports.PageRequest{Limit: 1, Cursor: bad})
			require.ErrorIs(t, err, fault.ErrInvalidCursor, bad)
		}
	})

	t.Run("the zero TenantContext is refused by every method", func(t *testing.T) {
		var zero tenant.Context
		_, err := w.store.ListForTenant(ctx, zero, ports.PageRequest{Limit: 1})
		require.ErrorIs(t, err, tenant.ErrNoContext)
		_, err = w.store.GetForTenant(ctx, zero, w.usersA[0].ID())
		require.ErrorIs(t, err, tenant.ErrNoContext)
		_, err = w.store.CreateForTenant(ctx, zero, w.usersA[0])
		require.ErrorIs(t, err, tenant.ErrNoContext)
		_, err = w.store.UpdateForTenant(ctx, zero, w.usersA[0].ID(), func(u user.User) (user.User, error) { return u, nil })
		require.ErrorIs(t, err, tenant.ErrNoContext)
		require.ErrorIs(t, w.store.DeleteForTenant(ctx, zero, w.usersA[0].ID()), tenant.ErrNoContext)
		_, err = w.store.UserByEmail(ctx, zero, w.usersA[0].Email())
		require.ErrorIs(t, err, tenant.ErrNoContext)
	})
}

func TestIsolation(t *testing.T) {
	w := newWorld(t, pgtest.New(t))
	assertIsolation(t, w)
}

func TestIsolationWithoutRowLevelSecurity(t *testing.T) {
	db := pgtest.New(t)
	w := newWorld(t, db)
	_, err := w.owner.Exec(context.Background(), "ALTER TABLE users NO FORCE ROW LEVEL SECURITY; ALTER TABLE users DISABLE ROW LEVEL SECURITY")
	require.NoError(t, err)
	if !postgres.ApplicationFilter {
		// Both walls are down in this build: the suite's own premise must then visibly break,
		// which proves it is the walls, not the fixtures, that keep tenants apart.
		p, err := w.store.ListForTenant(context.Background(), w.a, ports.PageRequest{Limit: ports.MaxPageLimit})
		require.NoError(t, err)
		assert.Len(t, p.Items, len(w.usersA)+len(w.usersB), "with no wall, tenant A sees tenant B's rows")
		return
	}
	assertIsolation(t, w)
}

func TestCRUDWithinTenant(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, pgtest.New(t))

	u := w.usersA[0]
	updated, err := w.store.UpdateForTenant(ctx, w.a, u.ID(), func(u user.User) (user.User, error) {
		return u.Deactivate(), nil
	})
	require.NoError(t, err)
	assert.False(t, updated.IsActive())
	assert.True(t, updated.UpdatedAt().After(u.UpdatedAt()) || updated.UpdatedAt().Equal(u.UpdatedAt()))

	_, err = w.store.UpdateForTenant(ctx, w.a, u.ID(), func(user.User) (user.User, error) {
		return user.User{}, fault.ErrInvalidInput
	})
	require.ErrorIs(t, err, fault.ErrInvalidInput, "the change's error is returned and nothing is written")

	require.NoError(t, w.store.DeleteForTenant(ctx, w.a, u.ID()))
	_, err = w.store.GetForTenant(ctx, w.a, u.ID())
	require.ErrorIs(t, err, user.ErrNotFound)
	require.ErrorIs(t, w.store.DeleteForTenant(ctx, w.a, u.ID()), user.ErrNotFound)

	dup, err := user.New(w.a, w.usersA[1].Email(), "hash")
	require.NoError(t, err)
	_, err = w.store.CreateForTenant(ctx, w.a, dup)
	require.ErrorIs(t, err, user.ErrEmailTaken)

	p, err := w.store.ListForTenant(ctx, w.a, ports.PageRequest{Limit: ports.MaxPageLimit})
	require.NoError(t, err)
	assert.Empty(t, p.NextCursor)
	assert.True(t, slices.IsSortedFunc(p.Items, func(x, y user.User) int {
		xid, yid := x.ID(), y.ID()
		return bytes.Compare(xid[:], yid[:])
	}), "keyset order")
	_, err = w.store.ListForTenant(ctx, w.a, ports.PageRequest{Limit: ports.MaxPageLimit + 1})
	require.ErrorIs(t, err, fault.ErrInvalidInput)
}
