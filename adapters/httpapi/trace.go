package httpapi

import (
	"context"
	"net/netip"
	"sync"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
)

// Attributes of the request's spans beyond the semantic conventions' own.
const (
	attrTenantID  = attribute.Key("tenant.id")
	attrRequestID = attribute.Key("tenantcore.request_id")
	attrSource    = attribute.Key("tenant.resolution.source")
	attrOutcome   = attribute.Key("tenantcore.outcome")
)

// TenantUsage counts requests per tenant, for the per-tenant top-K.
type TenantUsage interface {
	ObserveTenantRequest(tenantID uuid.UUID)
}

// spans starts the request's spans; the zero value starts none, at no cost.
type spans struct {
	tracer trace.Tracer
}

// The start options of the request's spans, made once: an option list made at each call would
// escape to the heap through the Tracer interface.
var (
	serverSpan   = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}
	internalSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
)

// startInternal starts a span of a step of the request: resolution, authentication.
func (s spans) startInternal(ctx context.Context, name string) (context.Context, trace.Span) {
	if s.tracer == nil {
		return ctx, nil
	}
	return s.tracer.Start(ctx, name, internalSpan...)
}

// endSpan ends span (nil: none) with attrs and err's problem code, never its message: a message
// can carry what the client sent. A span's attributes are set in this one call: each call to the
// SDK takes the span's lock and may grow its attribute slice again.
func endSpan(span trace.Span, err error, attrs ...attribute.KeyValue) {
	if span == nil {
		return
	}
	list := takeAttributeList()
	all := list[:0]
	all = append(all, attrs...)
	if err != nil {
		code := outcomeOf(err)
		all = append(all, attrOutcome.String(code))
		span.SetStatus(codes.Error, code)
	}
	span.SetAttributes(all...)
	list.release()
	span.End()
}

// attributeList is what a span hands its attributes over in; attributeLists keeps them for the
// next span: the SDK copies the attributes, and a list made per span would be garbage at once.
type attributeList [8]attribute.KeyValue

var attributeLists = sync.Pool{New: func() any { return new(attributeList) }}

func takeAttributeList() *attributeList {
	if l, ok := attributeLists.Get().(*attributeList); ok {
		return l
	}
	return new(attributeList)
}

// release clears l, so that the pool holds no request's values, and gives it back.
func (l *attributeList) release() {
	*l = attributeList{}
	attributeLists.Put(l)
}

// traceContext is the W3C Trace Context propagator (traceparent, tracestate).
var traceContext = propagation.TraceContext{}

// traceRequest starts the HTTP server span of each request. An incoming traceparent is followed
// only from a trusted proxy (TRUSTED_PROXIES): anyone else could graft our spans onto a trace of
// their making, or force sampling of every request they send.
func traceRequest(s spans, trusted []netip.Prefix) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			ctx := req.Context()
			if fromTrustedPeer(req.RemoteAddr, trusted) {
				ctx = traceContext.Extract(ctx, propagation.HeaderCarrier(req.Header))
			}
			route := c.Path()
			name := req.Method
			if route != "" {
				name += " " + route
			}
			ctx, span := s.tracer.Start(ctx, name, serverSpan...)
			c.SetRequest(req.WithContext(ctx))
			err := next(c)
			if err != nil {
				// Answer now, so that the span records the status the client gets.
				c.Error(err)
			}
			if !span.IsRecording() {
				span.End()
				return nil
			}
			// Built only for a recording span, and set in one call when the request is done.
			status := c.Response().Status
			list := takeAttributeList()
			attrs := list[:0]
			attrs = append(attrs, semconv.HTTPRequestMethodKey.String(req.Method), semconv.URLPath(req.URL.Path),
				semconv.URLScheme("http"), semconv.HTTPResponseStatusCode(status))
			if route != "" {
				attrs = append(attrs, semconv.HTTPRoute(route))
			}
			if st := state(c); st != nil {
				attrs = append(attrs, attrRequestID.String(st.id))
				if st.tenantID != "" {
					attrs = append(attrs, attrTenantID.String(st.tenantID))
				}
			}
			span.SetAttributes(attrs...)
			list.release()
			if status >= 500 {
				span.SetStatus(codes.Error, "")
			}
			span.End()
			return nil
		}
	}
}

// traceFields are the trace_id and span_id of ctx's span for a log line, or none.
func traceFields(ctx context.Context) []zap.Field {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []zap.Field{zap.String("trace_id", sc.TraceID().String()), zap.String("span_id", sc.SpanID().String())}
}
