package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

type tracedJob struct{}

func (tracedJob) Kind() string { return "test.traced" }

func spanAttr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// Every attempt of a job runs in a span linked to the span that enqueued it, through the trace
// context stored in the job's metadata: the failed first attempt and the retry alike.
func TestJobRunsAreLinkedToTheirEnqueueAcrossRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(ctx) })

	var attempts atomic.Int32
	reg := jobs.NewRegistry()
	require.NoError(t, jobs.AddTenantKind(reg, jobs.TenantHandler[tracedJob]{
		Work: func(context.Context, tenant.Context, tracedJob) error {
			if attempts.Add(1) == 1 {
				return errors.New("first attempt fails")
			}
			return nil
		},
	}))
	r, _ := w.runner(reg, jobs.Config{Workers: 2, Tracer: tp})

	reqCtx, request := tp.Tracer("test").Start(ctx, "request")
	require.NoError(t, r.Enqueue(reqCtx, w.a, tracedJob{}))
	request.End()

	var runs []sdktrace.ReadOnlySpan
	waitFor(t, "two attempts", func() bool {
		runs = runs[:0]
		for _, s := range rec.Ended() {
			if s.Name() == "process test.traced" {
				runs = append(runs, s)
			}
		}
		return len(runs) == 2
	})
	var send sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Name() == "send test.traced" {
			send = s
		}
	}
	require.NotNil(t, send)
	assert.Equal(t, trace.SpanKindProducer, send.SpanKind())
	assert.Equal(t, request.SpanContext().SpanID(), send.Parent().SpanID(), "the enqueue is part of the request's trace")
	assert.Equal(t, w.a.TenantID().String(), spanAttr(send, "tenant.id").AsString())

	for i, run := range runs {
		assert.Equal(t, trace.SpanKindConsumer, run.SpanKind())
		assert.False(t, run.Parent().IsValid(), "an attempt is a trace of its own")
		require.Len(t, run.Links(), 1, "attempt %d", i+1)
		assert.Equal(t, send.SpanContext().TraceID(), run.Links()[0].SpanContext.TraceID(), "attempt %d", i+1)
		assert.Equal(t, send.SpanContext().SpanID(), run.Links()[0].SpanContext.SpanID(), "attempt %d", i+1)
		assert.Equal(t, int64(i+1), spanAttr(run, "tenantcore.job.attempt").AsInt64())
		assert.Equal(t, w.a.TenantID().String(), spanAttr(run, "tenant.id").AsString())
	}
	assert.Equal(t, "failed", spanAttr(runs[0], "tenantcore.job.outcome").AsString())
	assert.Equal(t, "completed", spanAttr(runs[1], "tenantcore.job.outcome").AsString())
}
