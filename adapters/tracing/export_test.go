package tracing

import (
	"context"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// NewExporter is the exporter New installs, for tests to drive directly with a slice of spans, as
// an SDK span exporter; retries start after firstDelay rather than a second.
func NewExporter(endpoint string, x Export, firstDelay time.Duration) (sdktrace.SpanExporter, error) {
	e, err := newOTLPExporter(endpoint, x)
	if err != nil {
		return nil, err
	}
	e.firstDelay = firstDelay
	return &spanExporter{otlpExporter: e}, nil
}

// spanExporter sends a slice of spans as one batch, encoded as the batcher encodes them, with
// encoders kept from one export to the next as the batcher keeps its batches. A free list rather
// than a sync.Pool: the race detector makes a pool drop items at random, and the allocation
// tests count.
type spanExporter struct {
	*otlpExporter
	mu   sync.Mutex
	free []*Encoder
}

func (x *spanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	x.mu.Lock()
	var enc *Encoder
	if n := len(x.free); n > 0 {
		enc, x.free = x.free[n-1], x.free[:n-1]
	} else {
		enc = new(Encoder)
	}
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		x.free = append(x.free, enc)
		x.mu.Unlock()
	}()
	enc.fill(spans)
	return x.exportBatch(ctx, &enc.batch)
}

// Encoder writes batches as the batcher and the exporter do, without sending them.
type Encoder struct {
	enc   spanEncoder
	batch spanBatch
}

// Encode returns the ExportTraceServiceRequest bytes of spans (nil entries skipped), nil when
// there is none; valid until the next call.
func (e *Encoder) Encode(spans []sdktrace.ReadOnlySpan) []byte {
	e.fill(spans)
	return e.enc.request(&e.batch)
}

func (e *Encoder) fill(spans []sdktrace.ReadOnlySpan) {
	e.batch.fill(&e.enc, spans)
}

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
