package tracing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/tenantcore/tenantcore/adapters/tracing"
)

var (
	t0         = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	remoteTS   = mustTraceState("vendor=value,other=x")
	linkTS     = mustTraceState("linked=1")
	remoteSC   = trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled, TraceState: remoteTS, Remote: true})
	linkedSC   = trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{7}, SpanID: trace.SpanID{8}, TraceState: linkTS, Remote: true})
	localLinkC = trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{9}, SpanID: trace.SpanID{10}, TraceFlags: trace.FlagsSampled})
)

func mustTraceState(s string) trace.TraceState {
	ts, err := trace.ParseTraceState(s)
	if err != nil {
		panic(err)
	}
	return ts
}

// everyType is one attribute of each type the API has.
var everyType = []attribute.KeyValue{
	attribute.Bool("bool.true", true),
	attribute.Bool("bool.false", false),
	attribute.Int64("int", -42),
	attribute.Int64("int.zero", 0),
	attribute.Float64("float", 2.5),
	attribute.String("string", "héllo"),
	attribute.String("string.empty", ""),
	// Lengths of two varint bytes at each level of nesting, in the key and in the value.
	attribute.String(strings.Repeat("long.key.", 16), strings.Repeat("long value ", 40)),
	attribute.Int64("int.largest", math.MaxInt64),
	attribute.Int64("int.smallest", math.MinInt64),
	attribute.BoolSlice("bools", []bool{true, false}),
	attribute.Int64Slice("ints", []int64{1, -2, 1 << 40}),
	attribute.Float64Slice("floats", []float64{0.5, -1}),
	attribute.StringSlice("strings", []string{"a", "", "c"}),
	attribute.StringSlice("strings.none", []string{}),
	attribute.ByteSlice("bytes", []byte{0, 1, 255}),
	attribute.Slice("mixed", attribute.StringValue("s"), attribute.IntValue(3), attribute.SliceValue(attribute.BoolValue(true))),
	attribute.Map("map", attribute.String("k", "v"), attribute.Int("n", 1)),
	{Key: "empty"},
}

