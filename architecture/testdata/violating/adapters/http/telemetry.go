package http

// Violates telemetry-sdk-in-tracing: an adapter building its own tracer provider.
import _ "go.opentelemetry.io/otel/sdk/trace"
