package loadbench_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	rounds     = 8 // TENANTCORE_BENCH_ROUNDS overrides it, for a quieter figure on a noisy machine
	phase      = 2 * time.Second
	conns      = 16
	fullPath   = "/api/v1/users?limit=20"
	scaleLarge = 10_000
)

// measure runs alternating phases of each target and returns their summaries. Alternation in one
// run cancels most of the drift a shared machine adds.
func measure(b *testing.B, targets []target) []*summary {
	b.Helper()
	out := make([]*summary, len(targets))
	for i, t := range targets {
		out[i] = &summary{name: t.name}
		warmUp(b, t.url, t.headers)
	}
	order := make([]int, len(targets))
	for round := range roundCount(b) {
		// ABBA: every other round runs the targets in reverse, so that whatever the position in
		// a round costs (a checkpoint, a cold cache) falls on each target alike.
		for k := range order {
			order[k] = k
			if round%2 == 1 {
				order[k] = len(order) - 1 - k
			}
		}
		for _, i := range order {
			t := targets[i]
			var before, after runtime.MemStats
			runtime.GC()
			stopProfile := profile(b, round, t.name)
			runtime.ReadMemStats(&before)
			pgBefore, cpuBefore := postgresCPU(), serverCPU()
			res := runLoad(b, loadSpec{URL: t.url, Headers: t.headers, Conns: conns, Duration: phase})
			pgAfter, cpuAfter := postgresCPU(), serverCPU()
			runtime.ReadMemStats(&after)
			stopProfile()
			out[i].add(res, after.Mallocs-before.Mallocs, after.TotalAlloc-before.TotalAlloc, pgAfter-pgBefore, cpuAfter-cpuBefore)
		}
	}
	return out
}

// roundCount is how many rounds measure runs: rounds, or TENANTCORE_BENCH_ROUNDS.
func roundCount(b *testing.B) int {
	b.Helper()
	v := os.Getenv("TENANTCORE_BENCH_ROUNDS")
	if v == "" {
		return rounds
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("TENANTCORE_BENCH_ROUNDS=%q is not a whole number above 0", v)
	}
	return n
}

// profile writes a CPU profile of the server during each round of each variant when
// TENANTCORE_PROFILE_DIR is set; pprof merges a variant's rounds: go tool pprof -top <dir>/<variant>.*.pprof.
func profile(b *testing.B, round int, name string) func() {
	b.Helper()
	dir := os.Getenv("TENANTCORE_PROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s.%d.pprof", strings.ReplaceAll(name, " ", "-"), round)))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

type target struct {
	name    string
	url     string
	headers [][][2]string
}

func report(b *testing.B, title string, s []*summary) {
	b.Helper()
	fmt.Printf("\n%s (%d rounds × %s per variant, %d connections, GOMAXPROCS=%d)\n", title, roundCount(b), phase, conns, runtime.GOMAXPROCS(0))
	fmt.Printf("%-24s %10s %9s %9s %12s %8s %14s %14s\n", "variant", "req/s", "p50 ms", "p99 ms", "allocs/req", "KB/req", "postgres µs/req", "server µs/req")
	for _, v := range s {
		fmt.Printf("%-24s %10.0f %9s %9s %12.0f %8.1f %14.0f %14.0f\n", v.name, v.rps(), ms(v.quantile(0.50)), ms(v.quantile(0.99)),
			v.allocsPerRequest(), v.kilobytesPerRequest(), v.postgresPerRequest(), v.serverPerRequest())
	}
}

