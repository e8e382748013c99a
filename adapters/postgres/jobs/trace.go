package jobs

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/google/uuid"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
)

// metadataTrace is the key of the job's metadata that holds the W3C trace context of the span
// that enqueued it. The metadata outlives every attempt, so each retry links to the same trace.
const metadataTrace = "trace_context"

const (
	attrTenantID = attribute.Key("tenant.id")
	attrKind     = attribute.Key("tenantcore.job.kind")
	attrAttempt  = attribute.Key("tenantcore.job.attempt")
	attrOutcome  = attribute.Key("tenantcore.job.outcome")
)

var (
	traceContext   = propagation.TraceContext{}
	messagingRiver = semconv.MessagingSystemKey.String("river")
)

// spans starts the runner's spans; the zero value starts none.
type spans struct {
	tracer trace.Tracer
}

func newSpans(tp trace.TracerProvider) spans {
	if tp == nil {
		return spans{}
	}
	return spans{tracer: tp.Tracer("github.com/tenantcore/tenantcore/adapters/postgres/jobs")}
}

// startEnqueue starts the producer span of an enqueue and returns the metadata that carries it
// to the jobs (nil without a span).
func (s spans) startEnqueue(ctx context.Context, kind string, tenantID uuid.UUID, count int) (context.Context, trace.Span, []byte) {
	if s.tracer == nil {
		return ctx, nil, nil
	}
	ctx, span := s.tracer.Start(ctx, "send "+kind, trace.WithSpanKind(trace.SpanKindProducer))
	if !span.IsRecording() {
		return ctx, span, nil
	}
	span.SetAttributes(messagingRiver, semconv.MessagingOperationTypeSend, semconv.MessagingOperationName("send"),
		semconv.MessagingDestinationName(kind), attrKind.String(kind), semconv.MessagingBatchMessageCount(count))
	if tenantID != uuid.Nil {
		span.SetAttributes(attrTenantID.String(tenantID.String()))
	}
	carrier := propagation.MapCarrier{}
	traceContext.Inject(ctx, carrier)
	meta, err := json.Marshal(map[string]map[string]string{metadataTrace: carrier})
	if err != nil {
		return ctx, span, nil
	}
	return ctx, span, meta
}

// startRun starts the consumer span of one attempt, linked to the span that enqueued the job. It
// is a trace of its own: an attempt runs long after, and perhaps far from, its request.
func (s spans) startRun(ctx context.Context, row *rivertype.JobRow, tenantID uuid.UUID) (context.Context, trace.Span) {
	if s.tracer == nil {
		return ctx, nil
	}
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer), trace.WithNewRoot()}
	if link := enqueuedBy(row.Metadata); link.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: link}))
	}
	ctx, span := s.tracer.Start(ctx, "process "+row.Kind, opts...)
	if span.IsRecording() {
		span.SetAttributes(messagingRiver, semconv.MessagingOperationTypeProcess, semconv.MessagingOperationName("process"),
			semconv.MessagingDestinationName(row.Kind), semconv.MessagingMessageID(strconv.FormatInt(row.ID, 10)),
			attrKind.String(row.Kind), attrAttempt.Int(row.Attempt))
		if tenantID != uuid.Nil {
			span.SetAttributes(attrTenantID.String(tenantID.String()))
		}
	}
	return ctx, span
}

// enqueuedBy reads the enqueuing span's context from a job's metadata; invalid when there is none.
func enqueuedBy(metadata []byte) trace.SpanContext {
	var meta struct {
		Trace map[string]string `json:"trace_context"`
	}
	if len(metadata) == 0 || json.Unmarshal(metadata, &meta) != nil || meta.Trace == nil {
		return trace.SpanContext{}
	}
	return trace.SpanContextFromContext(traceContext.Extract(context.Background(), propagation.MapCarrier(meta.Trace)))
}

// endSpan ends span (nil: none) with the attempt's outcome, never an error message: it may quote
// tenant data.
func endSpan(span trace.Span, outcome string, failed bool) {
	if span == nil {
		return
	}
	if outcome != "" {
		span.SetAttributes(attrOutcome.String(outcome))
	}
	if failed {
		span.SetStatus(codes.Error, outcome)
	}
	span.End()
}

// traceFields are the trace_id and span_id of ctx's span for the job's log lines, or none.
func traceFields(ctx context.Context) []zap.Field {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []zap.Field{zap.String("trace_id", sc.TraceID().String()), zap.String("span_id", sc.SpanID().String())}
}
