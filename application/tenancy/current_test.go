package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

func TestCurrentHandle(t *testing.T) {
	acme := mustTenant(t, "Acme", "acme")
	deleted := mustTenant(t, "Deleted", "deleted")

	tests := []struct {
		name      string
		tc        tenant.Context
		dirErr    error
		want      tenant.Tenant
		wantErr   error
		wantCalls int
	}{
		// The zero context is a programming error and must not reach storage at all.
		{name: "zero context", tc: tenant.Context{}, wantErr: tenant.ErrNoContext, wantCalls: 0},
		{name: "current tenant", tc: mustContext(t, acme), want: acme, wantCalls: 1},
		// A tenant removed after the request was resolved is reported, not invented.
		{name: "tenant gone since resolution", tc: mustContext(t, deleted), wantErr: tenant.ErrNotFound, wantCalls: 1},
		{name: "directory unavailable", tc: mustContext(t, acme), dirErr: fault.ErrUnavailable, wantErr: fault.ErrUnavailable, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newFakeDirectory(acme)
			dir.err = tt.dirErr

			got, err := tenancy.NewCurrent(dir).Handle(context.Background(), tt.tc)

			_, byID := dir.calls()
			assert.Equal(t, tt.wantCalls, byID)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.ID(), got.ID())
			assert.Equal(t, tt.want.Name(), got.Name())
		})
	}
}
