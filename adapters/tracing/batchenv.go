package tracing

import (
	"fmt"
	"strconv"
	"time"
)

// The OpenTelemetry specification's defaults for the batch span processor.
const (
	DefaultMaxQueue      = 2048
	DefaultMaxExport     = 512
	DefaultScheduleDelay = 5 * time.Second
	DefaultBatchTimeout  = 30 * time.Second
)

// Batch is how ended spans wait for their export: the OTEL_BSP_* variables, as BatchFromEnv reads
// them. A zero field takes the specification's default.
type Batch struct {
	// MaxQueue is OTEL_BSP_MAX_QUEUE_SIZE: at most this many spans wait; more are dropped.
	MaxQueue int
	// MaxExport is OTEL_BSP_MAX_EXPORT_BATCH_SIZE: a request carries at most this many spans, and
	// a batch this full is sent at once. Never more than MaxQueue.
	MaxExport int
	// Delay is OTEL_BSP_SCHEDULE_DELAY: the longest a span waits for a batch to fill.
	Delay time.Duration
	// ExportTimeout is OTEL_BSP_EXPORT_TIMEOUT: the longest one batch's export may take.
	ExportTimeout time.Duration
}

func (b Batch) withDefaults() Batch {
	if b.MaxQueue <= 0 {
		b.MaxQueue = DefaultMaxQueue
	}
	if b.MaxExport <= 0 {
		b.MaxExport = DefaultMaxExport
	}
	b.MaxExport = min(b.MaxExport, b.MaxQueue)
	if b.Delay <= 0 {
		b.Delay = DefaultScheduleDelay
	}
	if b.ExportTimeout <= 0 {
		b.ExportTimeout = DefaultBatchTimeout
	}
	return b
}

// BatchFromEnv reads the OTEL_BSP_* variables through lookup (os.LookupEnv, or a map in a test).
// An empty value counts as unset; a value that is not a positive whole number is an error naming
// its variable.
func BatchFromEnv(lookup func(string) (string, bool)) (Batch, error) {
	var b Batch
	for _, v := range []struct {
		name string
		set  func(n int64)
	}{
		{"OTEL_BSP_MAX_QUEUE_SIZE", func(n int64) { b.MaxQueue = int(n) }},
		{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", func(n int64) { b.MaxExport = int(n) }},
		{"OTEL_BSP_SCHEDULE_DELAY", func(n int64) { b.Delay = time.Duration(n) * time.Millisecond }},
		{"OTEL_BSP_EXPORT_TIMEOUT", func(n int64) { b.ExportTimeout = time.Duration(n) * time.Millisecond }},
	} {
		raw, ok := lookup(v.name)
		if !ok || raw == "" {
			continue
		}
		n, err := strconv.ParseInt(raw, 10, 32)
		if err != nil || n <= 0 {
			return Batch{}, fmt.Errorf("%s: %q is not a whole number above 0", v.name, raw)
		}
		v.set(n)
	}
	return b, nil
}
