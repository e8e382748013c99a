package loadbench_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// BenchmarkTracingOverhead: GET /api/v1/users?limit=20 with no instrumentation at all (no span,
// no per-tenant top-K), with the default configuration (no OTLP endpoint: a no-op tracer, and the
// top-K counting), and with every request sampled and exported over OTLP/HTTP to a local
// receiver; three servers with pools of poolSize on the same database. A fourth records every span
// with the SDK and hands it to a span processor that does nothing: it tells what the SDK's span
// lifecycle costs by itself from what encoding and exporting the spans add.
// Targets: off/none throughput ≥ 0.99, on/none ≥ 0.95.
func BenchmarkTracingOverhead(b *testing.B) {
	var received atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(receiver.Close)
	// Read by the SDK's batch processor: room for a few seconds of spans at full load, so that
	// none is dropped and every request really is exported.
	b.Setenv("OTEL_BSP_MAX_QUEUE_SIZE", "65536")
	// Export every 200 ms rather than every 5 s, so that a phase's spans are exported in that
	// phase and not in the next variant's.
	b.Setenv("OTEL_BSP_SCHEDULE_DELAY", "200")

	db := seededDatabase(b, "tracing", 10, 100)
	none := startServer(b, db, nil, fx.Decorate(func(bootstrap.Telemetry) bootstrap.Telemetry { return bootstrap.Telemetry{} }))
	off := startServer(b, db, nil)
	on := startServer(b, db, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.URL, "OTEL_TRACES_SAMPLER": "always_on"})
	sdkOnly := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(discardSpans{}))
	b.Cleanup(func() { _ = sdkOnly.Shutdown(context.Background()) })
	recorded := startServer(b, db, nil, fx.Decorate(func(t bootstrap.Telemetry) bootstrap.Telemetry {
		t.Tracer = sdkOnly
		return t
	}))
	s := measure(b, []target{
		{name: "no instrumentation", url: none.base + fullPath, headers: none.headerSets(b, slugs("tracing", 10))},
		{name: "tracing off (default)", url: off.base + fullPath, headers: off.headerSets(b, slugs("tracing", 10))},
		{name: "tracing on, exported", url: on.base + fullPath, headers: on.headerSets(b, slugs("tracing", 10))},
		{name: "SDK spans, not exported", url: recorded.base + fullPath, headers: recorded.headerSets(b, slugs("tracing", 10))},
	})
	report(b, "GET /api/v1/users?limit=20, tracing and per-tenant top-K", s)
	offRatio, onRatio := s[1].rps()/s[0].rps(), s[2].rps()/s[0].rps()
	fmt.Printf("ratio off/none: throughput %.3f (target ≥ 0.99), p99 %.2f\n", offRatio, float64(s[1].quantile(0.99))/float64(s[0].quantile(0.99)))
	fmt.Printf("ratio on/none:  throughput %.3f (target ≥ 0.95), p99 %.2f; %.1f MB of OTLP received\n",
		onRatio, float64(s[2].quantile(0.99))/float64(s[0].quantile(0.99)), float64(received.Load())/1e6)
	fmt.Printf("ratio SDK spans not exported/none: throughput %.3f (the SDK's span lifecycle); exported/not exported: %.3f (encoding and export)\n",
		s[3].rps()/s[0].rps(), s[2].rps()/s[3].rps())
	b.ReportMetric(offRatio, "off-throughput-ratio")
	b.ReportMetric(onRatio, "on-throughput-ratio")
}

// discardSpans is a span processor that does nothing with the spans the SDK hands it.
type discardSpans struct{}

func (discardSpans) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discardSpans) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discardSpans) Shutdown(context.Context) error                  { return nil }
func (discardSpans) ForceFlush(context.Context) error                { return nil }
