package devseed_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/devseed"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

func TestValidateRefusesCountsOutOfBounds(t *testing.T) {
	for name, o := range map[string]devseed.Options{
		"tenants = MaxInt64 (the review's input)": {Tenants: math.MaxInt64, UsersPerTenant: 10},
		"no tenant":                              {Tenants: 0, UsersPerTenant: 10},
		"negative tenants":                       {Tenants: -1, UsersPerTenant: 10},
		"negative users":                         {Tenants: 1, UsersPerTenant: -1},
		"users per tenant = MaxInt":              {Tenants: 1, UsersPerTenant: math.MaxInt},
		"product that overflows int":             {Tenants: devseed.MaxTenants, UsersPerTenant: devseed.MaxUsersPerTenant},
		"product past the maximum":               {Tenants: 11, UsersPerTenant: devseed.MaxUsers / 10},
		"prefix that is no slug":                 {Tenants: 1, Prefix: "Bad Prefix"},
		"prefix too long for the last slug":      {Tenants: 100_000, Prefix: strings.Repeat("a", 57)},
		"upper-case prefix (the review's input)": {Tenants: 1, Prefix: "ABC"},
		"mixed-case prefix":                      {Tenants: 2, Prefix: "Seed"},
	} {
		t.Run(name, func(t *testing.T) {
			err := o.Validate()
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	for name, o := range map[string]devseed.Options{
		"one tenant, no user": {Tenants: 1},
		"the maximum product": {Tenants: 10, UsersPerTenant: devseed.MaxUsers / 10},
		"the most tenants":    {Tenants: devseed.MaxTenants, UsersPerTenant: devseed.MaxUsers / devseed.MaxTenants},
	} {
		assert.NoError(t, o.Validate(), name)
	}
}

func open(t *testing.T, db pgtest.Database) *devseed.Seeder {
	t.Helper()
	s, err := devseed.Open(context.Background(), postgres.Config{URL: db.URL, MaxConns: 2}, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s
}

func count(t *testing.T, db pgtest.Database) (tenants, users int) {
	t.Helper()
	owner := db.OwnerPool(t)
	ctx := context.Background()
	require.NoError(t, owner.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&tenants))
	// The owner is subject to forced RLS: count through the maintenance role, which bypasses it.
	tx, err := owner.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, "SET LOCAL ROLE tenantcore_maintenance")
	require.NoError(t, err)
	require.NoError(t, tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&users))
	return tenants, users
}

// TestRefusedSeedWritesNothing feeds the review's inputs to a real database: refused up front,
// nothing written.
func TestRefusedSeedWritesNothing(t *testing.T) {
	db := pgtest.New(t)
	s := open(t, db)
	for _, o := range []devseed.Options{
		{Tenants: math.MaxInt64, UsersPerTenant: 10, PasswordHash: "x"},
		{Tenants: 4, UsersPerTenant: math.MaxInt/2 + 1, PasswordHash: "x"}, // 4 × that wraps to 0 or less
		{Tenants: 3, UsersPerTenant: math.MaxInt / 2, PasswordHash: "x"},
		{Tenants: 2, UsersPerTenant: 1, Prefix: "ABC", PasswordHash: "x"},
	} {
		_, err := s.Seed(context.Background(), o)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "SQLSTATE", "refused before the database is asked")
	}
	tenants, users := count(t, db)
	assert.Zero(t, tenants)
	assert.Zero(t, users)
}

// TestFailedUsersLeaveNoTenantsBehind: when the users cannot be written (here a trigger refuses
// them, as a full disk or a canceled COPY would), the tenants written just before are removed.
func TestFailedUsersLeaveNoTenantsBehind(t *testing.T) {
	db := pgtest.New(t)
	statements := []string{
		`CREATE FUNCTION refuse_user() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'no space left for users'; END $$`,
		`CREATE TRIGGER refuse_user BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION refuse_user()`,
	}
	if db.Citus {
		// Citus refuses triggers on distributed tables unless told the trigger is safe.
		statements = append([]string{"SET LOCAL citus.enable_unsafe_triggers = on"}, statements...)
	}
	err := pgx.BeginFunc(context.Background(), db.OwnerPool(t), func(tx pgx.Tx) error {
		for _, statement := range statements {
			if _, err := tx.Exec(context.Background(), statement); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	_, err = open(t, db).Seed(context.Background(), devseed.Options{Tenants: 5, UsersPerTenant: 3, PasswordHash: "x"})
	require.ErrorContains(t, err, "copy users")
	tenants, users := count(t, db)
	assert.Zero(t, tenants)
	assert.Zero(t, users)
}

func TestSeedWritesWhatItReports(t *testing.T) {
	db := pgtest.New(t)
	res, err := open(t, db).Seed(context.Background(), devseed.Options{Tenants: 7, UsersPerTenant: 3, Prefix: "demo", PasswordHash: "x"})
	require.NoError(t, err)
	assert.Equal(t, 7, res.Tenants)
	assert.Equal(t, 21, res.Users)
	tenants, users := count(t, db)
	assert.Equal(t, 7, tenants)
	assert.Equal(t, 21, users)
}
