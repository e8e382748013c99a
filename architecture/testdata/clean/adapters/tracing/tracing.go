// Package tracing sets up the OpenTelemetry SDK: the one adapter allowed to.
package tracing

import _ "go.opentelemetry.io/otel/sdk/trace"
