package loadbench_test

import (
	"fmt"
	"os"
	"testing"
)

// CitusURLEnv names the Citus coordinator BenchmarkCitusVersusDirect runs against (make bench sets
// it from bootstrap/dev/citus.sh when the extension is installed locally).
const CitusURLEnv = "CITUS_URL"

// BenchmarkCitusVersusDirect: the same endpoint, seeded alike, served from plain PostgreSQL and
// from a Citus coordinator with its workers, each logged in as its deployment recommends (the
// schema owner switching role per transaction directly, the serving role itself on Citus), both
// pools at poolSize: the cost of the distributed hop.
func BenchmarkCitusVersusDirect(b *testing.B) {
	citusURL := os.Getenv(CitusURLEnv)
	if citusURL == "" {
		b.Skip(CitusURLEnv + " is not set: no Citus coordinator to compare with (make bench sets it when the citus extension is installed)")
	}
	direct := seededDatabase(b, "direct", 10, 100)
	distributed := seededDatabaseOn(b, citusURL, "citus", 10, 100)
	if !distributed.Citus {
		b.Fatalf("%s=%s is not a Citus coordinator", CitusURLEnv, citusURL)
	}
	directSrv := startServer(b, direct, nil)
	citusSrv := startServer(b, distributed, map[string]string{"DATABASE_URL": distributed.ServingURL(b), "JOB_DATABASE_URL": distributed.WorkersURL(b), "DATABASE_ADMIN_URL": distributed.URL})
	s := measure(b, []target{
		{name: "direct PostgreSQL", url: directSrv.base + fullPath, headers: directSrv.headerSets(b, slugs("direct", 10))},
		{name: "Citus, two workers", url: citusSrv.base + fullPath, headers: citusSrv.headerSets(b, slugs("citus", 10))},
	})
	report(b, "GET /api/v1/users?limit=20, direct PostgreSQL and a Citus coordinator", s)
	tput, p50, p99 := s[1].rps()/s[0].rps(), float64(s[1].quantile(0.5))/float64(s[0].quantile(0.5)), float64(s[1].quantile(0.99))/float64(s[0].quantile(0.99))
	fmt.Printf("ratio citus/direct: throughput %.2f, p50 %.2f, p99 %.2f\n", tput, p50, p99)
	b.ReportMetric(tput, "throughput-ratio")
	b.ReportMetric(p99, "p99-ratio")
}
