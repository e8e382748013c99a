package jobs_test

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// monthlyReport is a tenant-scoped job: business identifiers only, never a tenant field.
type monthlyReport struct {
	ReportID uuid.UUID `json:"report_id"`
}

func (monthlyReport) Kind() string { return "reports.monthly" }

// purgeExpired is a system job: it belongs to no tenant.
type purgeExpired struct{}

func (purgeExpired) Kind() string { return "maintenance.purge_expired" }

// Each kind is declared tenant-scoped or system where it is registered, once. The runner
// (jobs.New on the serving DB, then Start) runs them; use cases enqueue tenant-scoped jobs through
// ports.JobQueue inside their unit of work.
func Example() {
	reg := jobs.NewRegistry()
	err := jobs.AddTenantKind(reg, jobs.TenantHandler[monthlyReport]{
		// tc is the job's tenant, loaded from the directory for this run only: the stores the
		// handler calls with it run in tenant transactions, as on a request.
		Work: func(_ context.Context, _ tenant.Context, _ monthlyReport) error { return nil },
		// After the last attempt failed, with the same tenant.
		Discarded:   func(_ context.Context, _ tenant.Context, _ monthlyReport, _ error) error { return nil },
		MaxAttempts: 5,
	})
	fmt.Println(err)
	err = jobs.AddSystemKind(reg, jobs.SystemHandler[purgeExpired]{
		// No TenantContext: work across tenants goes through adapters/postgres/crosstenant.
		Work: func(_ context.Context, _ purgeExpired) error { return nil },
	})
	fmt.Println(err)
	fmt.Println(jobs.AddSystemKind(reg, jobs.SystemHandler[monthlyReport]{
		Work: func(context.Context, monthlyReport) error { return nil },
	}))
	// Output:
	// <nil>
	// <nil>
	// jobs: kind "reports.monthly" is registered twice
}
