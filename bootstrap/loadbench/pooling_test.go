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
			baselineRoute(baselinePool(b, db, size)))
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

// BenchmarkThroughPgBouncer: the full stack with serving connections through a PgBouncer in
// transaction mode against the same stack connected directly: the cost of the pooler hop.
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
	direct := startServer(b, db, nil)
	pooled := startServer(b, db, map[string]string{"DATABASE_URL": db.ServingURL(b), "DATABASE_ADMIN_URL": db.URL})
	s := measure(b, []target{
		{name: "direct", url: direct.base + fullPath, headers: direct.headerSets(b, slugs("pooled", 10))},
		{name: "through PgBouncer", url: pooled.base + fullPath, headers: pooled.headerSets(b, slugs("pooled", 10))},
	})
	report(b, "GET /api/v1/users?limit=20, direct and through PgBouncer (transaction mode)", s)
	fmt.Printf("ratio pgbouncer/direct: throughput %.2f, p99 %.2f, p50 %.2f\n",
		s[1].rps()/s[0].rps(), float64(s[1].quantile(0.99))/float64(s[0].quantile(0.99)), float64(s[1].quantile(0.5))/float64(s[0].quantile(0.5)))
}
