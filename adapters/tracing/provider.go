package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Samplers are the values of OTEL_TRACES_SAMPLER this package understands, as the OpenTelemetry
// specification names them.
var Samplers = []string{
	"parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio",
	"always_on", "always_off", "traceidratio",
}

// Config is the standard OpenTelemetry configuration, read by bootstrap from the OTEL_* variables.
type Config struct {
	// Endpoint is OTEL_EXPORTER_OTLP_ENDPOINT, the collector's base URL; spans go to
	// <Endpoint>/v1/traces unless Export.TracesEndpoint says otherwise. Both empty: nothing is
	// exported and the provider is a no-op.
	Endpoint string
	// ServiceName is OTEL_SERVICE_NAME, the service.name of every span.
	ServiceName string
	// Sampler is OTEL_TRACES_SAMPLER (one of Samplers) and SamplerArg OTEL_TRACES_SAMPLER_ARG, the
	// ratio of the traceidratio samplers (empty: 1).
	Sampler, SamplerArg string
	// Export is how spans are sent: the other OTEL_EXPORTER_OTLP_* variables. Nil: New reads them
	// from the process environment with ExportFromEnv, as the OpenTelemetry exporter did.
	Export *Export
	// Batch is how ended spans wait for their export: the OTEL_BSP_* variables. Nil: New reads
	// them from the process environment with BatchFromEnv, as the SDK's batch processor did.
	Batch *Batch
}

// Provider is the process's tracer provider and what must be flushed before the process exits.
type Provider struct {
	tp       trace.TracerProvider
	shutdown func(context.Context) error
	batcher  *batcher // nil without an endpoint
}

// New returns the provider cfg describes. Without an endpoint it starts nothing: every span is a
// no-op, so instrumented code costs next to nothing. A bad OTEL_EXPORTER_OTLP_* or OTEL_BSP_*
// variable is an error naming it, even then: it is a mistake the operator should hear of.
func New(_ context.Context, cfg Config) (*Provider, error) {
	export := cfg.Export
	if export == nil {
		x, err := ExportFromEnv(os.LookupEnv)
		if err != nil {
			return nil, err
		}
		export = &x
	}
	batch := cfg.Batch
	if batch == nil {
		b, err := BatchFromEnv(os.LookupEnv)
		if err != nil {
			return nil, err
		}
		batch = &b
	}
	if cfg.Endpoint == "" && export.TracesEndpoint == "" {
		return &Provider{tp: noop.NewTracerProvider(), shutdown: func(context.Context) error { return nil }}, nil
	}
	sampler, err := ParseSampler(cfg.Sampler, cfg.SamplerArg)
	if err != nil {
		return nil, err
	}
	endpoint := export.TracesEndpoint
	if endpoint == "" {
		if endpoint, err = TracesURL(cfg.Endpoint); err != nil {
			return nil, err
		}
	}
	exporter, err := newOTLPExporter(endpoint, *export)
	if err != nil {
		return nil, err
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(cfg.ServiceName)))
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	b := newBatcher(exporter, *batch)
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(b),
		sdktrace.WithSampler(sampler),
		sdktrace.WithResource(res),
	)
	return &Provider{tp: tp, shutdown: tp.Shutdown, batcher: b}, nil
}

// Enabled reports whether spans are recorded and exported; without an endpoint they are not, and
// instrumented code is best handed no provider at all.
func (p *Provider) Enabled() bool {
	_, off := p.tp.(noop.TracerProvider)
	return !off
}

// DroppedSpans is how many sampled spans were dropped because the export queue was full
// (OTEL_BSP_MAX_QUEUE_SIZE): the collector is down or slower than the service makes spans.
func (p *Provider) DroppedSpans() int64 {
	if p.batcher == nil {
		return 0
	}
	return p.batcher.dropped.Load()
}

// TracerProvider is what instrumented code starts its spans from.
func (p *Provider) TracerProvider() trace.TracerProvider { return p.tp }

// Shutdown exports the spans still buffered and stops the exporter.
func (p *Provider) Shutdown(ctx context.Context) error {
	if err := p.shutdown(ctx); err != nil {
		return fmt.Errorf("tracing shutdown: %w", err)
	}
	return nil
}

// TracesURL is where OTLP/HTTP spans go for a base endpoint: the signal path /v1/traces appended,
// as the specification says for OTEL_EXPORTER_OTLP_ENDPOINT.
func TracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL such as http://127.0.0.1:4318", endpoint)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	return u.String(), nil
}

// ParseSampler reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.
func ParseSampler(name, arg string) (sdktrace.Sampler, error) {
	ratio := 1.0
	if arg != "" {
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("sampler argument %q is not a ratio between 0 and 1", arg)
		}
		ratio = r
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio)), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio), nil
	}
	return nil, errors.New("sampler " + strconv.Quote(name) + " is not one of " + strings.Join(Samplers, ", "))
}
