package operator_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// fakeDirectory is an in-memory ports.TenantDirectory.
type fakeDirectory struct {
	mu     sync.Mutex
	bySlug map[string]tenant.Tenant
	byID   map[uuid.UUID]tenant.Tenant
	err    error // when set, every lookup fails with it
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
	if d.err != nil {
		return tenant.Tenant{}, d.err
	}
	t, ok := d.byID[id]
	if !ok {
		return tenant.Tenant{}, tenant.ErrNotFound
	}
	return t, nil
}

// fakeRegistry is an in-memory ports.TenantRegistry that records what the use cases hand it.
type fakeRegistry struct {
	*fakeDirectory
	created   []tenant.Tenant
	setActive []setActiveCall
	listErr   error
}

type setActiveCall struct {
	slug   string
	active bool
}

var _ ports.TenantRegistry = (*fakeRegistry)(nil)

func newFakeRegistry(ts ...tenant.Tenant) *fakeRegistry {
	return &fakeRegistry{fakeDirectory: newFakeDirectory(ts...)}
}

func (r *fakeRegistry) CreateTenant(_ context.Context, t tenant.Tenant) (tenant.Tenant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.created = append(r.created, t)
	if _, taken := r.bySlug[t.Slug().String()]; taken {
		return tenant.Tenant{}, tenant.ErrSlugTaken
	}
	// Like the database, the registry sets the timestamps.
	now := time.Now()
	stored := tenant.UnmarshalFromDatabase(t.ID(), t.Name().String(), t.Slug().String(), t.IsActive(), now, now)
	r.bySlug[t.Slug().String()] = stored
	r.byID[t.ID()] = stored
	return stored, nil
}

func (r *fakeRegistry) SetTenantActive(_ context.Context, slug tenant.Slug, active bool) (tenant.Tenant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.setActive = append(r.setActive, setActiveCall{slug: slug.String(), active: active})
	t, ok := r.bySlug[slug.String()]
	if !ok {
		return tenant.Tenant{}, tenant.ErrNotFound
	}
	changed := tenant.UnmarshalFromDatabase(t.ID(), t.Name().String(), t.Slug().String(), active, t.CreatedAt(), time.Now())
	r.bySlug[slug.String()] = changed
	r.byID[t.ID()] = changed
	return changed, nil
}

func (r *fakeRegistry) ListTenants(_ context.Context) ([]tenant.Tenant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.listErr != nil {
		return nil, r.listErr
	}
	out := make([]tenant.Tenant, 0, len(r.bySlug))
	for _, t := range r.bySlug {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b tenant.Tenant) int { return strings.Compare(a.Slug().String(), b.Slug().String()) })
	return out, nil
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
