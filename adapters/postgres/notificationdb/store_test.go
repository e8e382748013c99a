package notificationdb_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/notificationdb"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/userdb"
	"github.com/tenantcore/tenantcore/domain/notification"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/domain/user"
)

func TestWelcomesStayInTheirTenant(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	registry := postgres.NewTenantStore(postgres.Wrap(db.OwnerPool(t), ""))
	serving := db.ServingDB(t)
	users, notes := userdb.NewStore(serving), notificationdb.NewStore(serving)
	newUser := func(slug string) (tenant.Context, user.User) {
		tn, err := tenant.New(slug+" Inc", slug)
		require.NoError(t, err)
		tn, err = registry.CreateTenant(ctx, tn)
		require.NoError(t, err)
		tc := tenanttest.Context(t, tn)
		e, err := user.ParseEmail("ada@" + slug + ".example")
		require.NoError(t, err)
		u, err := user.New(tc, e, "$argon2id$fake")
		require.NoError(t, err)
		u, err = users.CreateForTenant(ctx, tc, u)
		require.NoError(t, err)
		return tc, u
	}
	a, ua := newUser("acme")
	b, ub := newUser("globex")

	for _, w := range []struct {
		tc tenant.Context
		u  user.User
	}{{a, ua}, {b, ub}} {
		n, err := notification.Welcome(w.tc, w.u)
		require.NoError(t, err)
		_, err = notes.CreateForTenant(ctx, w.tc, n)
		require.NoError(t, err)
		again, err := notification.Welcome(w.tc, w.u)
		require.NoError(t, err)
		_, err = notes.CreateForTenant(ctx, w.tc, again)
		require.ErrorIs(t, err, notification.ErrExists, "one welcome per user")
	}

	got, err := notes.NotificationsOf(ctx, a, ua.ID())
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "Welcome to acme", got[0].Subject())
	assert.Equal(t, "ada@acme.example", got[0].Recipient())
	none, err := notes.NotificationsOf(ctx, a, ub.ID())
	require.NoError(t, err)
	assert.Empty(t, none, "acme sees nothing of globex's user")

	// A notification for a user of another tenant, labelled as this tenant's, is refused by the
	// composite foreign key: the user does not exist in this tenant.
	forged, err := notification.Welcome(b, ub)
	require.NoError(t, err)
	relabelled := notification.UnmarshalFromDatabase(forged.ID(), a.TenantID(), ub.ID(), "welcome", "x@y.example", "hi", forged.CreatedAt())
	_, err = notes.CreateForTenant(ctx, a, relabelled)
	require.ErrorIs(t, err, user.ErrNotFound)
}