// recordSpans makes spans with the SDK, under two resources and three scopes, covering every field
// of the OTLP span: kinds, remote and local parents, trace state, events, links, statuses and, with
// the limits below, dropped attributes, events and links.
func recordSpans(t testing.TB) []sdktrace.ReadOnlySpan {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	limits := sdktrace.NewSpanLimits()
	limits.AttributeCountLimit = 20
	limits.EventCountLimit = 2
	limits.LinkCountLimit = 2
	limits.AttributePerEventCountLimit = 2
	limits.AttributePerLinkCountLimit = 2
	resA := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.40.0",
		attribute.String("service.name", "a"), attribute.Int("resource.n", 7))
	resB := resource.NewSchemaless(attribute.String("service.name", "b"))
	tpA := sdktrace.NewTracerProvider(sdktrace.WithResource(resA), sdktrace.WithSpanProcessor(rec), sdktrace.WithRawSpanLimits(limits))
	tpB := sdktrace.NewTracerProvider(sdktrace.WithResource(resB), sdktrace.WithSpanProcessor(rec), sdktrace.WithRawSpanLimits(limits))
	one := tpA.Tracer("scope.one", trace.WithInstrumentationVersion("1.2.3"),
		trace.WithSchemaURL("https://opentelemetry.io/schemas/1.39.0"),
		trace.WithInstrumentationAttributes(attribute.String("scope.attr", "x"), attribute.Bool("scope.flag", true)))
	two := tpA.Tracer("scope.two")
	three := tpB.Tracer("scope.three", trace.WithInstrumentationVersion("0.1"))

	ctx, root := one.Start(context.Background(), "root", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithTimestamp(t0), trace.WithAttributes(everyType...))
	root.AddEvent("checkpoint", trace.WithTimestamp(t0.Add(time.Millisecond)),
		trace.WithAttributes(attribute.String("phase", "one"), attribute.Int("n", 1)))
	root.SetStatus(codes.Error, "it failed")

	_, local := two.Start(ctx, "local child", trace.WithSpanKind(trace.SpanKindClient), trace.WithTimestamp(t0))
	local.SetStatus(codes.Ok, "")
	local.End(trace.WithTimestamp(t0.Add(2 * time.Millisecond)))

	remoteCtx := trace.ContextWithRemoteSpanContext(context.Background(), remoteSC)
	_, remote := three.Start(remoteCtx, "remote child", trace.WithSpanKind(trace.SpanKindConsumer), trace.WithTimestamp(t0),
		trace.WithLinks(
			// The SDK keeps the last links past its limit: the first is dropped.
			trace.Link{SpanContext: localLinkC, Attributes: []attribute.KeyValue{attribute.Bool("dropped", true)}},
			trace.Link{SpanContext: localLinkC},
			trace.Link{SpanContext: linkedSC, Attributes: []attribute.KeyValue{attribute.String("why", "enqueued"), attribute.Int("a", 1), attribute.Int("b", 2)}},
		))
	remote.End(trace.WithTimestamp(t0.Add(3 * time.Millisecond)))

	_, crowded := one.Start(ctx, "crowded", trace.WithSpanKind(trace.SpanKindProducer), trace.WithTimestamp(t0))
	for i := range 25 {
		crowded.SetAttributes(attribute.Int(fmt.Sprintf("attr.%02d", i), i))
	}
	for i := range 3 {
		crowded.AddEvent(fmt.Sprintf("event %d", i), trace.WithTimestamp(t0.Add(time.Duration(i)*time.Microsecond)),
			trace.WithAttributes(attribute.Int("x", i), attribute.Int("y", i), attribute.Int("z", i)))
	}
	crowded.RecordError(errors.New("bad thing"), trace.WithTimestamp(t0))
	crowded.End(trace.WithTimestamp(t0.Add(4 * time.Millisecond)))

	_, internal := two.Start(ctx, "internal", trace.WithTimestamp(t0))
	internal.End(trace.WithTimestamp(t0.Add(5 * time.Millisecond)))

	root.End(trace.WithTimestamp(t0.Add(10 * time.Millisecond)))
	spans := rec.Ended()
	require.Len(t, spans, 5)
	return spans
}

func decode(t testing.TB, b []byte) *coltracepb.ExportTraceServiceRequest {
	t.Helper()
	var req coltracepb.ExportTraceServiceRequest
	require.NoError(t, proto.Unmarshal(b, &req))
	return &req
}

func spanNamed(t *testing.T, req *coltracepb.ExportTraceServiceRequest, name string) *tracepb.Span {
	t.Helper()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				if s.GetName() == name {
					return s
				}
			}
		}
	}
	t.Fatalf("no span %q", name)
	return nil
}

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func integer(n int64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
}

func boolean(b bool) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
}

func double(f float64) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
}

func array(vs ...*commonpb.AnyValue) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: vs}}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

func assertProtoEqual(t *testing.T, want, got proto.Message, what string) {
	t.Helper()
	if !proto.Equal(want, got) {
		t.Errorf("%s differs\nwant: %s\ngot:  %s", what, prototext.Format(want), prototext.Format(got))
	}
}

