package postgres_test

import (
	"context"
	"errors"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

func TestUnitOfWork(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)
	serving := db.ServingDB(t)
	repo := postgres.NewScopedRepository(serving, usersTable())
	newRow := func(email string) row { return row{tenantID: a.ID(), id: uuid.Must(uuid.NewV7()), email: email} }
	count := func() int64 {
		n, err := repo.Count(ctx, tc, nil)
		require.NoError(t, err)
		return n
	}
	before := count()

	t.Run("commits every call on nil", func(t *testing.T) {
		err := serving.InTenant(ctx, tc, func(ctx context.Context) error {
			if _, err := repo.CreateForTenant(ctx, tc, newRow("one@example.com")); err != nil {
				return err
			}
			// Nested for the same tenant: joins the outer transaction.
			return serving.InTenant(ctx, tc, func(ctx context.Context) error {
				_, err := repo.CreateForTenant(ctx, tc, newRow("two@example.com"))
				return err
			})
		})
		require.NoError(t, err)
		assert.Equal(t, before+2, count())
	})

	t.Run("rolls back every call on an error", func(t *testing.T) {
		start := count()
		boom := errors.New("boom")
		err := serving.InTenant(ctx, tc, func(ctx context.Context) error {
			if _, err := repo.CreateForTenant(ctx, tc, newRow("three@example.com")); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		assert.Equal(t, start, count(), "nothing of the failed unit was written")
	})

	t.Run("rolls back on a panic and lets it go on", func(t *testing.T) {
		start := count()
		assert.PanicsWithValue(t, "bug", func() {
			_ = serving.InTenant(ctx, tc, func(ctx context.Context) error {
				_, _ = repo.CreateForTenant(ctx, tc, newRow("four@example.com"))
				panic("bug")
			})
		})
		assert.Equal(t, start, count())
	})

	t.Run("a failed statement aborts the unit even when its error is swallowed", func(t *testing.T) {
		start := count()
		err := serving.InTenant(ctx, tc, func(ctx context.Context) error {
			_, _ = repo.CreateForTenant(ctx, tc, newRow("five@example.com"))
			_, _ = repo.CreateForTenant(ctx, tc, newRow("five@example.com")) // unique violation, ignored
			return nil
		})
		require.Error(t, err, "COMMIT of an aborted transaction must not pass for success")
		assert.Equal(t, start, count())
	})

	t.Run("a row locked in a unit is updated atomically", func(t *testing.T) {
		r, err := repo.CreateForTenant(ctx, tc, newRow("six@example.com"))
		require.NoError(t, err)
		n, err := repo.UpdateWhere(ctx, tc, sq.Eq{"id": r.id}, map[string]any{"email": "seven@example.com"})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		got, err := repo.GetForTenant(ctx, tc, r.id)
		require.NoError(t, err)
		assert.Equal(t, "seven@example.com", got.email)
	})
}

// A foreign-key or unique violation is a domain error, never a raw driver error: the table's
// References name it, and an unnamed constraint still maps by what was attempted.
func TestForeignKeyViolationsAreDomainErrors(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)
	db.Migrate(t, append(pgtest.TenantTable("notes", "user_id uuid NOT NULL", "body text NOT NULL"),
		"GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO tenantcore_app",
		"ALTER TABLE notes ADD CONSTRAINT notes_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)")...)

	type note struct{ tenantID, id, userID uuid.UUID }
	unknownUser := fault.New(fault.Invalid, "note.unknown_user", "the note's user does not exist")
	notes := postgres.NewScopedRepository(db.ServingDB(t), postgres.Table[note]{
		Name: "notes", Key: "id", Columns: []string{"id", "user_id"},
		Scan: func(scan func(...any) error) (note, error) {
			var n note
			return n, scan(&n.tenantID, &n.id, &n.userID)
		},
		Values:     func(n note) map[string]any { return map[string]any{"id": n.id, "user_id": n.userID, "body": "x"} },
		TenantOf:   func(n note) uuid.UUID { return n.tenantID },
		KeyOf:      func(n note) uuid.UUID { return n.id },
		References: map[string]error{"notes_user_fkey": unknownUser},
		NotFound:   fault.ErrNotFound,
	})
	users := postgres.NewScopedRepository(db.ServingDB(t), usersTable())

	_, err := notes.CreateForTenant(ctx, tc, note{tenantID: a.ID(), id: uuid.New(), userID: uuid.New()})
	require.ErrorIs(t, err, unknownUser)

	owner, err := users.Find(ctx, tc, postgres.Filter{Limit: 1})
	require.NoError(t, err)
	require.Len(t, owner, 1)
	written := note{tenantID: a.ID(), id: uuid.New(), userID: owner[0].id}
	_, err = notes.CreateForTenant(ctx, tc, written)
	require.NoError(t, err)
	err = users.DeleteForTenant(ctx, tc, owner[0].id)
	require.ErrorIs(t, err, fault.ErrStillReferenced)

	// A unique constraint no domain error names (here the primary key) is a conflict, not an
	// internal error.
	_, err = notes.CreateForTenant(ctx, tc, written)
	require.ErrorIs(t, err, fault.ErrDuplicate)
}
