package metrics

import "github.com/prometheus/client_golang/prometheus"

// CacheStats are the tenant cache's lookup counters since it was created.
type CacheStats struct {
	Hits, NegativeHits, Misses uint64
}

// PoolStats is a snapshot of the database connection pool.
type PoolStats struct {
	MaxConns, TotalConns, IdleConns, AcquiredConns int32
	AcquireCount, EmptyAcquireCount                int64
}

// RegisterCache exposes the tenant cache's counters, read from stats at each scrape: the cache
// keeps the counts, so nothing has to be pushed here on the lookup path. It panics if stats is nil
// or if a cache is already registered, both wiring mistakes best caught at startup.
func (m *Metrics) RegisterCache(stats func() CacheStats) {
	if stats == nil {
		panic("metrics: RegisterCache with a nil stats function")
	}
	m.registry.MustRegister(&cacheCollector{stats: stats})
}

// RegisterPool exposes the database pool's state, read from stats at each scrape. It panics if
// stats is nil or if a pool is already registered, both wiring mistakes best caught at startup.
func (m *Metrics) RegisterPool(stats func() PoolStats) {
	if stats == nil {
		panic("metrics: RegisterPool with a nil stats function")
	}
	m.registry.MustRegister(&poolCollector{stats: stats})
}

// RegisterDroppedSpans exposes how many sampled spans tracing dropped because its export queue
// was full, read from dropped at each scrape. It panics if dropped is nil or if it is already
// registered, both wiring mistakes best caught at startup.
func (m *Metrics) RegisterDroppedSpans(dropped func() int64) {
	if dropped == nil {
		panic("metrics: RegisterDroppedSpans with a nil function")
	}
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tenantcore_trace_spans_dropped_total",
		Help: "Sampled spans dropped because the export queue (OTEL_BSP_MAX_QUEUE_SIZE) was full: the collector is down or slower than the service makes spans.",
	}, func() float64 { return float64(dropped()) }))
}

var cacheLookups = prometheus.NewDesc(
	"tenantcore_tenant_cache_lookups_total",
	"Tenant cache lookups, by result: hit, negative_hit (a cached tenant.not_found) or miss.",
	[]string{"result"}, nil,
)

// cacheCollector reads the stats once per scrape so that the three results come from one
// snapshot.
type cacheCollector struct {
	stats func() CacheStats
}

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) { ch <- cacheLookups }

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(cacheLookups, prometheus.CounterValue, float64(s.Hits), "hit")
	ch <- prometheus.MustNewConstMetric(cacheLookups, prometheus.CounterValue, float64(s.NegativeHits), "negative_hit")
	ch <- prometheus.MustNewConstMetric(cacheLookups, prometheus.CounterValue, float64(s.Misses), "miss")
}

var (
	poolMax = prometheus.NewDesc("tenantcore_db_pool_max_connections",
		"Maximum size of the database connection pool.", nil, nil)
	poolTotal = prometheus.NewDesc("tenantcore_db_pool_total_connections",
		"Connections currently in the pool: idle, acquired and being opened.", nil, nil)
	poolIdle = prometheus.NewDesc("tenantcore_db_pool_idle_connections",
		"Idle connections in the pool.", nil, nil)
	poolAcquired = prometheus.NewDesc("tenantcore_db_pool_acquired_connections",
		"Connections currently acquired from the pool.", nil, nil)
	poolAcquires = prometheus.NewDesc("tenantcore_db_pool_acquires_total",
		"Successful acquisitions of a connection from the pool.", nil, nil)
	poolEmptyAcquires = prometheus.NewDesc("tenantcore_db_pool_empty_acquires_total",
		"Acquisitions that had to wait because the pool had no idle connection; a steady rise means the pool is too small.", nil, nil)
)

// poolCollector reads the stats once per scrape, rather than once per gauge, so that the values
// of one scrape are consistent with each other (idle + acquired never exceeds total).
type poolCollector struct {
	stats func() PoolStats
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolMax
	ch <- poolTotal
	ch <- poolIdle
	ch <- poolAcquired
	ch <- poolAcquires
	ch <- poolEmptyAcquires
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxConns))
	ch <- prometheus.MustNewConstMetric(poolTotal, prometheus.GaugeValue, float64(s.TotalConns))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.IdleConns))
	ch <- prometheus.MustNewConstMetric(poolAcquired, prometheus.GaugeValue, float64(s.AcquiredConns))
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount))
	ch <- prometheus.MustNewConstMetric(poolEmptyAcquires, prometheus.CounterValue, float64(s.EmptyAcquireCount))
}
