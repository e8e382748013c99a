package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// No metric here carries a tenant label, and none may gain one: every tenant would add its own
// series to every metric, so the cardinality would grow with the customer base and eventually
// take the monitoring system down. Every label below takes its values from a small, fixed set
// instead. Per-tenant usage has its own metrics (TenantTop, topk.go), whose tenant_id label names
// at most K tenants and "other", however many tenants there are.

// Metrics records the service's metrics on its own registry rather than the global default one,
// so that tests and several instances in one process never collide over registrations.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	durations   *prometheus.HistogramVec
	resolutions *prometheus.CounterVec
}

// New returns Metrics with the Go runtime and process collectors already registered.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantcore_http_requests_total",
			Help: "HTTP requests served, by route pattern and status class.",
		}, []string{"route", "status_class"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tenantcore_http_request_duration_seconds",
			Help: "Time to serve an HTTP request, by route pattern and status class.",
			// From half a millisecond (a cached tenant and a cheap handler) to five seconds (well
			// past any sane timeout), so that both the fast path and the tail get resolution.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "status_class"}),
		resolutions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantcore_tenant_resolutions_total",
			Help: "Tenant resolutions, by the strategy that supplied the identifier and the outcome (resolved or a problem code).",
		}, []string{"strategy", "outcome"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests,
		m.durations,
		m.resolutions,
	)
	return m
}

// Registerer lets other components add their own collectors to the registry Handler serves.
func (m *Metrics) Registerer() prometheus.Registerer { return m.registry }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// ObserveRequest records one served request. route must be the matched route pattern (such as
// /api/v1/users/:id), never the raw path: raw paths carry IDs and slugs and would make the
// number of series unbounded.
func (m *Metrics) ObserveRequest(route string, status int, elapsed time.Duration) {
	class := statusClass(status)
	m.requests.WithLabelValues(route, class).Inc()
	m.durations.WithLabelValues(route, class).Observe(elapsed.Seconds())
}

// ObserveResolution records one tenant resolution. A strategy or outcome outside the known set is
// recorded as "other", so that a caller's mistake cannot grow the number of series.
func (m *Metrics) ObserveResolution(strategy, outcome string) {
	m.resolutions.WithLabelValues(allowed(strategy, strategies), allowed(outcome, outcomes)).Inc()
}

// other replaces any label value outside an allow-list.
const other = "other"

// strategies are the tenant resolution strategies; "none" means the request named no tenant.
var strategies = set("header", "subdomain", "path", "token", "none")

// outcomes are the results a resolution can have. The codes come from the domain errors so that
// the list cannot drift from them; "error" is what the HTTP adapter reports for an error without
// a code.
var outcomes = set(
	"resolved",
	"error",
	tenant.ErrRequired.Code(),
	tenant.ErrInvalid.Code(),
	tenant.ErrNotFound.Code(),
	tenant.ErrInactive.Code(),
	tenant.ErrAmbiguous.Code(),
	tenant.ErrMismatch.Code(),
	fault.ErrUnavailable.Code(),
)

func set(values ...string) map[string]bool {
	s := make(map[string]bool, len(values))
	for _, v := range values {
		s[v] = true
	}
	return s
}

func allowed(v string, known map[string]bool) string {
	if known[v] {
		return v
	}
	return other
}

// statusClass buckets a status code by its first digit: alerts are written per class, and exact
// codes would multiply the series for little gain.
func statusClass(status int) string {
	switch {
	case status >= 100 && status < 200:
		return "1xx"
	case status >= 200 && status < 300:
		return "2xx"
	case status >= 300 && status < 400:
		return "3xx"
	case status >= 400 && status < 500:
		return "4xx"
	case status >= 500 && status < 600:
		return "5xx"
	default:
		return other
	}
}

// RegisterStatementMode exposes how the serving pool sends statements now, read at scrape time:
// tenantcore_db_statement_mode{mode="…"} is 1 for the current mode and 0 for the others. A value
// that changes during the life of the process means it met a transaction pooler.
func (m *Metrics) RegisterStatementMode(current func() string, modes ...string) {
	for _, mode := range modes {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "tenantcore_db_statement_mode",
			Help:        "How tenant transactions send statements: 1 for the current mode.",
			ConstLabels: prometheus.Labels{"mode": mode},
		}, func() float64 {
			if current() == mode {
				return 1
			}
			return 0
		}))
	}
}

// IsolationRefusals registers tenantcore_isolation_refusals_total, statements refused because
// they would have crossed tenants, by the rule that refused them (rules, or "other"), and
// returns the function that counts one.
func (m *Metrics) IsolationRefusals(rules ...string) func(rule string) {
	known := set(rules...)
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tenantcore_isolation_refusals_total",
		Help: "Statements refused because they would have reached another tenant's data, by rule. Any increase is a defect to investigate.",
	}, []string{"rule"})
	for _, r := range rules {
		c.WithLabelValues(r) // present at zero, so that an alert can watch it from the start
	}
	m.registry.MustRegister(c)
	return func(rule string) { c.WithLabelValues(allowed(rule, known)).Inc() }
}
