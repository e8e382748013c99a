package bootstrap

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/metrics"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/tracing"
)

// Telemetry is what instruments the service: the tracer provider of every span and the per-tenant
// top-K. The zero value instruments nothing; the overhead benchmark measures against it.
type Telemetry struct {
	// Tracer is the SDK's provider when OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set;
	// nil otherwise, so that no span, not even a no-op one, is started.
	Tracer trace.TracerProvider
	// Top counts requests and tenant transaction time per tenant, exposed at /metrics.
	Top *metrics.TenantTop
}

// TelemetryModule provides tracing and the per-tenant top-K, and instruments the serving DB. Its
// provider is stopped after everything that makes spans, so the last spans are flushed.
var TelemetryModule = fx.Module("telemetry",
	fx.Provide(newTracing, newTelemetry),
	fx.Invoke(instrumentDB),
)

func newTracing(lc fx.Lifecycle, cfg Config, log *zap.Logger) (*tracing.Provider, error) {
	p, err := tracing.New(context.Background(), tracingConfig(cfg))
	if err != nil {
		return nil, err
	}
	if p.Enabled() {
		logTracingFailures(log)
	}
	lc.Append(fx.StopHook(p.Shutdown))
	return p, nil
}

// logTracingFailures sends the SDK's and the exporter's failures (a collector refusing a batch,
// spans dropped) to log, as lines like every other, rather than to stderr in the standard
// library's format. The handler is the process's: the OpenTelemetry API keeps one.
func logTracingFailures(log *zap.Logger) {
	tracingLog := log.Named("tracing")
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { tracingLog.Warn("tracing failure", zap.Error(err)) }))
}

func tracingConfig(cfg Config) tracing.Config {
	return tracing.Config{Endpoint: cfg.OTelEndpoint, ServiceName: cfg.OTelServiceName, Sampler: cfg.OTelSampler, SamplerArg: cfg.OTelSamplerArg, Export: &cfg.OTelExport, Batch: &cfg.OTelBatch}
}

func newTelemetry(p *tracing.Provider, m *metrics.Metrics, cfg Config) Telemetry {
	top := metrics.NewTenantTop(cfg.TenantTopK)
	m.Registerer().MustRegister(top)
	m.RegisterDroppedSpans(p.DroppedSpans)
	t := Telemetry{Top: top}
	if p.Enabled() {
		t.Tracer = p.TracerProvider()
	}
	return t
}

func instrumentDB(db *postgres.DB, t Telemetry) {
	if t.Top == nil {
		db.Instrument(t.Tracer, nil)
		return
	}
	db.Instrument(t.Tracer, t.Top.ObserveTransaction)
}
