// Package metrics exposes the service's Prometheus metrics: HTTP requests, tenant resolution, the
// tenant cache and the database pool, on a registry of its own served by Handler.
package metrics
