// Package tracing sets up OpenTelemetry tracing: the SDK's tracer provider, its sampler and an
// OTLP/HTTP exporter writing spans straight to protobuf, or a no-op provider without an endpoint.
package tracing
