package tenancy_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/ports"
)

// fakeDirectory is an in-memory ports.TenantDirectory. It counts lookups so that tests can prove
// that validation happens before any lookup (a malformed identifier must cost no query).
type fakeDirectory struct {
	mu     sync.Mutex
	bySlug map[string]tenant.Tenant
	byID   map[uuid.UUID]tenant.Tenant
	err    error // when set, every lookup fails with it
	slugs  int   // TenantBySlug calls
	ids    int   // TenantByID calls
}

var _ ports.TenantDirectory = (*fakeDirectory)(nil)

func newFakeDirectory(ts ...tenant.Tenant) *fakeDirectory {
	d := &fakeDirectory{bySlug: map[string]tenant.Tenant{}, byID: map[uuid.UUID]tenant.Tenant{}}
	for _, t := range ts {
		d.put(t)
	}
	return d
}

func (d *fakeDirectory) put(t tenant.Tenant) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.bySlug[t.Slug().String()] = t
	d.byID[t.ID()] = t
}

func (d *fakeDirectory) TenantBySlug(_ context.Context, slug tenant.Slug) (tenant.Tenant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.slugs++
	if d.err != nil {
		return tenant.Tenant{}, d.err
	}
	t, ok := d.bySlug[slug.String()]
	if !ok {
		return tenant.Tenant{}, tenant.ErrNotFound
	}
	return t, nil
}

func (d *fakeDirectory) TenantByID(_ context.Context, id uuid.UUID) (tenant.Tenant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ids++
	if d.err != nil {
		return tenant.Tenant{}, d.err
	}
	t, ok := d.byID[id]
	if !ok {
		return tenant.Tenant{}, tenant.ErrNotFound
	}
	return t, nil
}

// calls returns how many lookups of each kind were made.
func (d *fakeDirectory) calls() (bySlug, byID int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.slugs, d.ids
}

// mustTenant builds an active tenant through the domain constructor, as production code does.
func mustTenant(t testing.TB, name, slug string) tenant.Tenant {
	t.Helper()
	tn, err := tenant.New(name, slug)
	require.NoError(t, err)
	return tn
}

// inactiveTenant builds a deactivated tenant the way a storage adapter would load it.
func inactiveTenant(name, slug string) tenant.Tenant {
	now := time.Now()
	return tenant.UnmarshalFromDatabase(uuid.Must(uuid.NewV7()), name, slug, false, now, now)
}

// mustContext returns the TenantContext of an active tenant.
func mustContext(t testing.TB, tn tenant.Tenant) tenant.Context {
	t.Helper()
	return tenanttest.Context(t, tn)
}
