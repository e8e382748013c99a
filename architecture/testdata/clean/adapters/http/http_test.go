package http

// A test may record spans with the SDK (telemetry-sdk-in-tracing exempts tests).
import _ "go.opentelemetry.io/otel/sdk/trace"
