package tenantdata_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
)

// The notifications rule (90 days, migration 00007) removes exactly the expired notifications of
// every tenant, inactive ones included, in batches, and nothing else.
func TestRetentionRemovesExactlyTheExpiredRows(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for _, slug := range []string{"alpha", "bravo", "charlie"} {
		w.seed(slug, 20)
	}
	w.exec(`UPDATE tenants SET is_active = false WHERE slug = 'charlie'`)
	// Per tenant: 5 notifications of 120 days, 4 of 91 days, 6 of 89 days, the rest new.
	w.exec(`
UPDATE notifications n SET created_at = now() - CASE WHEN s.i <= 5 THEN interval '120 days'
                                                     WHEN s.i <= 9 THEN interval '91 days'
                                                     WHEN s.i <= 15 THEN interval '89 days' END
FROM (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS i FROM notifications) s
WHERE n.tenant_id = s.tenant_id AND n.id = s.id AND s.i <= 15`)
	var kept []string
	rows, err := w.owner.Query(ctx, `SELECT tenant_id::text || id::text FROM notifications WHERE created_at > now() - interval '90 days' ORDER BY 1`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		kept = append(kept, k)
	}
	require.NoError(t, rows.Err())
	require.Len(t, kept, 3*11)
	others := map[string]int64{}
	for _, slug := range []string{"alpha", "bravo", "charlie"} {
		for table, n := range rowsOf(t, w.owner, w.ids[slug]) {
			if table != "notifications" {
				others[slug+"."+table] = n
			}
		}
	}

	serving := w.db.ServingDB(t)
	reg := prometheus.NewRegistry()
	retention, err := tenantdata.NewRetention(serving, postgres.NewTenantStore(serving), zap.NewNop(), reg)
	require.NoError(t, err)
	retention.Batch = 2 // several transactions per tenant
	removed, err := retention.Enforce(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"notifications": 3 * 9}, removed)

	var after []string
	rows, err = w.owner.Query(ctx, `SELECT tenant_id::text || id::text FROM notifications ORDER BY 1`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		after = append(after, k)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, kept, after, "exactly the expired rows went")
	for _, slug := range []string{"alpha", "bravo", "charlie"} {
		for table, n := range rowsOf(t, w.owner, w.ids[slug]) {
			if table != "notifications" {
				assert.Equal(t, others[slug+"."+table], n, "%s.%s untouched", slug, table)
			}
		}
	}
	assert.InDelta(t, 27, removedMetric(t, reg, "notifications"), 0)

	again, err := retention.Enforce(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"notifications": 0}, again, "nothing more to remove")
}

// A rule naming a table that is not tenant-scoped, or a column that is not a timestamp, is refused
// and counted; the valid rules are still enforced.
func TestRetentionRefusesRulesOutsideTenantTables(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.seed("alpha", 3)
	w.exec(`INSERT INTO tenant_retention_rules (table_name, timestamp_column, keep_for, reason) VALUES
('tenant_erasures', 'started_at', '1 day', 'not tenant data'),
('attachments', 'title', '1 day', 'not a timestamp')`)
	w.exec(`UPDATE notifications SET created_at = now() - interval '1 year'`)
	serving := w.db.ServingDB(t)
	retention, err := tenantdata.NewRetention(serving, postgres.NewTenantStore(serving), zap.NewNop(), prometheus.NewRegistry())
	require.NoError(t, err)
	removed, err := retention.Enforce(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "retention rule of tenant_erasures refused: not a tenant-scoped table")
	assert.Contains(t, err.Error(), `retention rule of attachments refused: "title" is not a timestamp or date column of it`)
	assert.Equal(t, map[string]int64{"notifications": 3}, removed)
}

func removedMetric(t testing.TB, reg *prometheus.Registry, table string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "tenantcore_retention_rows_removed_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "table" && l.GetValue() == table {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no retention counter for %s", table)
	return 0
}
