package loadbench_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// BenchmarkPoolSize: the full stack against the baseline with both pools at 4, 8 and 16
// connections, for the 16 client connections of the load generator on this machine.
func BenchmarkPoolSize(b *testing.B) {
	db := seededDatabase(b, "pools", 10, 100)
	for _, size := range []int32{4, 8, 16} {
		full := startServer(b, db, map[string]string{"DB_MAX_CONNS": fmt.Sprint(size), "DB_MIN_CONNS": fmt.Sprint(size)},
			baselineRoute(baselinePath, baselinePool(b, db.URL, size, true)))
		headers := full.headerSets(b, slugs("pools", 10))
		s := measure(b, []target{
			{name: "full stack", url: full.base + fullPath, headers: headers},
			{name: "hand-written baseline", url: full.base + baselinePath, headers: headers},
		})
		report(b, fmt.Sprintf("GET /api/v1/users?limit=20, both pools at %d", size), s)
		fmt.Printf("pool %d: ratio full/baseline throughput %.2f, p99 %.2f, p50 %.2f\n", size,
			s[0].rps()/s[1].rps(), float64(s[0].quantile(0.99))/float64(s[1].quantile(0.99)), float64(s[0].quantile(0.5))/float64(s[1].quantile(0.5)))
	}
}

// BenchmarkThroughPgBouncer: behind one private PgBouncer in transaction mode (pools of poolSize
// on both sides), the service in its default configuration, which finds the pooler and switches
// to its pooler-safe mode, against the hand-written handler in pgx's pooler-safe mode through the
// same PgBouncer. Targets: throughput ≥ 0.95×, p99 ≤ 1.15×, no failed request.
func BenchmarkThroughPgBouncer(b *testing.B) {
	if _, err := exec.LookPath("pgbouncer"); err != nil {
		b.Skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
	}
	state, err := os.CreateTemp("", "tenantcore-pgbouncer-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	_ = state.Close()
	script := "../dev/pgbouncer.sh"
	env := append(os.Environ(), "PGBOUNCER_STATE="+state.Name(), "DATABASE_URL="+pgtest.ServerURL())
	start := exec.CommandContext(b.Context(), script, "start")
	start.Env = env
	out, err := start.Output()
	if err != nil {
		b.Fatalf("start pgbouncer: %v", err)
	}
	b.Cleanup(func() {
		stop := exec.CommandContext(context.Background(), script, "stop")
		stop.Env = env
		_ = stop.Run()
		_ = os.Remove(state.Name())
	})
	b.Setenv(pgtest.PoolerEnv, strings.TrimSpace(string(out)))

	db := seededDatabase(b, "pooled", 10, 100)
	pooledURL := db.ServingURL(b)
	pooled := startServer(b, db, map[string]string{"DATABASE_URL": pooledURL, "DATABASE_ADMIN_URL": db.URL},
		baselineRoute(baselineDescribePath, baselinePool(b, pooledURL, poolSize, false)))
	headers := pooled.headerSets(b, slugs("pooled", 10))
	s := measure(b, []target{
		{name: "full stack, default", url: pooled.base + fullPath, headers: headers},
		{name: "hand-written, describe", url: pooled.base + baselineDescribePath, headers: headers},
	})
	report(b, "GET /api/v1/users?limit=20 through one PgBouncer (transaction mode)", s)
	printRatio(b, "through PgBouncer: full stack default/hand-written pooler-safe", s[0], s[1])
	fmt.Printf("statement mode found: %s\n", pooled.statementMode(b))
}
