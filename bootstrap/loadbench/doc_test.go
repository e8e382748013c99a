// Package loadbench_test measures the HTTP service under load against references, in one run:
// the full stack against a hand-written baseline route, and a 10-tenant database against a
// 10,000-tenant one. It holds only benchmarks; `make bench` runs it.
package loadbench_test
