package metrics_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/metrics"
)

// gatherTop scrapes a registry holding only top and returns, per metric, value by tenant label.
func gatherTop(t *testing.T, top *metrics.TenantTop) map[string]map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(top))
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]map[string]float64{}
	for _, f := range families {
		values := map[string]float64{}
		for _, m := range f.GetMetric() {
			require.Len(t, m.GetLabel(), 1)
			values[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
		}
		out[f.GetName()] = values
	}
	return out
}

// A flood of one tenant among 1,000 others: the flood is first on both measures, and neither
// metric ever has more than K+1 label values.
func TestTenantTopNamesTheFloodAndStaysWithinKPlusOne(t *testing.T) {
	const k = 10
	top := metrics.NewTenantTop(k)
	flood := uuid.Must(uuid.NewV7())
	others := make([]uuid.UUID, 1000)
	for i := range others {
		others[i] = uuid.New()
	}
	var total float64
	for round := range 5 {
		for _, id := range others {
			top.ObserveTenantRequest(id)
			top.ObserveTransaction(id, time.Millisecond)
			total++
		}
		for range 400 {
			top.ObserveTenantRequest(flood)
			top.ObserveTransaction(flood, 2*time.Millisecond)
			total++
		}
		got := gatherTop(t, top)
		for _, name := range []string{"tenantcore_tenant_top_requests", "tenantcore_tenant_top_db_seconds"} {
			assert.LessOrEqual(t, len(got[name]), k+1, "round %d: %s label values", round, name)
			assert.Contains(t, got[name], metrics.Other)
		}
	}

	requests := top.Requests()
	require.Len(t, requests, k+1)
	assert.Equal(t, flood.String(), requests[0].Tenant)
	assert.InDelta(t, 2000, requests[0].Value, requests[0].Error+0.5, "the flood's count is exact up to its error bound")
	assert.Equal(t, metrics.Other, requests[k].Tenant)
	var sum float64
	for _, e := range requests {
		sum += e.Value
	}
	assert.InDelta(t, total, sum, 0.5, "the named tenants and other add up to every request")

	db := top.DBTime()
	assert.Equal(t, flood.String(), db[0].Tenant)
	assert.InDelta(t, 4.0, db[0].Value, db[0].Error+1e-6)
}

func TestTenantTopDefaultsK(t *testing.T) {
	assert.Equal(t, metrics.DefaultTopK, metrics.NewTenantTop(0).K())
	top := metrics.NewTenantTop(3)
	assert.Equal(t, []metrics.TopEntry{{Tenant: metrics.Other}}, top.Requests(), "no tenant yet: other alone, at zero")
}

// The hot path from many goroutines, each tenant a different one: the shards keep them apart.
func BenchmarkTenantTopParallel(b *testing.B) {
	top := metrics.NewTenantTop(metrics.DefaultTopK)
	ids := make([]uuid.UUID, 1024)
	for i := range ids {
		ids[i] = uuid.New()
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			top.ObserveTenantRequest(ids[i%len(ids)])
			i++
		}
	})
}

// One tenant's flood from many goroutines: the worst case, every update on one shard.
func BenchmarkTenantTopOneTenantParallel(b *testing.B) {
	top := metrics.NewTenantTop(metrics.DefaultTopK)
	id := uuid.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			top.ObserveTenantRequest(id)
		}
	})
}
