package operator_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// recordingLog is an in-memory ports.SystemAccessLog.
type recordingLog struct {
	mu      sync.Mutex
	entries []string // "slug: reason"
}

var _ ports.SystemAccessLog = (*recordingLog)(nil)

func (l *recordingLog) SystemTenantContext(_ context.Context, t tenant.Tenant, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, t.Slug().String()+": "+reason)
}

func TestSystemContext(t *testing.T) {
	acme := mustTenant(t, "Acme", "acme")
	gone := inactiveTenant("Gone", "gone")

	tests := []struct {
		name    string
		get     func(*operator.System) (tenant.Context, error)
		dirErr  error
		want    tenant.Tenant
		wantErr error
	}{
		{name: "by slug", get: bySlug("acme", "user create"), want: acme},
		{name: "by slug, folded", get: bySlug("ACME", "user create"), want: acme},
		{name: "by id", get: byID(acme.ID(), "retention"), want: acme},
		{name: "inactive by slug", get: bySlug("gone", "user create"), wantErr: tenant.ErrInactive},
		{name: "inactive by id", get: byID(gone.ID(), "retention"), wantErr: tenant.ErrInactive},
		{name: "unknown slug", get: bySlug("nobody", "user create"), wantErr: tenant.ErrNotFound},
		{name: "unknown id", get: byID(uuid.New(), "retention"), wantErr: tenant.ErrNotFound},
		{name: "malformed slug", get: bySlug("../acme", "user create"), wantErr: tenant.ErrInvalid},
		{name: "nil id", get: byID(uuid.Nil, "retention"), wantErr: tenant.ErrInvalid},
		{name: "no reason", get: bySlug("acme", " "), wantErr: operator.ErrReasonRequired},
		{name: "no reason by id", get: byID(acme.ID(), ""), wantErr: operator.ErrReasonRequired},
		{name: "directory unavailable", get: bySlug("acme", "user create"), dirErr: fault.ErrUnavailable, wantErr: fault.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newFakeDirectory(acme, gone)
			dir.err = tt.dirErr
			log := &recordingLog{}

			tc, err := tt.get(operator.NewSystem(dir, log))

			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.True(t, tc.IsZero())
				assert.Empty(t, log.entries, "a refused Context is not logged as made")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.ID(), tc.TenantID())
			assert.Equal(t, tt.want.Slug(), tc.TenantSlug())
			require.Len(t, log.entries, 1, "every system Context is logged")
			assert.Contains(t, log.entries[0], "acme: ")
		})
	}
}

// The system path reads the directory every time: a tenant deactivated since the last call has no
// Context, whatever an earlier call returned.
func TestSystemContextFollowsDeactivation(t *testing.T) {
	reg := newFakeRegistry(mustTenant(t, "Acme", "acme"))
	sys := operator.NewSystem(reg, &recordingLog{})
	_, err := sys.ContextBySlug(context.Background(), "acme", "job")
	require.NoError(t, err)

	_, err = operator.NewAdmin(reg).SetActive(context.Background(), "acme", false)
	require.NoError(t, err)

	_, err = sys.ContextBySlug(context.Background(), "acme", "job")
	assert.ErrorIs(t, err, tenant.ErrInactive)
}

func bySlug(slug, reason string) func(*operator.System) (tenant.Context, error) {
	return func(s *operator.System) (tenant.Context, error) {
		return s.ContextBySlug(context.Background(), slug, reason)
	}
}

func byID(id uuid.UUID, reason string) func(*operator.System) (tenant.Context, error) {
	return func(s *operator.System) (tenant.Context, error) {
		return s.ContextByID(context.Background(), id, reason)
	}
}

// TestInspectionContextServesADeactivatedTenant: an operator inspecting a tenant's failed jobs
// gets its Context while it is deactivated, logged with the reason like any system Context; an
// unknown or malformed slug and a missing reason are refused as on the ordinary path.
func TestInspectionContextServesADeactivatedTenant(t *testing.T) {
	acme := mustTenant(t, "Acme", "acme")
	gone := inactiveTenant("Gone", "gone")
	for _, want := range []tenant.Tenant{acme, gone} {
		log := &recordingLog{}
		tc, err := operator.NewSystem(newFakeDirectory(acme, gone), log).
			InspectionContextBySlug(context.Background(), want.Slug().String(), "job list")
		require.NoError(t, err)
		assert.Equal(t, want.ID(), tc.TenantID())
		assert.Equal(t, []string{want.Slug().String() + ": job list"}, log.entries)
	}
	for slug, wantErr := range map[string]error{"nobody": tenant.ErrNotFound, "../gone": tenant.ErrInvalid} {
		log := &recordingLog{}
		tc, err := operator.NewSystem(newFakeDirectory(acme, gone), log).InspectionContextBySlug(context.Background(), slug, "job list")
		require.ErrorIs(t, err, wantErr, slug)
		assert.True(t, tc.IsZero())
		assert.Empty(t, log.entries)
	}
	_, err := operator.NewSystem(newFakeDirectory(gone), &recordingLog{}).InspectionContextBySlug(context.Background(), "gone", " ")
	require.ErrorIs(t, err, operator.ErrReasonRequired)
}
