package tracing

import (
	"math"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// Bits of the OTLP span and link flags above the W3C trace flags: whether the parent (or linked)
// context is known to be remote, and if so whether it is.
const (
	flagHasIsRemote uint32 = 0x100
	flagIsRemote    uint32 = 0x200
)

// spanEncoder writes spans in the protobuf encoding of OTLP. A span is encoded on its own (field)
// and added to a spanBatch, in the group of its resource and instrumentation scope; request then
// wraps a batch's groups into an ExportTraceServiceRequest, grouped as the OpenTelemetry exporter groups
// them: one ResourceSpans per resource, one ScopeSpans per scope within it, in order of first
// appearance. Buffers are kept from one batch to the next, so once they have grown to the size of
// a batch, encoding allocates nothing.
//
// A nested message is written behind room for its length, which is filled in when it closes,
// rather than sized in a first pass. The room is one byte for the leaves (attributes, values,
// status), which nearly always fit, and for a span what the previous span took: only when that
// guess is wrong by a power of 128 is the message moved.
type spanEncoder struct {
	buf      []byte
	spanSize int // bytes of the previous span
	// validKeys remembers attribute keys found to be UTF-8, by length: a span's keys are few and
	// constant, and comparing a key with itself is cheaper than validating it again.
	validKeys [32]string
}

// validKey reports whether key is valid UTF-8.
func (e *spanEncoder) validKey(key string) bool {
	slot := &e.validKeys[len(key)%len(e.validKeys)]
	if *slot == key {
		return true
	}
	if !utf8.ValidString(key) {
		return false
	}
	*slot = key
	return true
}

// spanBatch is spans encoded for one request.
type spanBatch struct {
	resources []resourceGroup
	groups    []spanGroup
	last      int // the group of the previous span, tried first: consecutive spans nearly always share it
	count     int
}

type resourceGroup struct {
	res *resource.Resource
	key attribute.Distinct
}

// spanGroup is the spans of one resource and instrumentation scope.
type spanGroup struct {
	resource int
	scope    instrumentation.Scope
	spans    []byte // one ScopeSpans.spans field per span
}

// reset empties b for the next batch, keeping its buffers.
func (b *spanBatch) reset() {
	b.resources = b.resources[:0]
	b.groups = b.groups[:0]
	b.last = -1
	b.count = 0
}

// group is the group of a span of res and scope.
func (b *spanBatch) group(res *resource.Resource, scope instrumentation.Scope) *spanGroup {
	if b.last >= 0 && b.last < len(b.groups) {
		if g := &b.groups[b.last]; b.resources[g.resource].res == res && g.scope == scope {
			return g
		}
	}
	r := b.findResource(res)
	for i := range b.groups {
		if b.groups[i].resource == r && b.groups[i].scope == scope {
			b.last = i
			return &b.groups[i]
		}
	}
	// A slot of an earlier batch is taken with its buffer.
	n := len(b.groups)
	if n < cap(b.groups) {
		b.groups = b.groups[:n+1]
	} else {
		b.groups = append(b.groups, spanGroup{})
	}
	g := &b.groups[n]
	g.resource, g.scope, g.spans = r, scope, g.spans[:0]
	b.last = n
	return g
}

// findResource keys resources by their attribute set, as the OpenTelemetry exporter does: two
// resources with the same attributes are one.
func (b *spanBatch) findResource(res *resource.Resource) int {
	for r := range b.resources {
		if b.resources[r].res == res {
			return r
		}
	}
	key := res.Equivalent()
	for r := range b.resources {
		if b.resources[r].key == key {
			return r
		}
	}
	b.resources = append(b.resources, resourceGroup{res: res, key: key})
	return len(b.resources) - 1
}

// Field numbers of the OTLP messages written (opentelemetry/proto/*/v1/*.proto).
const (
	requestResourceSpans protowire.Number = 1

	resourceSpansResource  protowire.Number = 1
	resourceSpansScopes    protowire.Number = 2
	resourceSpansSchemaURL protowire.Number = 3

	resourceAttributes protowire.Number = 1

	scopeSpansScope     protowire.Number = 1
	scopeSpansSpans     protowire.Number = 2
	scopeSpansSchemaURL protowire.Number = 3

	scopeName       protowire.Number = 1
	scopeVersion    protowire.Number = 2
	scopeAttributes protowire.Number = 3

	spanTraceID           protowire.Number = 1
	spanSpanID            protowire.Number = 2
	spanTraceState        protowire.Number = 3
	spanParentSpanID      protowire.Number = 4
	spanName              protowire.Number = 5
	spanKind              protowire.Number = 6
	spanStart             protowire.Number = 7
	spanEnd               protowire.Number = 8
	spanAttributes        protowire.Number = 9
	spanDroppedAttributes protowire.Number = 10
	spanEvents            protowire.Number = 11
	spanDroppedEvents     protowire.Number = 12
	spanLinks             protowire.Number = 13
	spanDroppedLinks      protowire.Number = 14
	spanStatus            protowire.Number = 15
	spanFlags             protowire.Number = 16

	eventTime              protowire.Number = 1
	eventName              protowire.Number = 2
	eventAttributes        protowire.Number = 3
	eventDroppedAttributes protowire.Number = 4

	linkTraceID           protowire.Number = 1
	linkSpanID            protowire.Number = 2
	linkTraceState        protowire.Number = 3
	linkAttributes        protowire.Number = 4
	linkDroppedAttributes protowire.Number = 5
	linkFlags             protowire.Number = 6

	statusMessage protowire.Number = 2
	statusCode    protowire.Number = 3

	keyValueKey   protowire.Number = 1
	keyValueValue protowire.Number = 2

	anyString protowire.Number = 1
	anyBool   protowire.Number = 2
	anyInt    protowire.Number = 3
	anyDouble protowire.Number = 4
	anyArray  protowire.Number = 5
	anyKVList protowire.Number = 6
	anyBytes  protowire.Number = 7

	// Both ArrayValue and KeyValueList hold their elements in field 1.
	listValues protowire.Number = 1
)

// field returns sd encoded as a ScopeSpans.spans field, in the encoder's buffer: valid until its
// next use.
func (e *spanEncoder) field(sd sdktrace.ReadOnlySpan) []byte {
	e.buf = e.buf[:0]
	m, width := e.openSized(scopeSpansSpans, e.spanSize)
	e.span(sd)
	e.spanSize = len(e.buf) - m
	e.closeSized(m, width)
	return e.buf
}

// fill makes b the batch of spans, each encoded by e; nil entries are skipped.
func (b *spanBatch) fill(e *spanEncoder, spans []sdktrace.ReadOnlySpan) {
	b.reset()
	for _, sd := range spans {
		if sd != nil {
			b.add(sd, e.field(sd))
		}
	}
}

// add appends the field encoding sd to the group of its resource and scope.
func (b *spanBatch) add(sd sdktrace.ReadOnlySpan, field []byte) {
	g := b.group(sd.Resource(), sd.InstrumentationScope())
	g.spans = append(g.spans, field...)
	b.count++
}

// request returns the ExportTraceServiceRequest of b's spans, nil when it has none. The bytes are
// the encoder's own and valid until its next use.
func (e *spanEncoder) request(b *spanBatch) []byte {
	if b.count == 0 {
		return nil
	}
	e.buf = e.buf[:0]
	for r := range b.resources {
		size := 0
		for i := range b.groups {
			if b.groups[i].resource == r {
				size += len(b.groups[i].spans)
			}
		}
		rs, width := e.openSized(requestResourceSpans, size)
		res := b.resources[r].res
		if res != nil {
			m := e.open(resourceSpansResource)
			iter := res.Iter()
			for iter.Next() {
				kv := iter.Attribute()
				e.keyValue(resourceAttributes, &kv)
			}
			e.close(m)
		}
		for i := range b.groups {
			if b.groups[i].resource == r {
				e.scopeSpans(&b.groups[i])
			}
		}
		e.putString(resourceSpansSchemaURL, res.SchemaURL())
		e.closeSized(rs, width)
	}
	return e.buf
}

func (e *spanEncoder) scopeSpans(g *spanGroup) {
	ss, width := e.openSized(resourceSpansScopes, len(g.spans))
	if g.scope != (instrumentation.Scope{}) {
		m := e.open(scopeSpansScope)
		e.putString(scopeName, g.scope.Name)
		e.putString(scopeVersion, g.scope.Version)
		iter := g.scope.Attributes.Iter()
		for iter.Next() {
			kv := iter.Attribute()
			e.keyValue(scopeAttributes, &kv)
		}
		e.close(m)
	}
	e.buf = append(e.buf, g.spans...)
	e.putString(scopeSpansSchemaURL, g.scope.SchemaURL)
	e.closeSized(ss, width)
}

func (e *spanEncoder) span(sd sdktrace.ReadOnlySpan) {
	sc := sd.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	e.putBytes(spanTraceID, tid[:])
	e.putBytes(spanSpanID, sid[:])
	e.putTraceState(spanTraceState, sc.TraceState())
	parent := sd.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		e.putBytes(spanParentSpanID, psid[:])
	}
	e.putString(spanName, sd.Name())
	e.putUint(spanKind, otlpKind(sd.SpanKind()))
	e.putTime(spanStart, sd.StartTime())
	e.putTime(spanEnd, sd.EndTime())
	attrs := sd.Attributes()
	for i := range attrs {
		e.keyValue(spanAttributes, &attrs[i])
	}
	e.putCount(spanDroppedAttributes, sd.DroppedAttributes())
	events := sd.Events()
	for i := range events {
		e.event(&events[i])
	}
	e.putCount(spanDroppedEvents, sd.DroppedEvents())
	links := sd.Links()
	for i := range links {
		e.link(&links[i])
	}
	e.putCount(spanDroppedLinks, sd.DroppedLinks())
	// The status is always present, as the OpenTelemetry exporter writes it, even when unset.
	status := sd.Status()
	m := e.open(spanStatus)
	e.putString(statusMessage, status.Description)
	e.putUint(statusCode, otlpStatusCode(status.Code))
	e.close(m)
	e.putFixed32(spanFlags, otlpFlags(sc.TraceFlags(), parent))
}

