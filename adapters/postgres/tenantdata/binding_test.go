package tenantdata_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

// Work bound to one tenant (a request, a job attempt) cannot export, erase or import another.
func TestBoundWorkReachesOnlyItsTenant(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.seed("alpha", 2)
	w.seed("bravo", 2)
	slug, err := tenant.ParseSlug("alpha")
	require.NoError(t, err)
	alpha, err := postgres.NewTenantStore(w.admin).TenantBySlug(ctx, slug)
	require.NoError(t, err)
	bound := tenant.Bind(ctx, tenanttest.Context(t, alpha))

	var buf bytes.Buffer
	_, err = tenantdata.NewExporter(w.admin).Export(bound, "bravo", &buf, nil)
	require.ErrorIs(t, err, tenant.ErrCrossTenant)
	_, err = tenantdata.NewEraser(w.admin).Erase(bound, tenantdata.EraseRequest{Slug: "bravo", Confirm: "bravo", By: "ops", Reason: "offboarding"}, nil)
	require.ErrorIs(t, err, tenant.ErrCrossTenant)
	require.Equal(t, int64(8), total(rowsOf(t, w.owner, w.ids["bravo"])), "nothing of bravo erased")
	var active bool
	require.NoError(t, w.owner.QueryRow(ctx, `SELECT is_active FROM tenants WHERE slug = 'bravo'`).Scan(&active))
	require.True(t, active, "not even deactivated")
	list, err := tenantdata.Receipts(ctx, w.admin)
	require.NoError(t, err)
	require.Empty(t, list, "no receipt opened")

	_, err = tenantdata.NewExporter(w.admin).Export(bound, "alpha", &buf, nil)
	require.NoError(t, err, "its own tenant")
}
