package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/domain/job"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Outcomes of one run of a job, the label of the jobs metric.
const (
	outcomeCompleted      = "completed"
	outcomeFailed         = "failed"    // retried later
	outcomeDiscarded      = "discarded" // the last attempt failed
	outcomeCancelled      = "cancelled"
	outcomeSnoozed        = "snoozed"
	outcomeDeferred       = "deferred" // over its tenant's concurrency cap, waits
	outcomeTenantMissing  = "tenant_missing"
	outcomeTenantInactive = "tenant_inactive"
)

// tenantRun is what a tenant-scoped kind does once its TenantContext exists.
type tenantRun struct {
	work      func(ctx context.Context, tc tenant.Context) error
	discarded func(ctx context.Context, tc tenant.Context, err error) error
}

// runTenantJob runs one attempt of a tenant-scoped job. The tenant comes from the job's arguments
// and nowhere else; before anything runs it is loaded again through the directory:
//   - no such tenant: the job is cancelled (it can never run);
//   - tenant deactivated: the job waits InactiveDelay and is re-checked, without spending an
//     attempt, so it runs once the tenant is active again;
//   - the lookup itself failed: the attempt fails and is retried.
//
// The TenantContext is a local of this call: nothing of it outlives the attempt, so the worker
// goroutine that runs the next job starts with none.
func (r *Runner) runTenantJob(ctx context.Context, row *rivertype.JobRow, tenantID uuid.UUID, run tenantRun) (err error) {
	ctx, span := r.spans.startRun(ctx, row, tenantID)
	defer func() { endSpan(span, attemptOutcome(row, err), err != nil) }()
	log := r.log.With(append([]zap.Field{zap.String("job_kind", row.Kind), zap.Int64("job_id", row.ID),
		zap.String("tenant_id", tenantID.String()), zap.Int("attempt", row.Attempt)}, traceFields(ctx)...)...)
	if tenantID == uuid.Nil {
		r.metrics.outcome(row.Kind, outcomeCancelled)
		log.Error("job cancelled: a tenant-scoped job names no tenant")
		return river.JobCancel(job.ErrTenantRequired)
	}
	if !r.slots.acquire(tenantID) {
		r.metrics.outcome(row.Kind, outcomeDeferred)
		log.Debug("job deferred: its tenant has reached its concurrency cap", zap.Int("cap", r.cfg.TenantConcurrency))
		return river.JobSnooze(r.cfg.DeferDelay)
	}
	defer r.slots.release(tenantID)

	tc, err := r.tenants.ContextByID(ctx, tenantID, "job "+row.Kind+" "+strconv.FormatInt(row.ID, 10))
	switch {
	case errors.Is(err, tenant.ErrNotFound):
		r.metrics.outcome(row.Kind, outcomeTenantMissing)
		log.Warn("job cancelled: its tenant does not exist")
		return river.JobCancel(err)
	case errors.Is(err, tenant.ErrInactive):
		r.metrics.outcome(row.Kind, outcomeTenantInactive)
		log.Warn("job postponed: its tenant is inactive", zap.Duration("recheck_in", r.cfg.InactiveDelay))
		return river.JobSnooze(r.cfg.InactiveDelay)
	case err != nil:
		r.metrics.outcome(row.Kind, outcomeFailed)
		log.Warn("job failed: its tenant could not be loaded", zap.Error(err))
		return err
	}

	// The attempt serves its job's tenant alone: a tenant transaction or an enqueue for any other
	// tenant made with its ctx is refused, whatever the handler read from its arguments.
	ctx = tenant.Bind(ctx, tc)
	started := time.Now()
	err = protect(func() error { return run.work(ctx, tc) })
	return r.finish(ctx, log, row, started, err, func(ctx context.Context, err error) error {
		return run.discarded(ctx, tc, err)
	})
}

// cancelMalformed cancels a job whose stored arguments no attempt can read, at once: retrying
// cannot help. The error, kept on the job row, names what is wrong.
func (r *Runner) cancelMalformed(row *rivertype.JobRow, err error) error {
	r.metrics.outcome(row.Kind, outcomeCancelled)
	r.log.Error("job cancelled: its arguments cannot be read", zap.String("job_kind", row.Kind),
		zap.Int64("job_id", row.ID), zap.Int("attempt", row.Attempt), zap.Error(err))
	return river.JobCancel(err)
}

// runSystemJob runs one attempt of a system job: no tenant, no TenantContext.
func (r *Runner) runSystemJob(ctx context.Context, row *rivertype.JobRow, work func(context.Context) error, discarded func(context.Context, error) error) (err error) {
	ctx, span := r.spans.startRun(ctx, row, uuid.Nil)
	defer func() { endSpan(span, attemptOutcome(row, err), err != nil) }()
	log := r.log.With(append([]zap.Field{zap.String("job_kind", row.Kind), zap.Int64("job_id", row.ID),
		zap.Int("attempt", row.Attempt)}, traceFields(ctx)...)...)
	started := time.Now()
	err = protect(func() error { return work(ctx) })
	return r.finish(ctx, log, row, started, err, discarded)
}

// finish records the attempt's outcome and, after a failed last attempt, runs the kind's
// discarded hook (with the same tenant, for a tenant-scoped kind).
func (r *Runner) finish(ctx context.Context, log *zap.Logger, row *rivertype.JobRow, started time.Time, err error, discarded func(context.Context, error) error) error {
	elapsed := time.Since(started)
	r.metrics.duration(row.Kind, elapsed)
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil:
		r.metrics.outcome(row.Kind, outcomeCompleted)
		log.Debug("job completed", zap.Duration("elapsed", elapsed))
	case errors.As(err, &snooze):
		r.metrics.outcome(row.Kind, outcomeSnoozed)
		log.Info("job snoozed", zap.Duration("for", snooze.Duration))
	case errors.As(err, &cancel):
		r.metrics.outcome(row.Kind, outcomeCancelled)
		log.Warn("job cancelled by its handler", zap.Error(err))
	case row.Attempt >= row.MaxAttempts:
		r.metrics.outcome(row.Kind, outcomeDiscarded)
		log.Error("job discarded: its last attempt failed", zap.Error(err))
		if herr := protect(func() error { return discarded(context.WithoutCancel(ctx), err) }); herr != nil {
			log.Error("job discarded hook failed", zap.Error(herr))
		}
	default:
		r.metrics.outcome(row.Kind, outcomeFailed)
		log.Warn("job attempt failed, will retry", zap.Error(err))
	}
	return err
}

// attemptOutcome names how an attempt ended, for its span: the outcome label of the jobs metric,
// where the error alone tells it.
func attemptOutcome(row *rivertype.JobRow, err error) string {
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil:
		return outcomeCompleted
	case errors.As(err, &snooze):
		return outcomeSnoozed
	case errors.As(err, &cancel):
		return outcomeCancelled
	case row.Attempt >= row.MaxAttempts:
		return outcomeDiscarded
	default:
		return outcomeFailed
	}
}

// protect turns a handler's panic into an error, so that the outcome is recorded and the attempt
// retried like any failure.
func protect(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job handler panicked: %v", p)
		}
	}()
	return fn()
}