func (e *spanEncoder) event(ev *sdktrace.Event) {
	m := e.open(spanEvents)
	e.putTime(eventTime, ev.Time)
	e.putString(eventName, ev.Name)
	for i := range ev.Attributes {
		e.keyValue(eventAttributes, &ev.Attributes[i])
	}
	e.putCount(eventDroppedAttributes, ev.DroppedAttributeCount)
	e.close(m)
}

func (e *spanEncoder) link(l *sdktrace.Link) {
	m := e.open(spanLinks)
	tid, sid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
	e.putBytes(linkTraceID, tid[:])
	e.putBytes(linkSpanID, sid[:])
	// Part of OTLP's link, though the OpenTelemetry exporter leaves it out.
	e.putTraceState(linkTraceState, l.SpanContext.TraceState())
	for i := range l.Attributes {
		e.keyValue(linkAttributes, &l.Attributes[i])
	}
	e.putCount(linkDroppedAttributes, l.DroppedAttributeCount)
	e.putFixed32(linkFlags, otlpFlags(l.SpanContext.TraceFlags(), l.SpanContext))
	e.close(m)
}

// otlpFlags are the W3C trace flags and whether the context that remote describes (the parent of
// a span, the target of a link) is remote.
func otlpFlags(flags trace.TraceFlags, remote trace.SpanContext) uint32 {
	f := uint32(flags) | flagHasIsRemote
	if remote.IsRemote() {
		f |= flagIsRemote
	}
	return f
}

