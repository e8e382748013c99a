package projectdb

import (
	"context"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// ProjectStore follows the README's recipe: it embeds the scoped repository and joins through
// postgres.Query on the DB the repository holds, which makes no connection: fine.
type ProjectStore struct {
	*postgres.ScopedRepository[int]
}

// WithOwners joins projects and users.
func (s ProjectStore) WithOwners(ctx context.Context, tc tenant.Context) error {
	_, err := postgres.Query(ctx, s.DB(), tc, postgres.Select{From: "projects JOIN users"})
	return err
}

// opener holds connection settings: what it returns is a connection it makes.
type opener struct{ cfg postgres.Config }

func (o opener) Open(ctx context.Context) (*postgres.DB, error) {
	pool, err := postgres.NewPool(ctx, o.cfg) // want `pool-outside-core: postgres.NewPool makes a database connection`
	return postgres.Wrap(pool), err
}

// Reopen makes a new pool through the type holding settings.
func (s ProjectStore) Reopen(ctx context.Context, url string) (*postgres.DB, error) {
	return opener{cfg: postgres.Config{URL: url}}.Open(ctx) // want `pool-outside-core: projectdb.opener.Open makes a database connection`
}

// Another adapter than the HTTP one: a store given a way to make TenantContexts, to read across
// tenants.
type AnyTenantStore struct {
	ProjectStore
	contextFor func(context.Context, string) (tenant.Context, error) // want `tenant-context-capability: field contextFor func\(context.Context, string\) \(tenant.Context, error\) can make a TenantContext`
}
