package jobs_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
)

// TestWorkersRunThroughTheQueueLogin is the production setup: requests enqueue as the dedicated
// serving login, which with no tenant set sees no job; the workers fetch, retry and complete jobs
// of both tenants as a login of the queue role; a tenant lists and retries its own failed jobs.
func TestWorkersRunThroughTheQueueLogin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorldWithLogins(t)
	s := newSeen()
	var allowed atomic.Bool
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, s)))
	require.NoError(t, jobs.AddTenantKind(reg, doomed(s, &allowed)))
	swept := make(chan string, 1)
	require.NoError(t, jobs.AddSystemKind(reg, jobs.SystemHandler[sweepJob]{Work: func(_ context.Context, j sweepJob) error {
		swept <- j.Marker
		return nil
	}}))
	r, _ := w.runner(reg, jobs.Config{Workers: 4})

	require.NoError(t, r.Enqueue(ctx, w.a, probeJob{Marker: "a", Expect: w.a.TenantID()}))
	require.NoError(t, r.Enqueue(ctx, w.b, probeJob{Marker: "b", Expect: w.b.TenantID()}))
	require.NoError(t, r.Enqueue(ctx, w.a, doomedJob{Marker: "doomed"}))
	require.NoError(t, r.EnqueueSystem(ctx, sweepJob{Marker: "sweep"}))
	waitFor(t, "both tenants' jobs", func() bool { return w.jobStates("test.probe")["completed"] == 2 })
	waitFor(t, "the doomed job to be discarded", func() bool { return w.jobStates("test.doomed")["discarded"] == 1 })
	select {
	case m := <-swept:
		assert.Equal(t, "sweep", m)
	case <-time.After(30 * time.Second):
		t.Fatal("the system job never ran")
	}
	assert.Equal(t, []string{w.a.TenantID().String()}, idsOf(s.of("a")))
	assert.Equal(t, []string{w.b.TenantID().String()}, idsOf(s.of("b")))

	failed, err := r.Failed(ctx, w.a)
	require.NoError(t, err)
	require.Len(t, failed, 1)
	others, err := r.Failed(ctx, w.b)
	require.NoError(t, err)
	assert.Empty(t, others)
	allowed.Store(true)
	_, err = r.Retry(ctx, w.a, failed[0].ID)
	require.NoError(t, err)
	waitFor(t, "the retried job", func() bool { return w.jobStates("test.doomed")["completed"] == 1 })
	assert.Empty(t, s.failures())
}

// TestMalformedTenantArgumentsAreCancelledAtOnce feeds the worker queue rows that name their
// tenant loosely or not at all, as rows queued before migration 00006 (which now refuses them)
// could: each is cancelled on its first attempt with an error naming the problem, and its handler
// never runs. An upper-case or braced UUID used to run for the tenant while the tenant's own job
// list could not see the job.
func TestMalformedTenantArgumentsAreCancelledAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	s := newSeen()
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, probe(w, s)))
	_, err := w.owner.Exec(ctx, "ALTER TABLE river_job DROP CONSTRAINT river_job_tenant_id_canonical")
	require.NoError(t, err)

	id := w.a.TenantID().String()
	job := `{"marker": "m", "expect": "` + id + `"}`
	cases := map[string]struct{ args, want string }{
		"upper-case": {`{"tenant_id": "` + strings.ToUpper(id) + `", "job": ` + job + `}`, `args.tenant_id "` + strings.ToUpper(id) + `" is not in canonical form (lower-case, hyphenated: ` + id + `)`},
		"braced":     {`{"tenant_id": "{` + id + `}", "job": ` + job + `}`, `args.tenant_id "{` + id + `}" is not in canonical form`},
		"urn":        {`{"tenant_id": "urn:uuid:` + id + `", "job": ` + job + `}`, "is not in canonical form"},
		"no hyphens": {`{"tenant_id": "` + strings.ReplaceAll(id, "-", "") + `", "job": ` + job + `}`, "is not in canonical form"},
		"not a uuid": {`{"tenant_id": "acme", "job": ` + job + `}`, `args.tenant_id "acme" is not a UUID`},
		"a number":   {`{"tenant_id": 42, "job": ` + job + `}`, "args.tenant_id is 42, not a string holding a tenant's UUID"},
		"missing":    {`{"job": ` + job + `}`, "args.tenant_id is missing"},
		"nil uuid":   {`{"tenant_id": "00000000-0000-0000-0000-000000000000", "job": ` + job + `}`, "args.tenant_id is the nil UUID"},
		"bad job":    {`{"tenant_id": "` + id + `", "job": "m"}`, "args.job does not match"},
		"no job":     {`{"tenant_id": "` + id + `"}`, "args.job is missing"},
		"an array":   {`[1, 2]`, "the job's arguments are not a JSON object"},
	}
	ids := map[string]int64{}
	for name, c := range cases {
		var jobID int64
		require.NoError(t, w.owner.QueryRow(ctx, `INSERT INTO river_job (kind, args) VALUES ('test.probe', $1::jsonb) RETURNING id`, c.args).Scan(&jobID), name)
		ids[name] = jobID
	}

	_, prom := w.runner(reg, jobs.Config{Workers: 2})
	waitFor(t, "every malformed job to be cancelled", func() bool { return w.jobStates("test.probe")["cancelled"] == len(cases) })
	for name, c := range cases {
		var attempt int
		var lastError string
		require.NoError(t, w.owner.QueryRow(ctx, `SELECT attempt, errors[array_upper(errors, 1)] ->> 'error' FROM river_job WHERE id = $1`, ids[name]).
			Scan(&attempt, &lastError), name)
		assert.Equal(t, 1, attempt, "%s: cancelled on its first attempt, not retried", name)
		assert.Contains(t, lastError, c.want, name)
	}
	assert.Empty(t, s.of("m"), "no handler ran")
	assert.InDelta(t, len(cases), outcomes(t, prom, "test.probe", "cancelled"), 0)
}
