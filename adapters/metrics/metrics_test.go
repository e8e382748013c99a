package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The helpers below read the registry directly rather than through prometheus/testutil, which
// imports github.com/kylelemons/godebug, a module go.sum does not list.

// scrape fetches the exposition the way Prometheus does, through Handler.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/metrics", http.NoBody)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, req)
	res := rec.Result()
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(body)
}

// assertLines checks that each line appears, whole, in the exposition body.
func assertLines(t *testing.T, body string, lines ...string) {
	t.Helper()
	for _, line := range lines {
		assert.Contains(t, "\n"+body, "\n"+line+"\n")
	}
}

// value returns the counter or gauge value of the series of family name whose labels are
// labelPairs (name, value, ...; sorted by name, as the registry sorts them), failing the test when
// there is no such series.
func value(t *testing.T, m *Metrics, name string, labelPairs ...string) float64 {
	t.Helper()
	families, err := m.registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, metric := range f.GetMetric() {
			got := make([]string, 0, 2*len(metric.GetLabel()))
			for _, l := range metric.GetLabel() {
				got = append(got, l.GetName(), l.GetValue())
			}
			if !slices.Equal(got, labelPairs) {
				continue
			}
			if metric.GetCounter() != nil {
				return metric.GetCounter().GetValue()
			}
			return metric.GetGauge().GetValue()
		}
	}
	require.Failf(t, "no such series", "%s %v", name, labelPairs)
	return 0
}

// series counts the series of family name.
func series(t *testing.T, m *Metrics, name string) int {
	t.Helper()
	families, err := m.registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}

func TestObserveRequest(t *testing.T) {
	m := New()
	m.ObserveRequest("/api/v1/users/:id", http.StatusOK, 3*time.Millisecond)
	m.ObserveRequest("/api/v1/users/:id", http.StatusNoContent, 30*time.Millisecond)
	m.ObserveRequest("/api/v1/users/:id", http.StatusNotFound, time.Millisecond)
	m.ObserveRequest("/api/v1/tenant", http.StatusServiceUnavailable, 2*time.Second)

	assert.InDelta(t, 2, value(t, m, "tenantcore_http_requests_total", "route", "/api/v1/users/:id", "status_class", "2xx"), 0)
	assert.InDelta(t, 1, value(t, m, "tenantcore_http_requests_total", "route", "/api/v1/users/:id", "status_class", "4xx"), 0)
	assert.Equal(t, 3, series(t, m, "tenantcore_http_requests_total"), "one series per route and status class")
	assert.Equal(t, 3, series(t, m, "tenantcore_http_request_duration_seconds"))

	assertLines(t, scrape(t, m),
		`# TYPE tenantcore_http_requests_total counter`,
		`tenantcore_http_requests_total{route="/api/v1/users/:id",status_class="2xx"} 2`,
		`tenantcore_http_requests_total{route="/api/v1/users/:id",status_class="4xx"} 1`,
		`tenantcore_http_requests_total{route="/api/v1/tenant",status_class="5xx"} 1`,
		`# TYPE tenantcore_http_request_duration_seconds histogram`,
		`tenantcore_http_request_duration_seconds_count{route="/api/v1/users/:id",status_class="2xx"} 2`,
		`tenantcore_http_request_duration_seconds_sum{route="/api/v1/users/:id",status_class="2xx"} 0.033`,
		// 3ms and 30ms: only the first fits the 5ms bucket, both fit the 50ms one.
		`tenantcore_http_request_duration_seconds_bucket{route="/api/v1/users/:id",status_class="2xx",le="0.0005"} 0`,
		`tenantcore_http_request_duration_seconds_bucket{route="/api/v1/users/:id",status_class="2xx",le="0.005"} 1`,
		`tenantcore_http_request_duration_seconds_bucket{route="/api/v1/users/:id",status_class="2xx",le="0.05"} 2`,
		`tenantcore_http_request_duration_seconds_bucket{route="/api/v1/users/:id",status_class="2xx",le="5"} 2`,
		`tenantcore_http_request_duration_seconds_bucket{route="/api/v1/tenant",status_class="5xx",le="1"} 0`,
		`tenantcore_http_request_duration_seconds_bucket{route="/api/v1/tenant",status_class="5xx",le="2.5"} 1`,
	)
}