// otlpKind maps the API's span kinds, whose numbering differs from OTLP's.
func otlpKind(k trace.SpanKind) uint64 {
	switch k {
	case trace.SpanKindInternal:
		return 1
	case trace.SpanKindServer:
		return 2
	case trace.SpanKindClient:
		return 3
	case trace.SpanKindProducer:
		return 4
	case trace.SpanKindConsumer:
		return 5
	}
	return 0
}

// otlpStatusCode maps the API's codes, where Error and Ok are swapped relative to OTLP.
func otlpStatusCode(c codes.Code) uint64 {
	switch c {
	case codes.Ok:
		return 1
	case codes.Error:
		return 2
	}
	return 0
}

// keyValue writes kv as field num. A scalar value, nearly every attribute a span has, is written in
// one pass, its lengths counted beforehand; a list, a map or a string to repair goes through open
// and close.
func (e *spanEncoder) keyValue(num protowire.Number, kv *attribute.KeyValue) {
	key := string(kv.Key)
	var s string
	var n uint64     // the varint of a bool or an int, the bits of a double
	var value uint64 // bytes of the AnyValue
	switch kv.Value.Type() {
	case attribute.STRING:
		s = kv.Value.AsString()
		if !utf8.ValidString(s) {
			e.nestedKeyValue(num, kv)
			return
		}
		value = lengthDelimited(uint64(len(s)))
	case attribute.BOOL:
		n = protowire.EncodeBool(kv.Value.AsBool())
		value = 2
	case attribute.INT64:
		n = uint64(kv.Value.AsInt64())              //nolint:gosec // int64 is written as its two's complement
		value = 1 + uint64(protowire.SizeVarint(n)) //nolint:gosec // a varint's size, 1 to 10
	case attribute.FLOAT64:
		n = math.Float64bits(kv.Value.AsFloat64())
		value = 9
	default:
		e.nestedKeyValue(num, kv)
		return
	}
	// An empty key is left out, as protobuf leaves out an empty string, by the nested path.
	if key == "" || !e.validKey(key) {
		e.nestedKeyValue(num, kv)
		return
	}
	size := lengthDelimited(uint64(len(key))) + lengthDelimited(value)
	b := appendVarint(e.buf, protowire.EncodeTag(num, protowire.BytesType))
	b = appendVarint(b, size)
	b = appendVarint(b, protowire.EncodeTag(keyValueKey, protowire.BytesType))
	b = appendVarint(b, uint64(len(key)))
	b = append(b, key...)
	b = appendVarint(b, protowire.EncodeTag(keyValueValue, protowire.BytesType))
	b = appendVarint(b, value)
	switch kv.Value.Type() {
	case attribute.STRING:
		b = appendVarint(b, protowire.EncodeTag(anyString, protowire.BytesType))
		b = appendVarint(b, uint64(len(s)))
		b = append(b, s...)
	case attribute.BOOL:
		b = appendVarint(b, protowire.EncodeTag(anyBool, protowire.VarintType))
		b = appendVarint(b, n)
	case attribute.INT64:
		b = appendVarint(b, protowire.EncodeTag(anyInt, protowire.VarintType))
		b = appendVarint(b, n)
	default: // FLOAT64
		b = appendVarint(b, protowire.EncodeTag(anyDouble, protowire.Fixed64Type))
		b = protowire.AppendFixed64(b, n)
	}
	e.buf = b
}