// Every field of the data model, decoded with the official OTLP types, against values written by
// hand from the OTLP specification.
func TestEncodingCarriesEveryField(t *testing.T) {
	spans := recordSpans(t)
	var enc tracing.Encoder
	req := decode(t, enc.Encode(spans))

	require.Len(t, req.GetResourceSpans(), 2, "two resources")
	a, b := req.GetResourceSpans()[0], req.GetResourceSpans()[1]
	assert.Equal(t, "https://opentelemetry.io/schemas/1.40.0", a.GetSchemaUrl())
	assertProtoEqual(t, &commonpb.KeyValue{Key: "resource.n", Value: integer(7)}, a.GetResource().GetAttributes()[0], "resource attribute")
	assert.Len(t, a.GetResource().GetAttributes(), 2)
	assert.Empty(t, b.GetSchemaUrl())
	require.Len(t, a.GetScopeSpans(), 2, "two scopes under the first resource, in order of appearance")
	require.Len(t, b.GetScopeSpans(), 1)
	assert.Equal(t, "scope.two", a.GetScopeSpans()[0].GetScope().GetName(), "its span ended first")
	one := a.GetScopeSpans()[1]
	assertProtoEqual(t, &commonpb.InstrumentationScope{Name: "scope.one", Version: "1.2.3",
		Attributes: []*commonpb.KeyValue{kv("scope.attr", str("x")), kv("scope.flag", boolean(true))}}, one.GetScope(), "scope")
	assert.Equal(t, "https://opentelemetry.io/schemas/1.39.0", one.GetSchemaUrl())
	assert.Equal(t, []string{"crowded", "root"}, []string{one.GetSpans()[0].GetName(), one.GetSpans()[1].GetName()},
		"spans of a scope in batch order")

	root := spanNamed(t, req, "root")
	rootSC := spans[4].SpanContext()
	assert.Equal(t, rootSC.TraceID().String(), fmt.Sprintf("%x", root.GetTraceId()))
	assert.Equal(t, rootSC.SpanID().String(), fmt.Sprintf("%x", root.GetSpanId()))
	assert.Empty(t, root.GetParentSpanId())
	assert.Empty(t, root.GetTraceState())
	assert.Equal(t, tracepb.Span_SPAN_KIND_SERVER, root.GetKind())
	assert.Equal(t, uint64(t0.UnixNano()), root.GetStartTimeUnixNano())
	assert.Equal(t, uint64(t0.Add(10*time.Millisecond).UnixNano()), root.GetEndTimeUnixNano())
	assert.Equal(t, uint32(trace.FlagsSampled)|uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK), root.GetFlags())
	assertProtoEqual(t, &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "it failed"}, root.GetStatus(), "status")
	wantAttrs := []*commonpb.KeyValue{
		kv("bool.true", boolean(true)), kv("bool.false", boolean(false)),
		kv("int", integer(-42)), kv("int.zero", integer(0)), kv("float", double(2.5)),
		kv("string", str("héllo")), kv("string.empty", str("")),
		kv(strings.Repeat("long.key.", 16), str(strings.Repeat("long value ", 40))),
		kv("int.largest", integer(math.MaxInt64)), kv("int.smallest", integer(math.MinInt64)),
		kv("bools", array(boolean(true), boolean(false))),
		kv("ints", array(integer(1), integer(-2), integer(1<<40))),
		kv("floats", array(double(0.5), double(-1))),
		kv("strings", array(str("a"), str(""), str("c"))),
		kv("strings.none", array()),
		kv("bytes", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0, 1, 255}}}),
		kv("mixed", array(str("s"), integer(3), array(boolean(true)))),
		kv("map", &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{
			Values: []*commonpb.KeyValue{kv("k", str("v")), kv("n", integer(1))}}}}),
		kv("empty", &commonpb.AnyValue{}),
	}
	assertProtoEqual(t, &tracepb.Span{Attributes: wantAttrs}, &tracepb.Span{Attributes: root.GetAttributes()}, "attributes of every type")
	assertProtoEqual(t, &tracepb.Span_Event{TimeUnixNano: uint64(t0.Add(time.Millisecond).UnixNano()), Name: "checkpoint",
		Attributes: []*commonpb.KeyValue{kv("phase", str("one")), kv("n", integer(1))}}, root.GetEvents()[0], "event")

	local := spanNamed(t, req, "local child")
	assert.Equal(t, root.GetSpanId(), local.GetParentSpanId())
	assert.Equal(t, tracepb.Span_SPAN_KIND_CLIENT, local.GetKind())
	assert.Equal(t, uint32(0x101), local.GetFlags(), "sampled, parent known to be local")
	assertProtoEqual(t, &tracepb.Status{Code: tracepb.Status_STATUS_CODE_OK}, local.GetStatus(), "ok status")
	assert.Equal(t, tracepb.Span_SPAN_KIND_INTERNAL, spanNamed(t, req, "internal").GetKind())
	assertProtoEqual(t, &tracepb.Status{}, spanNamed(t, req, "internal").GetStatus(), "unset status, present")

	remote := spanNamed(t, req, "remote child")
	assert.Equal(t, tracepb.Span_SPAN_KIND_CONSUMER, remote.GetKind())
	assert.Equal(t, []byte{1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, remote.GetTraceId())
	assert.Equal(t, []byte{4, 5, 6, 0, 0, 0, 0, 0}, remote.GetParentSpanId())
	assert.Equal(t, "vendor=value,other=x", remote.GetTraceState())
	assert.Equal(t, uint32(trace.FlagsSampled)|uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)|
		uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK), remote.GetFlags())
	require.Len(t, remote.GetLinks(), 2)
	assertProtoEqual(t, &tracepb.Span_Link{
		TraceId: []byte{7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, SpanId: []byte{8, 0, 0, 0, 0, 0, 0, 0},
		TraceState:             "linked=1",
		Attributes:             []*commonpb.KeyValue{kv("why", str("enqueued")), kv("a", integer(1))},
		DroppedAttributesCount: 1,
		Flags:                  0x300,
	}, remote.GetLinks()[1], "remote link")
	assert.Equal(t, uint32(0x101), remote.GetLinks()[0].GetFlags(), "local link")
	assert.Empty(t, remote.GetLinks()[0].GetAttributes())
	assert.Equal(t, uint32(1), remote.GetDroppedLinksCount())

	crowded := spanNamed(t, req, "crowded")
	assert.Equal(t, tracepb.Span_SPAN_KIND_PRODUCER, crowded.GetKind())
	assert.Len(t, crowded.GetAttributes(), 20)
	assert.Equal(t, uint32(5), crowded.GetDroppedAttributesCount())
	assert.Len(t, crowded.GetEvents(), 2)
	assert.Equal(t, uint32(2), crowded.GetDroppedEventsCount(), "three events and an exception, two kept")
	assert.Equal(t, uint32(1), crowded.GetEvents()[0].GetDroppedAttributesCount())
}

