package logging

import (
	"context"

	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// SystemAccessLog writes one INFO line for each TenantContext made outside a request.
type SystemAccessLog struct {
	log *zap.Logger
}

// NewSystemAccessLog returns the log writing to log.
func NewSystemAccessLog(log *zap.Logger) *SystemAccessLog {
	return &SystemAccessLog{log: log}
}

// SystemTenantContext implements ports.SystemAccessLog.
func (l *SystemAccessLog) SystemTenantContext(_ context.Context, t tenant.Tenant, reason string) {
	l.log.Info("tenant context outside a request",
		zap.String("tenant_id", t.ID().String()),
		zap.String("tenant_slug", t.Slug().String()),
		zap.String("reason", reason))
}