func TestStatusClass(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{-1, "other"},
		{0, "other"},
		{99, "other"},
		{101, "1xx"},
		{200, "2xx"},
		{299, "2xx"},
		{304, "3xx"},
		{400, "4xx"},
		{499, "4xx"},
		{500, "5xx"},
		{599, "5xx"},
		{600, "other"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, statusClass(tt.status), "status %d", tt.status)
	}
}

func TestObserveResolution(t *testing.T) {
	m := New()
	m.ObserveResolution("header", "resolved")
	m.ObserveResolution("header", "resolved")
	m.ObserveResolution("subdomain", "tenant.not_found")
	m.ObserveResolution("path", "tenant.inactive")
	m.ObserveResolution("none", "tenant.required")
	m.ObserveResolution("token", "server.unavailable")

	assert.InDelta(t, 2, value(t, m, "tenantcore_tenant_resolutions_total", "outcome", "resolved", "strategy", "header"), 0)
	assertLines(t, scrape(t, m),
		`# TYPE tenantcore_tenant_resolutions_total counter`,
		`tenantcore_tenant_resolutions_total{outcome="resolved",strategy="header"} 2`,
		`tenantcore_tenant_resolutions_total{outcome="tenant.not_found",strategy="subdomain"} 1`,
		`tenantcore_tenant_resolutions_total{outcome="tenant.inactive",strategy="path"} 1`,
		`tenantcore_tenant_resolutions_total{outcome="tenant.required",strategy="none"} 1`,
		`tenantcore_tenant_resolutions_total{outcome="server.unavailable",strategy="token"} 1`,
	)
}

// A caller that passes a slug, an error message or a strategy added later must not create series.
func TestObserveResolutionMapsUnknownValuesToOther(t *testing.T) {
	m := New()
	m.ObserveResolution("cookie", "resolved")
	m.ObserveResolution("header", "acme")
	m.ObserveResolution("header", "tenant.not_found: no tenant matches the identifier")
	m.ObserveResolution("Header", "tenant.Not_Found")
	m.ObserveResolution("", "")

	const name = "tenantcore_tenant_resolutions_total"
	assert.InDelta(t, 1, value(t, m, name, "outcome", "resolved", "strategy", "other"), 0)
	assert.InDelta(t, 2, value(t, m, name, "outcome", "other", "strategy", "header"), 0)
	assert.InDelta(t, 2, value(t, m, name, "outcome", "other", "strategy", "other"), 0)
	assert.Equal(t, 3, series(t, m, name))

	body := scrape(t, m)
	assert.NotContains(t, body, "acme")
	assert.NotContains(t, body, "cookie")
}

func TestRegisterCacheReadsStatsAtScrapeTime(t *testing.T) {
	m := New()
	var (
		calls atomic.Int64
		stats atomic.Pointer[CacheStats]
	)
	stats.Store(&CacheStats{Hits: 40, NegativeHits: 7, Misses: 3})
	m.RegisterCache(func() CacheStats {
		calls.Add(1)
		return *stats.Load()
	})

	assertLines(t, scrape(t, m),
		`# HELP tenantcore_tenant_cache_lookups_total Tenant cache lookups, by result: hit, negative_hit (a cached tenant.not_found) or miss.`,
		`# TYPE tenantcore_tenant_cache_lookups_total counter`,
		`tenantcore_tenant_cache_lookups_total{result="hit"} 40`,
		`tenantcore_tenant_cache_lookups_total{result="negative_hit"} 7`,
		`tenantcore_tenant_cache_lookups_total{result="miss"} 3`,
	)
	assert.Equal(t, int64(1), calls.Load(), "one call per scrape gives the three results from one snapshot")

	stats.Store(&CacheStats{Hits: 41, NegativeHits: 7, Misses: 4})
	assertLines(t, scrape(t, m),
		`tenantcore_tenant_cache_lookups_total{result="hit"} 41`,
		`tenantcore_tenant_cache_lookups_total{result="negative_hit"} 7`,
		`tenantcore_tenant_cache_lookups_total{result="miss"} 4`,
	)
	assert.Equal(t, int64(2), calls.Load())
}

