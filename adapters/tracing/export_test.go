package tracing

import (
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// NewExporter is the exporter New installs, for tests to drive directly; retries start after
// firstDelay rather than a second.
func NewExporter(endpoint string, x Export, firstDelay time.Duration) (sdktrace.SpanExporter, error) {
	e, err := newOTLPExporter(endpoint, x)
	if err != nil {
		return nil, err
	}
	e.firstDelay = firstDelay
	return e, nil
}

// Encoder writes batches as the exporter does, without sending them.
type Encoder struct{ enc spanEncoder }

// Encode returns the ExportTraceServiceRequest bytes of spans, valid until the next call.
func (e *Encoder) Encode(spans []sdktrace.ReadOnlySpan) []byte { return e.enc.encode(spans) }

// NewBatcher is the span processor New installs, exporting to endpoint.
func NewBatcher(endpoint string, x Export, b Batch) (sdktrace.SpanProcessor, error) {
	e, err := newOTLPExporter(endpoint, x)
	if err != nil {
		return nil, err
	}
	return newBatcher(e, b), nil
}

// Dropped is how many spans p has dropped for want of room in its queue.
func Dropped(p sdktrace.SpanProcessor) int64 {
	b, ok := p.(*batcher)
	if !ok {
		return -1
	}
	return b.dropped.Load()
}
