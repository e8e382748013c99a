package userdb_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/storetest"
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
	registry := postgres.NewTenantStore(postgres.Wrap(owner, ""))
	w := world{store: userdb.NewStore(db.ServingDB(t)), owner: owner}
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

// assertIsolation is the isolation suite. It runs with both walls, with the application filter
// compiled out (tag tenantcore_nofilter: row-level security alone), and with row-level security
// disabled (the application filter alone): each wall must hold on its own.
// TestConformance runs the conformance kit of tenant-scoped stores on the user store.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Suite[user.User]{
		Table: "users",
		Key:   "id",
		Open:  func(db *postgres.DB) storetest.Store[user.User] { return userdb.NewStore(db) },
		New: func(t testing.TB, tc tenant.Context, n int) user.User {
			e, err := user.ParseEmail(fmt.Sprintf("user%d@example.com", n))
			require.NoError(t, err)
			u, err := user.New(tc, e, "$argon2id$fake")
			require.NoError(t, err)
			return u
		},
		KeyOf:    user.User.ID,
		TenantOf: user.User.TenantID,
		Change:   func(u user.User) user.User { return u.WithPasswordHash("changed") },
		Set:      map[string]any{"is_active": false},
		NotFound: user.ErrNotFound,
		Context:  tenanttest.Context,
	})
}

func TestUserByEmailStaysInTenant(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, pgtest.New(t))
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

	var zero tenant.Context
	_, err = w.store.UserByEmail(ctx, zero, shared)
	require.ErrorIs(t, err, tenant.ErrNoContext)
}

func TestCRUDWithinTenant(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	if db.Citus && !postgres.ApplicationFilter {
		t.Skip("on Citus the application filter is what routes an update's FOR UPDATE read to the tenant's shard; " +
			"this build has it compiled out to test row-level security alone, which the conformance kit does")
	}
	w := newWorld(t, db)

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