// lengthDelimited is the size of a field of n bytes behind a one-byte tag.
func lengthDelimited(n uint64) uint64 {
	return 1 + uint64(protowire.SizeVarint(n)) + n //nolint:gosec // a varint's size, 1 to 10
}

// nestedKeyValue writes kv as field num whatever its value, each nested message behind room for
// its length.
func (e *spanEncoder) nestedKeyValue(num protowire.Number, kv *attribute.KeyValue) {
	m := e.open(num)
	e.putString(keyValueKey, string(kv.Key))
	v := e.open(keyValueValue)
	e.value(kv.Value)
	e.close(v)
	e.close(m)
}

// The AnyValue members of the scalar types.
func (e *spanEncoder) boolValue(b bool) {
	e.tag(anyBool, protowire.VarintType)
	e.varint(protowire.EncodeBool(b))
}

func (e *spanEncoder) intValue(n int64) {
	e.tag(anyInt, protowire.VarintType)
	e.varint(uint64(n)) //nolint:gosec // int64 is written as its two's complement
}

func (e *spanEncoder) doubleValue(f float64) {
	e.tag(anyDouble, protowire.Fixed64Type)
	e.buf = protowire.AppendFixed64(e.buf, math.Float64bits(f))
}

func (e *spanEncoder) stringValue(s string) { e.putStringAlways(anyString, s) }

// arrayValue writes an ArrayValue member holding one AnyValue per item, its fields written by put.
func arrayValue[T any](e *spanEncoder, items []T, put func(T)) {
	a := e.open(anyArray)
	for _, item := range items {
		m := e.open(listValues)
		put(item)
		e.close(m)
	}
	e.close(a)
}

// value writes the fields of an AnyValue. Its members belong to a oneof, so a zero value is
// still written: false, 0 and "" are values, not absences.
func (e *spanEncoder) value(v attribute.Value) {
	switch v.Type() {
	case attribute.BOOL:
		e.boolValue(v.AsBool())
	case attribute.INT64:
		e.intValue(v.AsInt64())
	case attribute.FLOAT64:
		e.doubleValue(v.AsFloat64())
	case attribute.STRING:
		e.stringValue(v.AsString())
	case attribute.BYTESLICE:
		e.putBytes(anyBytes, v.AsByteSlice())
	case attribute.BOOLSLICE:
		arrayValue(e, v.AsBoolSlice(), e.boolValue)
	case attribute.INT64SLICE:
		arrayValue(e, v.AsInt64Slice(), e.intValue)
	case attribute.FLOAT64SLICE:
		arrayValue(e, v.AsFloat64Slice(), e.doubleValue)
	case attribute.STRINGSLICE:
		arrayValue(e, v.AsStringSlice(), e.stringValue)
	case attribute.SLICE:
		arrayValue(e, v.AsSlice(), e.value)
	case attribute.MAP:
		a := e.open(anyKVList)
		m := v.AsMap()
		for i := range m {
			e.keyValue(listValues, &m[i])
		}
		e.close(a)
	case attribute.EMPTY:
		// An AnyValue with no member set is the empty value.
	default:
		e.putStringAlways(anyString, "INVALID")
	}
}

