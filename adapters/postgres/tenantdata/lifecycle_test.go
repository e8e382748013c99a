package tenantdata_test

import (
	"bytes"
	"context"
	"os/user"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
)

// Export of B, erasure of B, import of B elsewhere: B's rows are gone from every table, A's and
// C's exports are byte for byte what they were, and the imported B exports to the same files.
func TestExportEraseImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.seed("alpha", 12)
	b := w.seed("bravo", 25)
	w.seed("charlie", 7)

	before := rowsOf(t, w.owner, b)
	require.Equal(t, map[string]int64{"users": 25, "notifications": 25, "attachments": 25, "isolation_probe": 0, "river_job": 25}, before)
	archiveA, archiveB, archiveC := w.export("alpha"), w.export("bravo"), w.export("charlie")

	m := manifestOf(t, archiveB)
	assert.Equal(t, tenantdata.FormatName, m.Format)
	assert.Equal(t, "bravo", m.Tenant.Slug)
	byTable := map[string]int64{}
	var order []string
	for _, tf := range m.Tables {
		byTable[tf.Name] = tf.Rows
		order = append(order, tf.Name)
	}
	assert.Equal(t, before, byTable, "the archive holds exactly the tenant's rows of every table")
	assert.Equal(t, []string{"isolation_probe", "users", "attachments", "notifications", "river_job"}, order,
		"parents before children, by name among equals, the queue last")

	receipt, err := tenantdata.NewEraser(w.admin).Erase(ctx, tenantdata.EraseRequest{
		Slug: "bravo", Confirm: "bravo", By: "ops", Reason: "contract ended, erasure requested"}, nil)
	require.NoError(t, err)
	assert.Equal(t, b, receipt.TenantID)
	assert.NotNil(t, receipt.FinishedAt)
	assert.Equal(t, map[string]int64{"users": 25, "notifications": 25, "attachments": 25, "river_job": 25}, receipt.Rows)

	assert.Zero(t, total(rowsOf(t, w.owner, b)), "no table holds a row of the erased tenant")
	assert.Equal(t, int64(2), tenantCount(t, w.owner))
	assert.Equal(t, tableFiles(t, archiveA), tableFiles(t, w.export("alpha")), "alpha untouched")
	assert.Equal(t, tableFiles(t, archiveC), tableFiles(t, w.export("charlie")), "charlie untouched")

	// Moving the tenant to another deployment: a fresh database of the same schema.
	fresh := pgtest.New(t)
	fresh.Migrate(t, attachmentsTable()...)
	elsewhere := &world{t: t, db: fresh, owner: fresh.OwnerPool(t), admin: adminDB(t, fresh)}
	_, err = tenantdata.NewImporter(elsewhere.admin).Import(ctx, bytes.NewReader(archiveB), "", nil)
	require.NoError(t, err)
	again := elsewhere.export("bravo")
	assert.Equal(t, tableFiles(t, archiveB), tableFiles(t, again), "export, import, export: the same table files")
	assert.Equal(t, m.Tenant, manifestOf(t, again).Tenant)

	// And back home, under its old slug, which the erasure freed.
	_, err = tenantdata.NewImporter(w.admin).Import(ctx, bytes.NewReader(archiveB), "", nil)
	require.NoError(t, err)
	assert.Equal(t, before, rowsOf(t, w.owner, b))
}

func TestReceiptsOutliveTheTenant(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.seed("alpha", 3)
	id := w.seed("bravo", 3)
	_, err := tenantdata.NewEraser(w.admin).Erase(ctx, tenantdata.EraseRequest{
		Slug: "bravo", Confirm: "bravo", By: "ops", Reason: "offboarding"}, nil)
	require.NoError(t, err)

	list, err := tenantdata.Receipts(ctx, w.admin)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, id, list[0].TenantID)
	assert.Equal(t, "ops", list[0].By)
	assert.Equal(t, "offboarding", list[0].Reason)
	assert.Positive(t, list[0].SchemaVersion)

	// The receipt names neither the slug nor the name, and holds no row of the tenant.
	var raw string
	require.NoError(t, w.owner.QueryRow(ctx, `SELECT row_to_json(e)::text FROM tenant_erasures e`).Scan(&raw))
	for _, personal := range []string{"bravo", "BRAVO", "@", "argon2id", "Welcome"} {
		assert.NotContains(t, raw, personal)
	}
}

func TestEraseRefusesWithoutConfirmation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	id := w.seed("bravo", 2)
	me := "ops"
	if u, err := user.Current(); err == nil {
		me = u.Username
	}
	for name, req := range map[string]tenantdata.EraseRequest{
		"confirm differs": {Slug: "bravo", Confirm: "brav", By: me, Reason: "offboarding"},
		"no reason":       {Slug: "bravo", Confirm: "bravo", By: me, Reason: "  "},
		"no operator":     {Slug: "bravo", Confirm: "bravo", Reason: "offboarding"},
	} {
		_, err := tenantdata.NewEraser(w.admin).Erase(ctx, req, nil)
		require.ErrorIs(t, err, tenantdata.ErrConfirm, name)
	}
	assert.Equal(t, int64(8), total(rowsOf(t, w.owner, id)), "nothing erased")
	var active bool
	require.NoError(t, w.owner.QueryRow(ctx, `SELECT is_active FROM tenants WHERE id = $1`, id).Scan(&active))
	assert.True(t, active, "not even deactivated")
}
