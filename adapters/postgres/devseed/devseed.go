// Package devseed fills a development or benchmark database with many tenants and users, fast
// (COPY). Writing users of thousands of tenants at once is cross-tenant work, so it is the one
// caller of the cross-tenant escape hatch, with a stated reason.
package devseed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/crosstenant"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Options says how much to seed.
type Options struct {
	Tenants        int
	UsersPerTenant int
	// Prefix starts every seeded slug: <prefix>-<n>.
	Prefix string
	// PasswordHash is stored for every seeded user: hashing a million passwords would take hours.
	PasswordHash string
}

// Bounds of one seed: beyond them a count is a typo, and a product past int would wrap.
const (
	MaxTenants        = 1_000_000
	MaxUsersPerTenant = 1_000_000
	MaxUsers          = 10_000_000
)

// Validate checks the options before anything is written; the error is one line naming the
// offending option.
func (o Options) Validate() error {
	switch {
	case o.Tenants < 1 || o.Tenants > MaxTenants:
		return fmt.Errorf("tenants: %d is not between 1 and %d", o.Tenants, MaxTenants)
	case o.UsersPerTenant < 0 || o.UsersPerTenant > MaxUsersPerTenant:
		return fmt.Errorf("users per tenant: %d is not between 0 and %d", o.UsersPerTenant, MaxUsersPerTenant)
	case o.UsersPerTenant > MaxUsers/o.Tenants:
		return fmt.Errorf("tenants × users per tenant: %d × %d exceeds %d users", o.Tenants, o.UsersPerTenant, MaxUsers)
	}
	for _, n := range []int{1, o.Tenants} {
		slug := slugOf(o.prefix(), n)
		parsed, err := tenant.ParseSlug(slug)
		if err != nil {
			return fmt.Errorf("prefix: %w", err)
		}
		// ParseSlug folds ASCII case, as a request's identifier is folded; the database stores
		// only the folded form, so a prefix that needs folding would fail there instead.
		if parsed.String() != slug {
			return fmt.Errorf("prefix: %q is not lower-case; slugs are written in a-z, 0-9 and -", o.prefix())
		}
	}
	return nil
}

func (o Options) prefix() string {
	if o.Prefix == "" {
		return "seed"
	}
	return o.Prefix
}

func slugOf(prefix string, n int) string { return fmt.Sprintf("%s-%05d", prefix, n) }

// Result counts what was written.
type Result struct {
	Tenants, Users int
	Elapsed        time.Duration
}

// Seeder writes seed data with the login role.
type Seeder struct {
	pool   *pgxpool.Pool
	runner *crosstenant.Runner
}

// Open connects with cfg, which must use the login role (Role empty).
func Open(ctx context.Context, cfg postgres.Config, log *zap.Logger) (*Seeder, error) {
	//tenantlint:allow pool-outside-core: the dev seed bulk-loads every tenant as the login role, only through the allowlisted cross-tenant runner; only the dev seed command and benchmarks call it
	pool, err := postgres.NewPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	runner, err := crosstenant.New(pool, log, prometheus.NewRegistry())
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Seeder{pool: pool, runner: runner}, nil
}

// Close closes the connections.
func (s *Seeder) Close() { s.pool.Close() }

// Seed writes the tenants, then their users with COPY in one cross-tenant transaction. Options
// are validated before anything is written; if the users cannot be written, the tenants just
// written are removed again, so that a failed seed leaves nothing behind.
func (s *Seeder) Seed(ctx context.Context, o Options) (Result, error) {
	start := time.Now()
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	if o.PasswordHash == "" {
		return Result{}, errors.New("seed needs a password hash")
	}
	o.Prefix = o.prefix()
	tenantIDs := make([]uuid.UUID, o.Tenants)
	rows := make([][]any, o.Tenants)
	for i := range o.Tenants {
		id, err := uuid.NewV7()
		if err != nil {
			return Result{}, fmt.Errorf("tenant id: %w", err)
		}
		tenantIDs[i] = id
		rows[i] = []any{id, slugOf(o.Prefix, i+1), fmt.Sprintf("Seed tenant %d", i+1)}
	}
	// The tenants table is not tenant-scoped; the login role writes it directly.
	if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{"tenants"}, []string{"id", "slug", "name"}, pgx.CopyFromRows(rows)); err != nil {
		return Result{}, postgres.Translate(fmt.Errorf("copy tenants: %w", err))
	}
	users := o.Tenants * o.UsersPerTenant
	err := s.runner.AcrossTenants(ctx, "development seed writes the users of many tenants in one COPY",
		func(ctx context.Context, tx pgx.Tx) error {
			src := &userRows{tenants: tenantIDs, perTenant: o.UsersPerTenant, hash: o.PasswordHash, prefix: o.Prefix}
			n, err := tx.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"tenant_id", "id", "email", "password_hash"}, src)
			if err != nil {
				return fmt.Errorf("copy users: %w", err)
			}
			if n != int64(users) {
				return fmt.Errorf("copied %d users, want %d", n, users)
			}
			return nil
		})
	if err != nil {
		return Result{}, errors.Join(err, s.removeTenants(ctx, tenantIDs))
	}
	return Result{Tenants: o.Tenants, Users: users, Elapsed: time.Since(start)}, nil
}

// removeTenants undoes the tenants of a seed whose users failed; it runs even when ctx was
// canceled (an interrupted seed), within a bound of its own.
func (s *Seeder) removeTenants(ctx context.Context, ids []uuid.UUID) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if _, err := s.pool.Exec(ctx, "DELETE FROM tenants WHERE id = ANY($1)", ids); err != nil {
		return postgres.Translate(fmt.Errorf("remove the seeded tenants: %w", err))
	}
	return nil
}

// userRows streams users to COPY without holding a million rows in memory.
type userRows struct {
	tenants   []uuid.UUID
	perTenant int
	hash      string
	prefix    string
	i         int
	err       error
	row       []any
}

func (u *userRows) Next() bool {
	if u.i >= len(u.tenants)*u.perTenant {
		return false
	}
	t, n := u.i/u.perTenant, u.i%u.perTenant
	id, err := uuid.NewV7()
	if err != nil {
		u.err = err
		return false
	}
	u.row = []any{u.tenants[t], id, fmt.Sprintf("user%03d@%s.example.com", n+1, slugOf(u.prefix, t+1)), u.hash}
	u.i++
	return true
}

func (u *userRows) Values() ([]any, error) { return u.row, nil }

func (u *userRows) Err() error { return u.err }