func TestRegisterPoolReadsStatsAtScrapeTime(t *testing.T) {
	m := New()
	var calls atomic.Int64
	m.RegisterPool(func() PoolStats {
		calls.Add(1)
		return PoolStats{MaxConns: 20, TotalConns: 8, IdleConns: 5, AcquiredConns: 3, AcquireCount: 1234, EmptyAcquireCount: 17}
	})

	assertLines(t, scrape(t, m),
		`# TYPE tenantcore_db_pool_max_connections gauge`,
		`tenantcore_db_pool_max_connections 20`,
		`# TYPE tenantcore_db_pool_total_connections gauge`,
		`tenantcore_db_pool_total_connections 8`,
		`# TYPE tenantcore_db_pool_idle_connections gauge`,
		`tenantcore_db_pool_idle_connections 5`,
		`# TYPE tenantcore_db_pool_acquired_connections gauge`,
		`tenantcore_db_pool_acquired_connections 3`,
		`# TYPE tenantcore_db_pool_acquires_total counter`,
		`tenantcore_db_pool_acquires_total 1234`,
		`# TYPE tenantcore_db_pool_empty_acquires_total counter`,
		`tenantcore_db_pool_empty_acquires_total 17`,
	)
	assert.Equal(t, int64(1), calls.Load(), "six series, one read of the pool")
}

func TestRegisterRejectsWiringMistakes(t *testing.T) {
	m := New()
	assert.Panics(t, func() { m.RegisterCache(nil) })
	assert.Panics(t, func() { m.RegisterPool(nil) })

	m.RegisterCache(func() CacheStats { return CacheStats{} })
	m.RegisterPool(func() PoolStats { return PoolStats{} })
	assert.Panics(t, func() { m.RegisterCache(func() CacheStats { return CacheStats{} }) }, "a second cache would duplicate the series")
	assert.Panics(t, func() { m.RegisterPool(func() PoolStats { return PoolStats{} }) }, "a second pool would duplicate the series")
}

func TestHandlerServesRuntimeAndRegisteredCollectors(t *testing.T) {
	m := New()
	crossTenant := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tenantcore_cross_tenant_transactions_total",
		Help: "Transactions that bypassed tenant isolation.",
	})
	require.NoError(t, m.Registerer().Register(crossTenant))
	crossTenant.Add(2)

	body := scrape(t, m)
	assert.Contains(t, body, "\ngo_goroutines ")
	assert.Contains(t, body, "\nprocess_start_time_seconds ")
	assertLines(t, body, "tenantcore_cross_tenant_transactions_total 2")
}

func TestInstancesDoNotShareARegistry(t *testing.T) {
	a, b := New(), New()
	a.ObserveResolution("header", "resolved")
	b.RegisterCache(func() CacheStats { return CacheStats{} })
	a.RegisterCache(func() CacheStats { return CacheStats{} }) // would panic on a shared registry
	assert.Equal(t, 0, series(t, b, "tenantcore_tenant_resolutions_total"))
}

// populated returns Metrics with a series in every family this package defines.
func populated() *Metrics {
	m := New()
	m.ObserveRequest("/api/v1/tenant", http.StatusOK, time.Millisecond)
	m.ObserveResolution("header", "resolved")
	m.RegisterCache(func() CacheStats { return CacheStats{Hits: 1} })
	m.RegisterPool(func() PoolStats { return PoolStats{MaxConns: 1} })
	return m
}

// A tenant label would add series for every tenant: see the comment at the top of metrics.go.
func TestNoMetricHasATenantLabel(t *testing.T) {
	families, err := populated().registry.Gather()
	require.NoError(t, err)

	var ours int
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "tenantcore_") {
			ours++
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				assert.NotContains(t, []string{"tenant", "tenant_id"}, strings.ToLower(l.GetName()),
					"%s has a per-tenant label", f.GetName())
			}
		}
	}
	assert.Equal(t, 10, ours, "every family of this package was inspected")
}

func TestMetricsFollowPrometheusConventions(t *testing.T) {
	families, err := populated().registry.Gather()
	require.NoError(t, err)
	ours := families[:0]
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "tenantcore_") {
			ours = append(ours, f)
		}
	}
	require.Len(t, ours, 10)
	problems, err := promlint.NewWithMetricFamilies(ours).Lint()
	require.NoError(t, err)
	assert.Empty(t, problems)
}

func BenchmarkObserveRequest(b *testing.B) {
	m := New()
	routes := []string{"/api/v1/tenant", "/api/v1/users", "/api/v1/users/:id", "/healthz"}
	statuses := []int{http.StatusOK, http.StatusCreated, http.StatusNotFound, http.StatusInternalServerError}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var i int
		for pb.Next() {
			// Every route with every status, so that the benchmark spreads over 16 series.
			m.ObserveRequest(routes[i%len(routes)], statuses[i/len(routes)%len(statuses)], time.Duration(i%1000)*time.Microsecond)
			i++
		}
	})
}