// BenchmarkFullStackVersusBaseline: GET /api/v1/users?limit=20 through tenant resolution, bearer
// authentication, the scoped repository, the tenant transaction and RLS, against the hand-written
// handler, on the same database with pools of poolSize, in two pairs: the default configuration
// against pgx's default mode (statements prepared per connection), and the pooler-safe mode
// (DB_STATEMENT_MODE=unnamed) against pgx's pooler-safe mode (cache_describe).
// Targets for the default pair: throughput ≥ 0.95× the hand-written handler, p99 ≤ 1.15×.
func BenchmarkFullStackVersusBaseline(b *testing.B) {
	db := seededDatabase(b, "bench", 10, 100)
	full := startServer(b, db, nil,
		baselineRoute(baselinePath, baselinePool(b, db.URL, poolSize, true)),
		baselineRoute(baselineDescribePath, baselinePool(b, db.URL, poolSize, false)))
	safe := startServer(b, db, map[string]string{"DB_STATEMENT_MODE": "unnamed"})
	// Each instance signs with its own ephemeral key: each gets its own tokens.
	headers := full.headerSets(b, slugs("bench", 10))
	s := measure(b, []target{
		{name: "full stack, default", url: full.base + fullPath, headers: headers},
		{name: "hand-written, prepared", url: full.base + baselinePath, headers: headers},
		{name: "full stack, unnamed", url: safe.base + fullPath, headers: safe.headerSets(b, slugs("bench", 10))},
		{name: "hand-written, describe", url: full.base + baselineDescribePath, headers: headers},
	})
	report(b, "GET /api/v1/users?limit=20", s)
	fmt.Printf("statement mode of the default configuration: %s\n", full.statementMode(b))
	tput, p99 := printRatio(b, "default/hand-written default", s[0], s[1])
	printRatio(b, "pooler-safe/hand-written pooler-safe", s[2], s[3])
	b.ReportMetric(tput, "throughput-ratio")
	b.ReportMetric(p99, "p99-ratio")
	b.ReportMetric(s[0].allocsPerRequest(), "server-allocs/req")
}

// printRatio prints v against base: throughput, p99, p50, allocations and PostgreSQL CPU per
// request, and returns the first two.
func printRatio(b *testing.B, what string, v, base *summary) (throughput, p99 float64) {
	b.Helper()
	throughput, p99 = v.rps()/base.rps(), float64(v.quantile(0.99))/float64(base.quantile(0.99))
	fmt.Printf("ratio %s: throughput %.2f (target ≥ 0.95), p99 %.2f (target ≤ 1.15), p50 %.2f, allocs/req %.0f vs %.0f, postgres µs/req %.0f vs %.0f, server µs/req %.0f vs %.0f\n",
		what, throughput, p99, float64(v.quantile(0.5))/float64(base.quantile(0.5)),
		v.allocsPerRequest(), base.allocsPerRequest(), v.postgresPerRequest(), base.postgresPerRequest(),
		v.serverPerRequest(), base.serverPerRequest())
	return throughput, p99
}

// BenchmarkTenantScale compares the same endpoint on a database of 10 tenants with one of 10,000
// tenants × 100 users (1,000,000 users), each server loaded in turn. Target: the large one within
// 1.2× of the small one at p50 and p99.
func BenchmarkTenantScale(b *testing.B) {
	small := seededDatabase(b, "small", 10, 100)
	start := time.Now()
	large := seededDatabase(b, "large", scaleLarge, 100)
	fmt.Printf("\nseeded %d tenants × 100 users in %s\n", scaleLarge, time.Since(start).Round(time.Second))
	analyze(b, large)
	planOfList(b, large)

	smallSrv, largeSrv := startServer(b, small, nil), startServer(b, large, nil)
	// 100 tenants spread over the large database's key space, so that requests touch pages
	// all over the index rather than one hot corner.
	var spread []string
	for i := range 100 {
		spread = append(spread, fmt.Sprintf("large-%05d", 1+i*(scaleLarge/100)))
	}
	s := measure(b, []target{
		{name: "10 tenants", url: smallSrv.base + fullPath, headers: smallSrv.headerSets(b, slugs("small", 10))},
		{name: "10,000 tenants", url: largeSrv.base + fullPath, headers: largeSrv.headerSets(b, spread)},
	})
	report(b, "GET /api/v1/users?limit=20, 10 vs 10,000 tenants", s)
	p50, p99 := float64(s[1].quantile(0.5))/float64(s[0].quantile(0.5)), float64(s[1].quantile(0.99))/float64(s[0].quantile(0.99))
	fmt.Printf("ratio large/small: p50 %.2f, p99 %.2f (target ≤ 1.20), throughput %.2f\n", p50, p99, s[1].rps()/s[0].rps())
	b.ReportMetric(p50, "p50-ratio")
	b.ReportMetric(p99, "p99-ratio")
}

// BenchmarkLoginEndToEnd is POST /api/v1/auth/token through the whole stack; argon2id dominates.
func BenchmarkLoginEndToEnd(b *testing.B) {
	srv := startServer(b, seededDatabase(b, "login", 1, 1), nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = srv.login(b, "login-00001")
	}
}
