package tracing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// batcher is the SDK span processor that feeds the OTLP exporter. Where the SDK's batch processor
// hands each ended span to its goroutine through a channel, waking it each time, the batcher
// appends the span to the batch being filled under a lock, and wakes its goroutine only when a
// batch is full, when the schedule delay has passed, and on a flush. The goroutine encodes a whole
// batch just before sending it: 512 spans encoded in a row, with the encoder's code and buffer
// warm, cost less than the same spans encoded one by one inside the requests that end them.
// A span's snapshot waits meanwhile, until its batch is full or the schedule delay has passed;
// with the queue full (OTEL_BSP_MAX_QUEUE_SIZE) that is about 1 KB a span, where encoded it was a
// quarter of that.
type batcher struct {
	exp   *otlpExporter
	limit Batch

	mu      sync.Mutex
	filling []sdktrace.ReadOnlySpan
	ready   [][]sdktrace.ReadOnlySpan // full, waiting for the goroutine
	spare   [][]sdktrace.ReadOnlySpan
	queued  int // spans in filling and ready
	closed  bool
	dropped atomic.Int64

	// enc and encoded are the goroutine's alone: the batch being sent, in OTLP.
	enc     spanEncoder
	encoded spanBatch

	wake  chan struct{}
	flush chan chan error
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

var _ sdktrace.SpanProcessor = (*batcher)(nil)

func newBatcher(exp *otlpExporter, limit Batch) *batcher {
	b := &batcher{
		exp:     exp,
		limit:   limit.withDefaults(),
		encoded: spanBatch{last: -1},
		wake:    make(chan struct{}, 1),
		flush:   make(chan chan error),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go b.run()
	return b
}

// OnStart does nothing: a span is read once, when it ends.
func (*batcher) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd appends a sampled span to the batch being filled. A span that would make the queue longer
// than its limit is dropped and counted: the collector being slow must not make the service's
// memory grow. After Shutdown, spans are ignored, as the SDK's processor ignores them.
func (b *batcher) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	if b.queued >= b.limit.MaxQueue {
		b.mu.Unlock()
		b.dropped.Add(1)
		return
	}
	b.filling = append(b.filling, s)
	b.queued++
	full := len(b.filling) >= b.limit.MaxExport
	if full {
		b.sealLocked()
	}
	b.mu.Unlock()
	if full {
		select {
		case b.wake <- struct{}{}:
		default: // already woken
		}
	}
}

// sealLocked moves the batch being filled, if it has spans, to those ready for export.
func (b *batcher) sealLocked() {
	if len(b.filling) == 0 {
		return
	}
	b.ready = append(b.ready, b.filling)
	if n := len(b.spare); n > 0 {
		b.filling = b.spare[n-1]
		b.spare = b.spare[:n-1]
	} else {
		b.filling = make([]sdktrace.ReadOnlySpan, 0, b.limit.MaxExport)
	}
}

func (b *batcher) seal() {
	b.mu.Lock()
	b.sealLocked()
	b.mu.Unlock()
}

// run exports the ready batches whenever it is woken, and the batch being filled too once the
// schedule delay has passed since the last export. Each round exports the batches ready when it
// starts, no more: under a load the collector cannot keep up with, a flush or a stop still gets
// its turn.
func (b *batcher) run() {
	defer close(b.done)
	timer := time.NewTimer(b.limit.Delay)
	defer timer.Stop()
	for {
		select {
		// Each failure has gone to otel.Handle; only a flush also answers with it.
		case <-b.wake:
			_ = b.exportReady()
		case <-timer.C:
			b.seal()
			_ = b.exportReady()
		case flushed := <-b.flush:
			b.seal()
			flushed <- b.exportReady()
		case <-b.stop:
			b.seal()
			_ = b.exportReady()
			return
		}
		timer.Reset(b.limit.Delay)
	}
}

// exportReady encodes and sends the batches ready now one by one and returns the first failure.
// A batch leaves the queue when its export starts, as in the SDK's processor: the queue bounds what
// waits, not what is being sent.
func (b *batcher) exportReady() error {
	b.mu.Lock()
	n := len(b.ready)
	b.mu.Unlock()
	var first error
	for range n {
		b.mu.Lock()
		spans := b.ready[0]
		b.ready = b.ready[1:]
		b.queued -= len(spans)
		b.mu.Unlock()

		b.encoded.fill(&b.enc, spans)
		// Encoded, the snapshots are garbage: the spare slice must not keep them alive.
		clear(spans)
		ctx, cancel := context.WithTimeout(context.Background(), b.limit.ExportTimeout)
		if err := b.exp.exportBatch(ctx, &b.encoded); err != nil {
			err = fmt.Errorf("%d spans not exported: %w", len(spans), err)
			otel.Handle(err)
			if first == nil {
				first = err
			}
		}
		cancel()
		b.mu.Lock()
		b.spare = append(b.spare, spans[:0])
		b.mu.Unlock()
	}
	return first
}

// ForceFlush exports every span ended before it and returns the first export failure, or gives
// up when ctx ends.
func (b *batcher) ForceFlush(ctx context.Context) error {
	flushed := make(chan error, 1)
	select {
	case b.flush <- flushed:
	case <-b.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("trace flush: %w", ctx.Err())
	}
	select {
	case err := <-flushed:
		return err
	case <-ctx.Done():
		return fmt.Errorf("trace flush: %w", ctx.Err())
	}
}

// Shutdown exports the spans still queued and stops the exporter; spans ending afterwards are
// dropped. When ctx ends first, the export in flight is canceled.
func (b *batcher) Shutdown(ctx context.Context) error {
	var err error
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.stop)
		select {
		case <-b.done:
		case <-ctx.Done():
			err = fmt.Errorf("trace shutdown: %w", ctx.Err())
		}
		err = errors.Join(err, b.exp.Shutdown(ctx))
		if n := b.dropped.Load(); n > 0 {
			otel.Handle(fmt.Errorf("%d spans dropped: the export queue (OTEL_BSP_MAX_QUEUE_SIZE=%d) was full", n, b.limit.MaxQueue))
		}
	})
	return err
}
