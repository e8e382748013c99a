package jobs

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics count jobs by kind and outcome. No tenant label: tenants are unbounded, and the logs
// carry tenant_id for each job.
type metrics struct {
	outcomes  *prometheus.CounterVec
	durations *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantcore_jobs_total",
			Help: "Job attempts by kind and outcome (completed, failed, discarded, cancelled, snoozed, deferred, tenant_missing, tenant_inactive).",
		}, []string{"kind", "outcome"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tenantcore_job_duration_seconds",
			Help:    "Time a job's handler ran, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{m.outcomes, m.durations} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("jobs: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) outcome(kind, outcome string) { m.outcomes.WithLabelValues(kind, outcome).Inc() }

func (m *metrics) duration(kind string, d time.Duration) {
	m.durations.WithLabelValues(kind).Observe(d.Seconds())
}
