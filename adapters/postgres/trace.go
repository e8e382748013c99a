package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// Attributes of tenant transaction spans beyond the semantic conventions' own. A span never
// carries a statement's arguments: they are tenant data.
const (
	// AttrTenantID is the tenant a span works for.
	AttrTenantID = attribute.Key("tenant.id")
	// AttrStatementMode is the statement mode of the DB (unnamed or prepared).
	AttrStatementMode = attribute.Key("db.mode")
	// AttrJoined tells a statement that ran inside a unit of work from one that was a tenant
	// transaction of its own.
	AttrJoined = attribute.Key("tenantcore.unit_of_work.joined")
)

// dbSystem is the older spelling of db.system.name, still the one many trace views key on.
var dbSystem = attribute.String("db.system", "postgresql")

// clientSpan is the start options of statement and unit of work spans, made once: an option list
// made at each call would escape to the heap through the Tracer interface.
var clientSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}

// attributeList is what a span hands its attributes over in; attributeLists keeps them for the
// next span: the SDK copies the attributes, and a list made per span would be garbage at once.
type attributeList [10]attribute.KeyValue

var attributeLists = sync.Pool{New: func() any { return new(attributeList) }}

// telemetry is what a DB reports its tenant transactions to; the zero value reports nothing.
type telemetry struct {
	tracer trace.Tracer
	// usage receives the time each tenant transaction took, for the per-tenant top-K.
	usage func(tenantID uuid.UUID, elapsed time.Duration)
}

// Instrument makes db start a span for each tenant transaction and each statement (tp nil: none)
// and report each tenant transaction's duration to usage (nil: nowhere). Call it before db serves.
func (db *DB) Instrument(tp trace.TracerProvider, usage func(tenantID uuid.UUID, elapsed time.Duration)) {
	db.telemetry.usage = usage
	db.telemetry.tracer = nil
	if tp != nil {
		db.telemetry.tracer = tp.Tracer("github.com/tenantcore/tenantcore/adapters/postgres")
	}
}

// runTraced is run inside a span named for the statement (op is the repository method, table the
// statement's main table). A statement outside a unit of work is a tenant transaction of its own,
// whose time counts for its tenant; inside one, the unit's span and time cover it.
func (db *DB) runTraced(ctx context.Context, tenantID uuid.UUID, op, table string, s statement) error {
	if db.telemetry.tracer == nil && db.telemetry.usage == nil {
		return db.run(ctx, tenantID, s)
	}
	tx, joined := ctx.Value(txKey{}).(*tenantTx)
	joined = joined && tx.db == db
	ctx, span := db.startSpan(ctx, tenantID, op, table, joined)
	err := db.run(ctx, tenantID, s)
	span.end(err)
	return err
}

// tracedSpan is a statement's or a unit of work's span (nil: none) and what it reports when it
// ends. Its attributes are set when it ends, in one call: each call to the SDK takes the span's
// lock and may grow its attribute slice again.
type tracedSpan struct {
	db       *DB
	span     trace.Span
	start    time.Time
	tenantID uuid.UUID
	// verb and table are the statement's; a unit of work has the verb TRANSACTION and no table.
	verb, table string
	// joined: a statement inside a unit of work, whose time the unit's report covers.
	joined bool
}

// startSpan starts the span of one statement.
func (db *DB) startSpan(ctx context.Context, tenantID uuid.UUID, op, table string, joined bool) (context.Context, tracedSpan) {
	t := tracedSpan{db: db, start: time.Now(), tenantID: tenantID, verb: sqlVerb(op), table: table, joined: joined}
	if db.telemetry.tracer != nil {
		ctx, t.span = db.telemetry.tracer.Start(ctx, t.verb+" "+table, clientSpan...)
	}
	return ctx, t
}

// traceUnit starts the span of a unit of work, replacing *ctx with its context; the function it
// returns ends it with *err and reports the unit's duration. It is called as
// defer db.traceUnit(&ctx, id)(&err), so that the span covers the whole unit.
func (db *DB) traceUnit(ctx *context.Context, tenantID uuid.UUID) func(*error) {
	if db.telemetry.tracer == nil && db.telemetry.usage == nil {
		return func(*error) {}
	}
	t := tracedSpan{db: db, start: time.Now(), tenantID: tenantID, verb: "TRANSACTION"}
	if db.telemetry.tracer != nil {
		*ctx, t.span = db.telemetry.tracer.Start(*ctx, "tenant transaction", clientSpan...)
	}
	return func(err *error) { t.end(*err) }
}

// end reports a tenant transaction's duration and ends the span. A failed span is marked with the
// error's kind, not its message: a driver's message can quote the offending value ("Key
// (email)=(…) already exists"), and spans never carry tenant data.
func (t tracedSpan) end(err error) {
	if usage := t.db.telemetry.usage; usage != nil && !t.joined {
		usage(t.tenantID, time.Since(t.start))
	}
	if t.span == nil {
		return
	}
	if !t.span.IsRecording() {
		t.span.End()
		return
	}
	// Built only for a recording span: with tracing off, a statement pays for none of it.
	list, ok := attributeLists.Get().(*attributeList)
	if !ok {
		list = new(attributeList)
	}
	attrs := list[:0]
	attrs = append(attrs, semconv.DBSystemNamePostgreSQL, dbSystem, semconv.DBOperationName(t.verb))
	if t.table != "" {
		attrs = append(attrs, semconv.DBCollectionName(t.table), AttrJoined.Bool(t.joined))
	}
	// The mode after the statement: an automatic DB that met a pooler has sent it again, unnamed.
	attrs = append(attrs, AttrTenantID.String(t.tenantID.String()), AttrStatementMode.String(string(t.db.Mode())))
	if err != nil {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(err)))
		t.span.SetStatus(codes.Error, errorType(err))
	}
	t.span.SetAttributes(attrs...)
	*list = attributeList{}
	attributeLists.Put(list)
	t.span.End()
}

// errorType is the domain error's code, or the Go type of any other error.
func errorType(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Code()
	}
	return fmt.Sprintf("%T", err)
}

// sqlVerb is the SQL operation a repository method runs.
func sqlVerb(op string) string {
	switch op {
	case "insert":
		return "INSERT"
	case "update":
		return "UPDATE"
	case "delete":
		return "DELETE"
	default: // get, list, find, count, exists, query
		return "SELECT"
	}
}