// The bytes decode to what the OpenTelemetry exporter sends for the same spans, but for the trace
// state of links, which it leaves out.
func TestEncodingMatchesTheOpenTelemetryExporter(t *testing.T) {
	spans := recordSpans(t)
	var enc tracing.Encoder
	ours := decode(t, enc.Encode(append(slices.Clone(spans), nil)))

	var mu sync.Mutex
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		body = b
		mu.Unlock()
	}))
	defer srv.Close()
	stock, err := otlptracehttp.New(t.Context(), otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"))
	require.NoError(t, err)
	require.NoError(t, stock.ExportSpans(t.Context(), spans))
	require.NoError(t, stock.Shutdown(t.Context()))
	mu.Lock()
	theirs := decode(t, body)
	mu.Unlock()

	linkStates := 0
	for _, rs := range ours.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				for _, l := range s.GetLinks() {
					if l.GetTraceState() != "" {
						linkStates++
						l.TraceState = ""
					}
				}
			}
		}
	}
	assert.Equal(t, 1, linkStates)
	// Its resources come in map order.
	byResource := func(a, b *tracepb.ResourceSpans) int {
		return bytes.Compare([]byte(prototext.Format(a.GetResource())), []byte(prototext.Format(b.GetResource())))
	}
	slices.SortFunc(ours.ResourceSpans, byResource)
	slices.SortFunc(theirs.ResourceSpans, byResource)
	assertProtoEqual(t, theirs, ours, "request")
}

func TestEncodingRepairsInvalidUTF8(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	_, span := tp.Tracer("t").Start(context.Background(), "bad\xffname", trace.WithAttributes(attribute.String("k\xfe", "v\xc3")))
	span.End()
	var enc tracing.Encoder
	s := decode(t, enc.Encode(rec.Ended())).GetResourceSpans()[0].GetScopeSpans()[0].GetSpans()[0]
	assert.Equal(t, "bad\uFFFDname", s.GetName())
	assertProtoEqual(t, kv("k\uFFFD", str("v\uFFFD")), s.GetAttributes()[0], "attribute")
}

