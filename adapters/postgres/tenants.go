package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

var tenantColumns = []string{"id", "slug", "name", "is_active", "created_at", "updated_at"}

// TenantStore reads and writes the tenants table. The table is the one shared, unscoped table
// (ADR-001): it is how a request's tenant is found before anything can be scoped to it. On the
// serving pool only the reads work; administration runs on a pool with the login role.
type TenantStore struct {
	pool *pgxpool.Pool
}

var _ ports.TenantRegistry = (*TenantStore)(nil)

// NewTenantStore returns a store on db.
func NewTenantStore(db *DB) *TenantStore {
	return &TenantStore{pool: db.pool}
}

// TenantBySlug implements ports.TenantDirectory.
func (s *TenantStore) TenantBySlug(ctx context.Context, slug tenant.Slug) (tenant.Tenant, error) {
	return s.one(ctx, psql.Select(tenantColumns...).From("tenants").Where(sq.Eq{"slug": slug.String()}))
}

// TenantByID implements ports.TenantDirectory.
func (s *TenantStore) TenantByID(ctx context.Context, id uuid.UUID) (tenant.Tenant, error) {
	return s.one(ctx, psql.Select(tenantColumns...).From("tenants").Where(sq.Eq{"id": id}))
}

// CreateTenant implements ports.TenantRegistry.
func (s *TenantStore) CreateTenant(ctx context.Context, t tenant.Tenant) (tenant.Tenant, error) {
	q := psql.Insert("tenants").
		Columns("id", "slug", "name", "is_active").
		Values(t.ID(), t.Slug().String(), t.Name().String(), t.IsActive()).
		Suffix("RETURNING " + joinColumns(tenantColumns))
	created, err := s.one(ctx, q)
	if name, ok := uniqueViolation(err); ok && name == "tenants_slug_key" {
		return tenant.Tenant{}, tenant.ErrSlugTaken
	}
	return created, err
}

// SetTenantActive implements ports.TenantRegistry.
func (s *TenantStore) SetTenantActive(ctx context.Context, slug tenant.Slug, active bool) (tenant.Tenant, error) {
	return s.one(ctx, psql.Update("tenants").Set("is_active", active).
		Where(sq.Eq{"slug": slug.String()}).Suffix("RETURNING "+joinColumns(tenantColumns)))
}

// ListTenants implements ports.TenantRegistry.
func (s *TenantStore) ListTenants(ctx context.Context) ([]tenant.Tenant, error) {
	sql, args, err := psql.Select(tenantColumns...).From("tenants").OrderBy("slug").ToSql()
	if err != nil {
		return nil, fmt.Errorf("build tenant list: %w", err)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, Translate(err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tenant.Tenant, error) { return scanTenant(row) })
	return list, Translate(err)
}

func (s *TenantStore) one(ctx context.Context, q sq.Sqlizer) (tenant.Tenant, error) {
	sql, args, err := q.ToSql()
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("build tenant statement: %w", err)
	}
	t, err := scanTenant(s.pool.QueryRow(ctx, sql, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return tenant.Tenant{}, tenant.ErrNotFound
	}
	return t, Translate(err)
}

func scanTenant(row pgx.Row) (tenant.Tenant, error) {
	var (
		id                   uuid.UUID
		slug, name           string
		active               bool
		createdAt, updatedAt time.Time
	)
	if err := row.Scan(&id, &slug, &name, &active, &createdAt, &updatedAt); err != nil {
		return tenant.Tenant{}, err
	}
	return tenant.UnmarshalFromDatabase(id, name, slug, active, createdAt, updatedAt), nil
}
