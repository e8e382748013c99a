package postgres_test

import (
	"context"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// project is a tenant-scoped entity of a feature built on the scoped repository.
type project struct {
	TenantID, ID, OwnerID uuid.UUID
	Name                  string
	Archived              bool
	CreatedAt             time.Time
}

var errProjectNotFound = fault.New(fault.NotFound, "project.not_found", "the project does not exist")

// projectStore embeds the scoped repository: CRUD, Find, FindPage, Count, Exists, CreateMany,
// UpdateWhere and DeleteWhere come with it, every statement confined to the caller's tenant.
type projectStore struct {
	*postgres.ScopedRepository[project]
}

var projectsTable = postgres.Table[project]{
	Name:    "projects",
	Key:     "id",
	Columns: []string{"id", "owner_id", "name", "archived", "created_at"},
	Scan: func(scan func(dest ...any) error) (project, error) {
		var p project
		err := scan(&p.TenantID, &p.ID, &p.OwnerID, &p.Name, &p.Archived, &p.CreatedAt)
		return p, err
	},
	Values: func(p project) map[string]any {
		return map[string]any{"id": p.ID, "owner_id": p.OwnerID, "name": p.Name, "archived": p.Archived}
	},
	TenantOf:   func(p project) uuid.UUID { return p.TenantID },
	KeyOf:      func(p project) uuid.UUID { return p.ID },
	Conflicts:  map[string]error{"projects_name_key": fault.New(fault.Conflict, "project.name_taken", "a project has this name")},
	References: map[string]error{"projects_owner_fkey": fault.New(fault.Invalid, "project.owner_unknown", "the owner is not a user of this tenant")},
	NotFound:   errProjectNotFound,
}

// ActiveOf is a filtered, keyset-paginated list: the repository adds tenant_id = <tenant> and
// keeps the predicate in parentheses.
func (s projectStore) ActiveOf(ctx context.Context, tc tenant.Context, owner uuid.UUID, page ports.PageRequest) (ports.Page[project], error) {
	return s.FindPage(ctx, tc, sq.Eq{"owner_id": owner, "archived": false}, page)
}

// WithOwnerEmails joins users: each joined table is constrained to the tenant as well.
func (s projectStore) WithOwnerEmails(ctx context.Context, tc tenant.Context) ([][2]string, error) {
	return postgres.Query(ctx, s.DB(), tc, postgres.Select{
		From: "projects", Alias: "p",
		Columns: []string{"p.name", "u.email"},
		Joins:   []postgres.Join{{Table: "users", Alias: "u", On: sq.Expr("u.id = p.owner_id")}},
		OrderBy: []string{"p.name"},
	}, func(scan func(...any) error) ([2]string, error) {
		var row [2]string
		return row, scan(&row[0], &row[1])
	})
}

// Example shows a store built on the scoped repository and a use case changing two of its
// aggregates in one tenant transaction through the unit of work.
func Example() {
	ctx := context.Background()
	db, err := postgres.Open(ctx, postgres.Config{URL: "postgres://tenantcore_serving@127.0.0.1:5432/tenantcore", Role: postgres.AppRole})
	if err != nil {
		return
	}
	defer db.Close()
	store := projectStore{postgres.NewScopedRepository(db, projectsTable)}
	var uow ports.UnitOfWork = db

	var tc tenant.Context // on a request: the resolved tenant; in a job: the system path
	from, to := uuid.New(), uuid.New()
	_ = uow.InTenant(ctx, tc, func(ctx context.Context) error {
		// Both updates commit together or not at all; a statement for another tenant inside
		// this function would fail with tenant.ErrCrossTenant.
		if _, err := store.UpdateWhere(ctx, tc, sq.Eq{"owner_id": from}, map[string]any{"owner_id": to}); err != nil {
			return err
		}
		_, err := store.DeleteWhere(ctx, tc, sq.Eq{"archived": true})
		return err
	})
}