// The room left for lengths is guessed from the previous batch: whether the guess is too small,
// too large or right, the bytes are the same.
func TestEncodingDoesNotDependOnThePreviousBatch(t *testing.T) {
	small, large := recordSpans(t), typicalBatch(t)
	var fresh, reused tracing.Encoder
	freshSmall := slices.Clone(fresh.Encode(small))
	freshLarge := slices.Clone(fresh.Encode(large))
	require.NotNil(t, reused.Encode(large))
	assert.Equal(t, freshSmall, reused.Encode(small), "after a large batch")
	assert.Equal(t, freshLarge, reused.Encode(large), "after a small batch")
	assert.Equal(t, freshLarge, reused.Encode(large), "after the same batch")
	var fromScratch tracing.Encoder
	assert.Equal(t, freshLarge, fromScratch.Encode(large))
}

func TestEncodingNothing(t *testing.T) {
	var enc tracing.Encoder
	assert.Nil(t, enc.Encode(nil))
	assert.Nil(t, enc.Encode([]sdktrace.ReadOnlySpan{nil}))
}

// typicalBatch is what the batch processor hands over under load: 512 ended spans of a few
// requests' worth of attributes each, with trace state, an event and a link here and there.
func typicalBatch(tb testing.TB) []sdktrace.ReadOnlySpan {
	tb.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tracer := tp.Tracer("github.com/tenantcore/tenantcore/adapters/httpapi", trace.WithInstrumentationVersion("1.0.0"))
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), remoteSC)
	for i := range 128 {
		rctx, req := tracer.Start(ctx, "GET /api/v1/users", trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
			attribute.String("http.request.method", "GET"), attribute.String("url.path", "/api/v1/users"),
			attribute.String("http.route", "/api/v1/users"), attribute.String("url.scheme", "http"),
			attribute.String("server.address", "acme.example.com"), attribute.Int("server.port", 8080),
			attribute.String("client.address", "10.0.0.1"), attribute.String("user_agent.original", "Go-http-client/1.1"),
			attribute.String("tenant.id", "3f2c1a9e-8d4b-4c1e-9a6f-2b7d5e8c0a11"), attribute.Int("http.response.status_code", 200),
			attribute.String("tenantcore.request_id", fmt.Sprintf("req-%d", i))))
		for _, name := range []string{"authenticate", "tenant.resolve", "SELECT users"} {
			_, child := tracer.Start(rctx, name, trace.WithAttributes(
				attribute.String("tenant.id", "3f2c1a9e-8d4b-4c1e-9a6f-2b7d5e8c0a11"), attribute.String("db.system.name", "postgresql"),
				attribute.String("db.operation.name", "SELECT"), attribute.String("db.collection.name", "users"),
				attribute.Bool("tenantcore.unit_of_work.joined", false)),
				trace.WithLinks(trace.Link{SpanContext: linkedSC}))
			child.AddEvent("rows", trace.WithAttributes(attribute.Int("n", 20)))
			child.End()
		}
		req.SetStatus(codes.Ok, "")
		req.End()
	}
	spans := rec.Ended()
	require.Len(tb, spans, 512)
	return spans
}

func TestEncodingAllocatesNothingPerSpan(t *testing.T) {
	spans := typicalBatch(t)
	var enc tracing.Encoder
	enc.Encode(spans) // the encoder's slices grow once, to the batch's size
	allocs := testing.AllocsPerRun(20, func() { enc.Encode(spans) })
	t.Logf("%.0f allocations for a batch of %d spans", allocs, len(spans))
	assert.LessOrEqual(t, allocs, 2.0, "an encoded batch allocates nothing per span")
}

func BenchmarkEncode(b *testing.B) {
	spans := typicalBatch(b)
	var enc tracing.Encoder
	enc.Encode(spans) // the encoder's slices grow once, to the batch's size
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(enc.Encode(spans))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(spans)), "ns/span")
	b.SetBytes(int64(n))
}
