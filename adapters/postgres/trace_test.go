package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

// usage records what a DB reports for the per-tenant top-K.
type usage struct {
	mu    sync.Mutex
	calls map[uuid.UUID]int
}

func (u *usage) observe(id uuid.UUID, _ time.Duration) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.calls[id]++
}

func spanValue(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// A statement alone is one tenant transaction: one span, not joined, its time reported once. A
// unit of work is one span whose statements are its children, joined, and its time is reported
// once for the whole unit. No span carries an argument.
func TestTenantTransactionSpans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	tn, err := tenant.New("Acme", "acme")
	require.NoError(t, err)
	tn, err = postgres.NewTenantStore(db.OwnerDB(t)).CreateTenant(ctx, tn)
	require.NoError(t, err)
	tc := tenanttest.Context(t, tn)

	serving := db.ServingDB(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	u := &usage{calls: map[uuid.UUID]int{}}
	serving.Instrument(tp, u.observe)
	repo := postgres.NewScopedRepository(serving, usersTable())

	const email = "secret-argument@acme.test"
	created, err := repo.CreateForTenant(ctx, tc, row{tenantID: tc.TenantID(), id: uuid.Must(uuid.NewV7()), email: email})
	require.NoError(t, err)
	require.NoError(t, serving.InTenant(ctx, tc, func(ctx context.Context) error {
		if _, err := repo.GetForTenant(ctx, tc, created.id); err != nil {
			return err
		}
		_, err := repo.Count(ctx, tc, nil)
		return err
	}))

	spans := rec.Ended()
	require.Len(t, spans, 4, "insert alone; the unit and its two statements")
	insert, get, count, unit := spans[0], spans[1], spans[2], spans[3]
	assert.Equal(t, "INSERT users", insert.Name())
	assert.Equal(t, "tenant transaction", unit.Name())
	assert.Equal(t, "SELECT users", get.Name())
	assert.Equal(t, "SELECT users", count.Name())
	assert.False(t, spanValue(insert, "tenantcore.unit_of_work.joined").AsBool())
	for _, s := range []sdktrace.ReadOnlySpan{get, count} {
		assert.True(t, spanValue(s, "tenantcore.unit_of_work.joined").AsBool(), s.Name())
		assert.Equal(t, unit.SpanContext().SpanID(), s.Parent().SpanID(), "%s is a child of its unit of work", s.Name())
	}
	for _, s := range spans {
		assert.Equal(t, trace.SpanKindClient, s.SpanKind())
		assert.Equal(t, "postgresql", spanValue(s, "db.system.name").AsString(), s.Name())
		assert.Equal(t, "postgresql", spanValue(s, "db.system").AsString(), s.Name())
		assert.Equal(t, string(serving.Mode()), spanValue(s, "db.mode").AsString(), s.Name())
		assert.Equal(t, tc.TenantID().String(), spanValue(s, "tenant.id").AsString(), s.Name())
		for _, kv := range s.Attributes() {
			assert.NotContains(t, kv.Value.String(), email, "%s %s", s.Name(), kv.Key)
			assert.NotContains(t, kv.Value.String(), created.id.String(), "%s %s", s.Name(), kv.Key)
		}
	}
	assert.Equal(t, "users", spanValue(insert, "db.collection.name").AsString())
	assert.Equal(t, "INSERT", spanValue(insert, "db.operation.name").AsString())
	assert.Equal(t, map[uuid.UUID]int{tc.TenantID(): 2}, u.calls, "the insert and the unit of work, once each")

	// A failed statement carries its domain code, not the driver's message (which quotes values).
	rec2 := tracetest.NewSpanRecorder()
	serving.Instrument(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec2)), nil)
	_, err = repo.CreateForTenant(ctx, tc, created)
	require.Error(t, err)
	failed := rec2.Ended()
	require.Len(t, failed, 1)
	assert.NotEmpty(t, spanValue(failed[0], "error.type").AsString())
	assert.NotContains(t, failed[0].Status().Description, email)
	for _, kv := range failed[0].Attributes() {
		assert.NotContains(t, kv.Value.String(), email)
	}
}
