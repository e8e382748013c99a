package bootstrap_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// serve runs the retention job when its workers start (and hourly after): notifications past the
// 90 days of their rule go, the others stay.
func TestServeEnforcesRetention(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	owner := db.OwnerPool(t)
	id := uuid.Must(uuid.NewV7())
	_, err := owner.Exec(ctx, `INSERT INTO tenants (id, slug, name) VALUES ($1, 'acme', 'Acme')`, id)
	require.NoError(t, err)
	_, err = owner.Exec(ctx, `
INSERT INTO users (tenant_id, id, email, password_hash)
SELECT $1, gen_random_uuid(), 'user' || i || '@acme.example', 'x' FROM generate_series(1, 10) AS i`, id)
	require.NoError(t, err)
	_, err = owner.Exec(ctx, `
INSERT INTO notifications (tenant_id, id, user_id, kind, recipient, subject, created_at)
SELECT tenant_id, gen_random_uuid(), id, 'welcome', email, 'Welcome',
       now() - CASE WHEN row_number() OVER (ORDER BY id) <= 4 THEN interval '91 days' ELSE interval '89 days' END
FROM users`)
	require.NoError(t, err)

	startServiceOn(t, db, map[string]string{"JOB_WORKERS": "2", "JOB_POLL_INTERVAL": "50ms"})

	count := func(sql string) int {
		var n int
		require.NoError(t, owner.QueryRow(ctx, sql).Scan(&n))
		return n
	}
	require.Eventually(t, func() bool { return count(`SELECT count(*) FROM notifications`) == 6 }, 30*time.Second, 50*time.Millisecond,
		"the four expired notifications are removed")
	require.Equal(t, 6, count(`SELECT count(*) FROM notifications WHERE created_at > now() - interval '90 days'`), "the others stay")
}
