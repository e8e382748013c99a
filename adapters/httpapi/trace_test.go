package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
)

func withTracer(tp trace.TracerProvider) option {
	return func(_ *httpapi.Config, d *httpapi.Deps) { d.Tracer = tp }
}

func recordingTracer(t *testing.T) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	return tp, rec
}

func spanNamed(t *testing.T, spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range spans {
		if s.Name() == name {
			return s
		}
	}
	names := make([]string, 0, len(spans))
	for _, s := range spans {
		names = append(names, s.Name())
	}
	require.Failf(t, "no span named "+name, "spans: %v", names)
	return nil
}

func attr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// One authenticated request yields a server span with the tenant, and under it the authentication
// and the tenant resolution; its access-log line names the server span.
func TestRequestSpansCarryTheTenant(t *testing.T) {
	tp, spans := recordingTracer(t)
	h := newHarness(t, withTracer(tp))

	rec := h.get("/api/v1/users?limit=5", "Authorization", tokenFor(h.alice), tenantHeader, "acme")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	ended := spans.Ended()
	server := spanNamed(t, ended, "GET /api/v1/users")
	assert.Equal(t, trace.SpanKindServer, server.SpanKind())
	assert.Equal(t, h.acme.ID().String(), attr(server, "tenant.id").AsString())
	assert.Equal(t, "/api/v1/users", attr(server, "http.route").AsString())
	assert.Equal(t, int64(http.StatusOK), attr(server, "http.response.status_code").AsInt64())
	assert.False(t, server.Parent().IsValid(), "a request from an untrusted peer starts its own trace")

	for _, name := range []string{"authenticate", "tenant.resolve"} {
		child := spanNamed(t, ended, name)
		assert.Equal(t, server.SpanContext().SpanID(), child.Parent().SpanID(), "%s is a child of the server span", name)
		assert.Equal(t, h.acme.ID().String(), attr(child, "tenant.id").AsString(), name)
	}
	assert.Equal(t, "header", attr(spanNamed(t, ended, "tenant.resolve"), "tenant.resolution.source").AsString())

	line := h.accessLine(rec).ContextMap()
	assert.Equal(t, server.SpanContext().TraceID().String(), line["trace_id"])
	assert.Equal(t, server.SpanContext().SpanID().String(), line["span_id"])
}

// A refused request's spans carry the problem code, never the message.
func TestRefusedResolutionSpanCarriesTheCode(t *testing.T) {
	tp, spans := recordingTracer(t)
	h := newHarness(t, withTracer(tp))

	rec := h.get("/api/v1/tenant", tenantHeader, "nobody")
	require.Equal(t, http.StatusNotFound, rec.Code)

	resolve := spanNamed(t, spans.Ended(), "tenant.resolve")
	assert.Equal(t, "tenant.not_found", attr(resolve, "tenantcore.outcome").AsString())
	assert.Equal(t, "tenant.not_found", resolve.Status().Description)
}

// An incoming traceparent continues the caller's trace only when a trusted proxy sent it
// (TRUSTED_PROXIES); from anyone else it is ignored.
func TestTraceparentHonouredOnlyFromTrustedProxies(t *testing.T) {
	const (
		callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
		callerSpan  = "00f067aa0ba902b7"
	)
	for _, tt := range []struct {
		name       string
		remoteAddr string
		continued  bool
	}{
		{"trusted proxy", "10.1.2.3:5000", true},
		{"anyone else", "192.0.2.7:5000", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tp, spans := recordingTracer(t)
			h := newHarness(t, withTracer(tp))
			req := h.request(http.MethodGet, "/healthz", nil)
			req.RemoteAddr = tt.remoteAddr
			req.Header.Set("traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
			require.Equal(t, http.StatusOK, h.do(req).Code)

			server := spanNamed(t, spans.Ended(), "GET /healthz")
			if tt.continued {
				assert.Equal(t, callerTrace, server.SpanContext().TraceID().String())
				assert.Equal(t, callerSpan, server.Parent().SpanID().String())
				return
			}
			assert.NotEqual(t, callerTrace, server.SpanContext().TraceID().String())
			assert.False(t, server.Parent().IsValid())
		})
	}
}
