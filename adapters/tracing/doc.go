// Package tracing sets up OpenTelemetry tracing: the SDK's tracer provider, its sampler and the
// OTLP/HTTP exporter, or a no-op provider when no endpoint is configured.
package tracing
