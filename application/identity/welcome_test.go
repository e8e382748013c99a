package identity_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/domain/notification"
	"github.com/tenantcore/tenantcore/ports"
)

func TestWelcomeStoresOneNotificationPerUser(t *testing.T) {
	ctx := context.Background()
	acme := mustTenantContext(t, "Acme", "acme")
	globex := mustTenantContext(t, "Globex", "globex")
	ada := storedUser(acme, "ada@example.com", acmePassword, true)
	gone := storedUser(acme, "gone@example.com", acmePassword, false)
	notes := newFakeNotifications()
	welcome := identity.NewWelcome(newFakeUsers(ada, gone), notes)

	require.NoError(t, welcome.Handle(ctx, acme, identity.WelcomeJob{UserID: ada.ID()}))
	require.NoError(t, welcome.Handle(ctx, acme, identity.WelcomeJob{UserID: ada.ID()}), "a second run is not an error")
	got, err := notes.NotificationsOf(ctx, acme, ada.ID())
	require.NoError(t, err)
	require.Len(t, got, 1, "one welcome, however often the job runs")
	assert.Equal(t, notification.KindWelcome, got[0].Kind())
	assert.Equal(t, "ada@example.com", got[0].Recipient())
	assert.Equal(t, "Welcome to acme", got[0].Subject(), "named after the job's tenant")

	require.NoError(t, welcome.Handle(ctx, acme, identity.WelcomeJob{UserID: gone.ID()}))
	require.NoError(t, welcome.Handle(ctx, acme, identity.WelcomeJob{UserID: uuid.Must(uuid.NewV7())}))
	require.NoError(t, welcome.Handle(ctx, globex, identity.WelcomeJob{UserID: ada.ID()}), "another tenant's user is nobody here")
	all, err := notes.ListForTenant(ctx, acme, ports.PageRequest{Limit: 10})
	require.NoError(t, err)
	assert.Len(t, all.Items, 1, "no welcome for an inactive or unknown user")
	other, err := notes.ListForTenant(ctx, globex, ports.PageRequest{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, other.Items)
}
