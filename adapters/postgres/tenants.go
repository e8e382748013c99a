package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

var tenantColumns = []string{"id", "slug", "name", "is_active", "created_at", "updated_at"}

// TenantStore reads and writes the tenants table. The table is the one shared, unscoped table
// (ADR-001): it is how a request's tenant is found before anything can be scoped to it. Its
// statements run in transactions with no tenant set; on the serving DB only the reads are granted,
// and administration runs on the administrative DB with the login role.
type TenantStore struct {
	db       *DB
	announce *tenantAnnouncer
}

var _ ports.TenantRegistry = (*TenantStore)(nil)

// NewTenantStore returns a store on db.
func NewTenantStore(db *DB) *TenantStore {
	return &TenantStore{db: db, announce: &tenantAnnouncer{db: db}}
}

// TenantBySlug implements ports.TenantDirectory.
func (s *TenantStore) TenantBySlug(ctx context.Context, slug tenant.Slug) (tenant.Tenant, error) {
	return s.one(ctx, "lookup", psql.Select(tenantColumns...).From("tenants").Where(sq.Eq{"slug": slug.String()}))
}

// TenantByID implements ports.TenantDirectory.
func (s *TenantStore) TenantByID(ctx context.Context, id uuid.UUID) (tenant.Tenant, error) {
	return s.one(ctx, "lookup", psql.Select(tenantColumns...).From("tenants").Where(sq.Eq{"id": id}))
}

// tenantConflicts maps the unique constraints of tenants to their domain errors.
var tenantConflicts = map[string]error{"tenants_slug_key": tenant.ErrSlugTaken}

// CreateTenant implements ports.TenantRegistry.
func (s *TenantStore) CreateTenant(ctx context.Context, t tenant.Tenant) (tenant.Tenant, error) {
	q := psql.Insert("tenants").
		Columns("id", "slug", "name", "is_active").
		Values(t.ID(), t.Slug().String(), t.Name().String(), t.IsActive()).
		Suffix("RETURNING " + strings.Join(tenantColumns, ", "))
	created, err := s.one(ctx, "insert", q)
	if err != nil {
		return tenant.Tenant{}, err
	}
	return created, s.announce.announce(ctx, created.ID(), created.Slug().String(), "")
}

// SetTenantActive implements ports.TenantRegistry.
func (s *TenantStore) SetTenantActive(ctx context.Context, slug tenant.Slug, active bool) (tenant.Tenant, error) {
	changed, err := s.one(ctx, "update", psql.Update("tenants").Set("is_active", active).
		Where(sq.Eq{"slug": slug.String()}).Suffix("RETURNING "+strings.Join(tenantColumns, ", ")))
	if err != nil {
		return tenant.Tenant{}, err
	}
	return changed, s.announce.announce(ctx, changed.ID(), changed.Slug().String(), changed.Slug().String())
}

// ListTenants implements ports.TenantRegistry.
func (s *TenantStore) ListTenants(ctx context.Context) ([]tenant.Tenant, error) {
	return s.list(ctx, "list", psql.Select(tenantColumns...).From("tenants").OrderBy("slug"))
}

func (s *TenantStore) one(ctx context.Context, op string, q sq.Sqlizer) (tenant.Tenant, error) {
	list, err := s.list(ctx, op, q)
	switch {
	case err != nil:
		return tenant.Tenant{}, err
	case len(list) == 0:
		return tenant.Tenant{}, tenant.ErrNotFound
	}
	return list[0], nil
}

func (s *TenantStore) list(ctx context.Context, op string, q sq.Sqlizer) ([]tenant.Tenant, error) {
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, fmt.Errorf("postgres %s tenants: build statement: %w", op, err)
	}
	var out []tenant.Tenant
	err = s.db.run(ctx, uuid.Nil, statement{sql: sql, args: args, rows: func(scan func(...any) error) error {
		t, err := scanTenant(scan)
		if err == nil {
			out = append(out, t)
		}
		return err
	}})
	return out, translateConstraint(op, "tenants", tenantConflicts, nil, err)
}

func scanTenant(scan func(...any) error) (tenant.Tenant, error) {
	var (
		id                   uuid.UUID
		slug, name           string
		active               bool
		createdAt, updatedAt time.Time
	)
	if err := scan(&id, &slug, &name, &active, &createdAt, &updatedAt); err != nil {
		return tenant.Tenant{}, err
	}
	return tenant.UnmarshalFromDatabase(id, name, slug, active, createdAt, updatedAt), nil
}
