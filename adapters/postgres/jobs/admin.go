package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// FailedJob is one of a tenant's jobs that did not complete, as operators see it.
type FailedJob struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	State       string    `json:"state"` // retryable (will run again), discarded (gave up) or cancelled
	Attempt     int       `json:"attempt"`
	MaxAttempts int       `json:"max_attempts"`
	LastError   string    `json:"last_error,omitempty"`
	ScheduledAt time.Time `json:"scheduled_at"`
}

// failedStates are the states of a job that failed at least once and has not since completed.
var failedStates = []rivertype.JobState{rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled}

// maxListed bounds one listing.
const maxListed = 1000

// Failed lists tc's failed jobs, newest first. It reads inside a tenant transaction of tc, so both
// walls apply: the filter on the job's tenant here, and row-level security on the queue table.
func (r *Runner) Failed(ctx context.Context, tc tenant.Context) ([]FailedJob, error) {
	var out []FailedJob
	err := r.db.LendTx(ctx, key, tc, func(ctx context.Context, tx pgx.Tx) error {
		params := river.NewJobListParams().States(failedStates...).First(maxListed).
			OrderBy(river.JobListOrderByID, river.SortOrderDesc).
			Where("args ->> 'tenant_id' = @tenant_id", river.NamedArgs{"tenant_id": tc.TenantID().String()})
		res, err := r.client.JobListTx(ctx, tx, params)
		if err != nil {
			return err
		}
		for _, row := range res.Jobs {
			out = append(out, summarize(row))
		}
		return nil
	})
	return out, err
}

// Retry makes tc's failed job with the id available again, its attempts renewed. Another tenant's
// job is fault.ErrNotFound, exactly like a missing one.
func (r *Runner) Retry(ctx context.Context, tc tenant.Context, id int64) (FailedJob, error) {
	var out FailedJob
	err := r.db.LendTx(ctx, key, tc, func(ctx context.Context, tx pgx.Tx) error {
		params := river.NewJobListParams().IDs(id).States(failedStates...).First(1).
			Where("args ->> 'tenant_id' = @tenant_id", river.NamedArgs{"tenant_id": tc.TenantID().String()})
		res, err := r.client.JobListTx(ctx, tx, params)
		if err != nil {
			return err
		}
		if len(res.Jobs) == 0 {
			return fault.ErrNotFound.WithDetail("the tenant has no failed job with this id")
		}
		row, err := r.client.JobRetryTx(ctx, tx, id)
		if errors.Is(err, rivertype.ErrNotFound) {
			return fault.ErrNotFound.WithDetail("the tenant has no failed job with this id")
		}
		if err != nil {
			return err
		}
		out = summarize(row)
		return nil
	})
	return out, err
}

func summarize(row *rivertype.JobRow) FailedJob {
	f := FailedJob{ID: row.ID, Kind: row.Kind, State: string(row.State), Attempt: row.Attempt,
		MaxAttempts: row.MaxAttempts, ScheduledAt: row.ScheduledAt}
	if n := len(row.Errors); n > 0 {
		f.LastError = row.Errors[n-1].Error
	}
	return f
}