// open starts a length-delimited field expected to be short and returns where its content
// begins, for close.
func (e *spanEncoder) open(num protowire.Number) int {
	e.tag(num, protowire.BytesType)
	e.buf = append(e.buf, 0)
	return len(e.buf)
}

// close writes the length of the field open returned start for.
func (e *spanEncoder) close(start int) {
	if n := uint64(len(e.buf) - start); n < 0x80 { //nolint:gosec // a length, never negative
		e.buf[start-1] = byte(n)
		return
	}
	e.closeSized(start, 1)
}

// openSized starts a length-delimited field with room for the length of a content of about guess
// bytes, and returns where its content begins and the room left, for closeSized.
func (e *spanEncoder) openSized(num protowire.Number, guess int) (start, width int) {
	e.tag(num, protowire.BytesType)
	width = protowire.SizeVarint(uint64(max(guess, 0)))
	e.buf = append(e.buf, make([]byte, width)...)
	return len(e.buf), width
}

// closeSized writes the length of the field openSized returned start and width for, moving the
// content when the guess was wrong by a power of 128.
func (e *spanEncoder) closeSized(start, width int) {
	n := len(e.buf) - start
	size := uint64(n) //nolint:gosec // a length, never negative
	need := protowire.SizeVarint(size)
	switch {
	case need > width:
		e.buf = append(e.buf, make([]byte, need-width)...)
		copy(e.buf[start+need-width:], e.buf[start:start+n])
	case need < width:
		copy(e.buf[start-width+need:], e.buf[start:start+n])
		e.buf = e.buf[:len(e.buf)-width+need]
	}
	protowire.AppendVarint(e.buf[:start-width], size)
}

func (e *spanEncoder) tag(num protowire.Number, typ protowire.Type) {
	e.varint(protowire.EncodeTag(num, typ))
}

// varint writes the one-byte varints of tags and short lengths without a call.
func (e *spanEncoder) varint(v uint64) {
	e.buf = appendVarint(e.buf, v)
}

// appendVarint appends v, a one-byte varint (a tag, a short length) without a call.
func appendVarint(b []byte, v uint64) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return protowire.AppendVarint(b, v)
}

func (e *spanEncoder) putBytes(num protowire.Number, b []byte) {
	e.tag(num, protowire.BytesType)
	e.varint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

// putString writes a string field unless it is empty, which protobuf reads back the same.
func (e *spanEncoder) putString(num protowire.Number, s string) {
	if s != "" {
		e.putStringAlways(num, s)
	}
}

// putStringAlways writes s as valid UTF-8, each invalid byte replaced by U+FFFD: protobuf requires
// strings to be UTF-8, and one bad attribute would otherwise make the collector refuse the batch.
func (e *spanEncoder) putStringAlways(num protowire.Number, s string) {
	if utf8.ValidString(s) {
		e.tag(num, protowire.BytesType)
		e.varint(uint64(len(s)))
		e.buf = append(e.buf, s...)
		return
	}
	m := e.open(num)
	for _, r := range s {
		e.buf = utf8.AppendRune(e.buf, r)
	}
	e.close(m)
}

// putTraceState writes the W3C tracestate header value, key=value pairs joined by commas, as the
// API's String would build it, but without building it.
func (e *spanEncoder) putTraceState(num protowire.Number, ts trace.TraceState) {
	if ts.Len() == 0 {
		return
	}
	m := e.open(num)
	first := true
	ts.Walk(func(key, value string) bool {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = append(e.buf, key...)
		e.buf = append(e.buf, '=')
		e.buf = append(e.buf, value...)
		return true
	})
	e.close(m)
}

func (e *spanEncoder) putUint(num protowire.Number, v uint64) {
	if v != 0 {
		e.tag(num, protowire.VarintType)
		e.varint(v)
	}
}

// putCount writes a dropped count, clamped to the uint32 of the protocol.
func (e *spanEncoder) putCount(num protowire.Number, n int) {
	e.putUint(num, uint64(min(max(n, 0), math.MaxUint32)))
}

func (e *spanEncoder) putFixed32(num protowire.Number, v uint32) {
	e.tag(num, protowire.Fixed32Type)
	e.buf = protowire.AppendFixed32(e.buf, v)
}

// putTime writes t in Unix nanoseconds, a time before 1970 (the zero time of a span not ended) as 0,
// as the OpenTelemetry exporter does.
func (e *spanEncoder) putTime(num protowire.Number, t time.Time) {
	ns := uint64(max(0, t.UnixNano()))
	if ns != 0 {
		e.tag(num, protowire.Fixed64Type)
		e.buf = protowire.AppendFixed64(e.buf, ns)
	}
}
