package tracing_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tenantcore/tenantcore/adapters/tracing"
)

// newBatcher returns a tracer provider whose spans go through the batcher to c.
func newBatcher(t *testing.T, c *collector, b tracing.Batch) (*sdktrace.TracerProvider, sdktrace.SpanProcessor) {
	t.Helper()
	p, err := tracing.NewBatcher(c.URL+"/v1/traces", tracing.Export{}, b)
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, p
}

func endSpans(tp *sdktrace.TracerProvider, scope string, n int) {
	for range n {
		_, span := tp.Tracer(scope).Start(context.Background(), "work")
		span.End()
	}
}

// spanNames decodes a request the way a collector does and returns its span names by scope.
func spanNames(t *testing.T, body []byte) map[string][]string {
	t.Helper()
	var req coltracepb.ExportTraceServiceRequest
	require.NoError(t, proto.Unmarshal(body, &req))
	out := map[string][]string{}
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				out[ss.GetScope().GetName()] = append(out[ss.GetScope().GetName()], s.GetName())
			}
		}
	}
	return out
}

// A full batch is sent at once, without waiting for the schedule delay.
func TestBatcherSendsAFullBatchAtOnce(t *testing.T) {
	c := newCollector(t, false, nil)
	tp, _ := newBatcher(t, c, tracing.Batch{MaxExport: 4, Delay: time.Hour})
	endSpans(tp, "a", 8)
	require.Eventually(t, func() bool { return len(c.got()) == 2 }, 5*time.Second, 10*time.Millisecond)
	for _, r := range c.got() {
		assert.Equal(t, 4, countSpans(t, r.body))
	}
}

// Spans that do not fill a batch are sent once the schedule delay has passed, grouped by scope.
func TestBatcherSendsAPartialBatchAfterTheDelay(t *testing.T) {
	c := newCollector(t, false, nil)
	tp, _ := newBatcher(t, c, tracing.Batch{Delay: 50 * time.Millisecond})
	endSpans(tp, "a", 2)
	endSpans(tp, "b", 1)
	endSpans(tp, "a", 1)
	require.Eventually(t, func() bool { return len(c.got()) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, map[string][]string{"a": {"work", "work", "work"}, "b": {"work"}}, spanNames(t, c.got()[0].body))
}

// ForceFlush sends what waits; Shutdown sends the rest and drops what ends after it.
func TestBatcherFlushAndShutdown(t *testing.T) {
	c := newCollector(t, false, nil)
	tp, _ := newBatcher(t, c, tracing.Batch{Delay: time.Hour})
	endSpans(tp, "a", 3)
	require.NoError(t, tp.ForceFlush(t.Context()))
	require.Len(t, c.got(), 1)
	assert.Equal(t, 3, countSpans(t, c.got()[0].body))

	endSpans(tp, "a", 2)
	require.NoError(t, tp.Shutdown(t.Context()))
	require.Len(t, c.got(), 2)
	assert.Equal(t, 2, countSpans(t, c.got()[1].body))
	endSpans(tp, "a", 1)
	assert.NoError(t, tp.ForceFlush(t.Context()))
	assert.Len(t, c.got(), 2, "nothing is sent after Shutdown")
}

// Unsampled spans are never sent.
func TestBatcherSendsOnlySampledSpans(t *testing.T) {
	c := newCollector(t, false, nil)
	p, err := tracing.NewBatcher(c.URL+"/v1/traces", tracing.Export{}, tracing.Batch{Delay: time.Hour})
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p), sdktrace.WithSampler(sdktrace.NeverSample()))
	endSpans(tp, "a", 5)
	require.NoError(t, tp.Shutdown(t.Context()))
	assert.Empty(t, c.got())
}

// While the collector is stuck, at most MaxQueue spans wait; the rest are dropped and counted,
// and what waited is sent once the collector answers.
func TestBatcherBoundsItsQueue(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	c := newCollector(t, false, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			<-release
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	tp, p := newBatcher(t, c, tracing.Batch{MaxQueue: 8, MaxExport: 4, Delay: time.Hour})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	endSpans(tp, "a", 4) // the first batch, held by the collector
	require.Eventually(t, func() bool { return len(c.got()) == 1 }, 5*time.Second, 10*time.Millisecond)
	endSpans(tp, "a", 20) // 8 wait, 12 are dropped
	assert.Equal(t, int64(12), tracing.Dropped(p))
	once.Do(func() { close(release) })
	require.NoError(t, tp.Shutdown(t.Context()))
	total := 0
	for _, r := range c.got() {
		total += countSpans(t, r.body)
	}
	assert.Equal(t, 12, total, "the held batch and the 8 that waited")
}

// A flush returns once the spans ended before it are sent, even while more keep coming faster
// than the collector takes them.
func TestBatcherFlushIsNotStarvedByLoad(t *testing.T) {
	c := newCollector(t, false, func(_ int, w http.ResponseWriter, _ *http.Request) {
		time.Sleep(5 * time.Millisecond)
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	tp, _ := newBatcher(t, c, tracing.Batch{MaxQueue: 64, MaxExport: 4, Delay: time.Hour})
	stop := make(chan struct{})
	var producing sync.WaitGroup
	producing.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				endSpans(tp, "a", 1)
			}
		}
	})
	defer func() {
		close(stop)
		producing.Wait()
	}()
	time.Sleep(50 * time.Millisecond) // the queue is full by now
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	assert.NoError(t, tp.ForceFlush(ctx))
}

// A flush says when the collector refused what it sent.
func TestBatcherFlushReturnsTheExportFailure(t *testing.T) {
	c := newCollector(t, false, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	})
	tp, _ := newBatcher(t, c, tracing.Batch{Delay: time.Hour})
	endSpans(tp, "a", 3)
	assert.ErrorContains(t, tp.ForceFlush(t.Context()), "3 spans not exported")
}

func TestBatchFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	b, err := tracing.BatchFromEnv(env(map[string]string{
		"OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10",
		"OTEL_BSP_SCHEDULE_DELAY": "200", "OTEL_BSP_EXPORT_TIMEOUT": "", // empty: unset
	}))
	require.NoError(t, err)
	assert.Equal(t, tracing.Batch{MaxQueue: 100, MaxExport: 10, Delay: 200 * time.Millisecond}, b)
	for _, name := range []string{"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT"} {
		for _, v := range []string{"0", "-5", "5s", "99999999999"} {
			_, err := tracing.BatchFromEnv(env(map[string]string{name: v}))
			assert.ErrorContains(t, err, name+": ", v)
		}
	}
}
