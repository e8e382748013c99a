package userdb

import (
	"context"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// Store is the PostgreSQL UserRepository.
type Store struct {
	*postgres.ScopedRepository[user.User]
}

var _ ports.UserRepository = (*Store)(nil)

// NewStore returns the user store on the serving pool.
func NewStore(db *postgres.DB) *Store {
	return &Store{ScopedRepository: postgres.NewScopedRepository(db, table)}
}

// UserByEmail implements ports.UserRepository.
func (s *Store) UserByEmail(ctx context.Context, tc tenant.Context, email user.Email) (user.User, error) {
	return s.FindOne(ctx, tc, sq.Eq{"email": email.String()})
}

var table = postgres.Table[user.User]{
	Name:    "users",
	Key:     "id",
	Columns: []string{"id", "email", "password_hash", "is_active", "created_at", "updated_at"},
	Scan: func(scan func(dest ...any) error) (user.User, error) {
		var (
			tenantID, id         uuid.UUID
			email, hash          string
			active               bool
			createdAt, updatedAt time.Time
		)
		if err := scan(&tenantID, &id, &email, &hash, &active, &createdAt, &updatedAt); err != nil {
			return user.User{}, err
		}
		return user.UnmarshalFromDatabase(id, tenantID, email, hash, active, createdAt, updatedAt), nil
	},
	Values: func(u user.User) map[string]any {
		return map[string]any{
			"id":            u.ID(),
			"email":         u.Email().String(),
			"password_hash": u.PasswordHash(),
			"is_active":     u.IsActive(),
		}
	},
	TenantOf:  user.User.TenantID,
	KeyOf:     user.User.ID,
	Conflicts: map[string]error{"users_email_key": user.ErrEmailTaken},
	NotFound:  user.ErrNotFound,
}
