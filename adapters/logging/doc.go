// Package logging builds the process logger: zap, JSON to stdout by default (ADR-019). The
// request-scoped logger that adds request_id and tenant_id lives in the HTTP adapter.
package logging
