package postgres_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

const (
	uowPool    = 8
	uowWorkers = 16
	uowRounds  = 6
	uowPhase   = time.Second
)

// BenchmarkUnitOfWorkVersusHandWritten: a unit of work of three statements (read a row, count
// the tenant's rows, update the row) through the scoped repository, the tenant transaction and
// RLS, against the same three statements written by hand in one pgx transaction with
// WHERE tenant_id = $1 on the owner's login; pools of uowPool, uowWorkers goroutines, alternating
// rounds in one run. The ratio is tenantcore's throughput over the hand-written one's.
func BenchmarkUnitOfWorkVersusHandWritten(b *testing.B) {
	ctx := context.Background()
	db := pgtest.New(b)
	owner := db.OwnerPool(b)
	a, _ := seedTwoTenants(b, owner)
	tc := tenanttest.Context(b, a)
	var id uuid.UUID
	if err := owner.QueryRow(ctx, "SELECT id FROM users WHERE tenant_id = $1", a.ID()).Scan(&id); err != nil {
		b.Fatal(err)
	}
	serving := db.ServingDBWith(b, func(c *postgres.Config) { c.MaxConns = uowPool; c.MinConns = uowPool })
	repo := postgres.NewScopedRepository(serving, usersTable())
	handPool := handWrittenPool(b, db.URL)

	scoped := func(ctx context.Context) error {
		return serving.InTenant(ctx, tc, func(ctx context.Context) error {
			if _, err := repo.GetForTenant(ctx, tc, id); err != nil {
				return err
			}
			if _, err := repo.Count(ctx, tc, nil); err != nil {
				return err
			}
			_, err := repo.UpdateWhere(ctx, tc, sq.Eq{"id": id}, map[string]any{"email": "acme@example.com"})
			return err
		})
	}
	byHand := func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, handPool, func(tx pgx.Tx) error {
			var tenantID, rowID uuid.UUID
			var email string
			if err := tx.QueryRow(ctx, "SELECT tenant_id, id, email FROM users WHERE tenant_id = $1 AND id = $2",
				a.ID(), id).Scan(&tenantID, &rowID, &email); err != nil {
				return err
			}
			var n int64
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM users WHERE tenant_id = $1", a.ID()).Scan(&n); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE users SET email = $3 WHERE tenant_id = $1 AND id = $2", a.ID(), id, "acme@example.com")
			return err
		})
	}

	sides := []struct {
		name string
		run  func(context.Context) error
	}{{"tenantcore unit of work", scoped}, {"hand-written pgx transaction", byHand}}
	ops := make([]int64, len(sides))
	var latencies [2][]time.Duration
	for _, s := range sides {
		if _, _, err := phase(ctx, s.run, 200*time.Millisecond); err != nil { // warm-up
			b.Fatal(err)
		}
	}
	for round := range uowRounds {
		for k := range sides {
			i := k
			if round%2 == 1 {
				i = len(sides) - 1 - k
			}
			n, lat, err := phase(ctx, sides[i].run, uowPhase)
			if err != nil {
				b.Fatalf("%s: %v", sides[i].name, err)
			}
			ops[i] += n
			latencies[i] = append(latencies[i], lat...)
		}
	}
	for i, s := range sides {
		fmt.Printf("%-30s %8.0f units/s  p50 %s  p99 %s\n", s.name, float64(ops[i])/(uowRounds*uowPhase.Seconds()),
			quantile(latencies[i], 0.5), quantile(latencies[i], 0.99))
	}
	ratio := float64(ops[0]) / float64(ops[1])
	p99 := float64(quantile(latencies[0], 0.99)) / float64(quantile(latencies[1], 0.99))
	fmt.Printf("ratio unit of work of three statements/hand-written: throughput %.2f, p99 %.2f\n", ratio, p99)
	b.ReportMetric(ratio, "throughput-ratio")
	b.ReportMetric(p99, "p99-ratio")
}

// handWrittenPool is what a developer gets from pgxpool.New: pgx's default mode, which prepares
// and caches statements per connection.
func handWrittenPool(b *testing.B, url string) *pgxpool.Pool {
	b.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns, cfg.MinConns = uowPool, uowPool
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// phase runs fn from uowWorkers goroutines for d and returns how many calls completed and their
// latencies.
func phase(ctx context.Context, fn func(context.Context) error, d time.Duration) (int64, []time.Duration, error) {
	var (
		n        atomic.Int64
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	for range uowWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				start := time.Now()
				if err := fn(ctx); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(start))
				n.Add(1)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return n.Load(), all, firstErr
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted[int(q*float64(len(sorted)-1))]
}
