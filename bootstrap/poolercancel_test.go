package bootstrap_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// TestCancellationStormThroughPooler: behind PgBouncer, clients give up on requests in the middle
// of their statements while the server's backends are terminated under them, the traffic that has
// made PgBouncer 1.18 exit ("server in bad state"). The pooler lives through it, no request is
// answered 500 (503 while connections are lost is the service's answer), and once the storm ends
// the same instance answers 200 again.
func TestCancellationStormThroughPooler(t *testing.T) {
	requirePooler(t)
	db := pgtest.New(t)
	env := map[string]string{
		// The dedicated serving login, so that the storm can tell the serving backends from its own.
		"DATABASE_URL":         db.ServingLoginURL(t),
		"JOB_DATABASE_URL":     db.QueueLoginURL(t), // the serving login sees no job
		"DATABASE_ADMIN_URL":   db.URL,
		"HTTP_ADDR":            "127.0.0.1:0",
		"LOG_LEVEL":            "warn",
		"SHUTDOWN_TIMEOUT":     "5s",
		"DB_STATEMENT_TIMEOUT": "2s",
		"REQUEST_TIMEOUT":      "3s",
		// Short enough that tenant lookups keep reaching the database too.
		"TENANT_CACHE_TTL":    "100ms",
		"TENANT_NEGATIVE_TTL": "100ms",
	}
	admin := adminCLI(t, env, db.URL)
	admin.createTenant("acme")
	admin.createUser("acme", "ada@example.com", "acme password 123")
	s := startLive(t, env)
	auth := "Authorization: Bearer " + s.login("acme", "ada@example.com", "acme password 123")
	require.Equal(t, http.StatusOK, s.get("/api/v1/users", auth).status)

	const storm = 5 * time.Second
	ctx, stop := context.WithTimeout(context.Background(), storm)
	defer stop()
	var (
		wg                   sync.WaitGroup
		mu                   sync.Mutex
		statuses             = map[string]int{}
		failures             []string
		abandoned, completed atomic.Int64
		terminated, locks    atomic.Int64
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}

	// The owner locks the users table in bursts, so that requests wait inside their statement
	// long enough for their clients to give up.
	owner := db.OwnerPool(t) // direct, logged in as the schema owner: the storm leaves it alone
	// lockUsers holds an exclusive lock on the users table for d, in a transaction of its own.
	lockUsers := func(ctx context.Context, d time.Duration) error {
		tx, err := owner.Begin(ctx)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback(context.Background()) }()
		if _, err := tx.Exec(ctx, "LOCK TABLE users IN ACCESS EXCLUSIVE MODE"); err != nil {
			return err
		}
		return sleepCtx(ctx, d)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			err := lockUsers(ctx, 150*time.Millisecond)
			if err == nil {
				locks.Add(1)
			}
			if err != nil && ctx.Err() == nil {
				fail("lock the users table: %v", err)
				return
			}
			_ = sleepCtx(ctx, 50*time.Millisecond)
		}
	}()

	// PostgreSQL terminates the serving backends again and again, whatever they are doing.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			var n int64
			err := owner.QueryRow(ctx, `SELECT count(*) FROM (
    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name = 'tenantcore' AND usename = $2) AS t`,
				db.Name, pgtest.ServingLogin).Scan(&n)
			if err != nil && ctx.Err() == nil {
				fail("terminate backends: %v", err)
				return
			}
			terminated.Add(n)
			_ = sleepCtx(ctx, 40*time.Millisecond)
		}
	}()

	// Clients whose patience is shorter than a locked statement: each timeout closes the request's
	// connection, and the server's context for it ends mid-statement.
	patience := []time.Duration{30 * time.Millisecond, 60 * time.Millisecond, 120 * time.Millisecond, time.Second}
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: patience[i%len(patience)], Transport: &http.Transport{DisableCompression: true}}
			defer client.CloseIdleConnections()
			impatient := &liveService{service: &service{t: t, base: s.base, client: client}}
			for ctx.Err() == nil {
				o := impatient.get("/api/v1/users", auth)
				var netErr net.Error
				switch {
				case o.err != nil && errors.As(o.err, &netErr) && netErr.Timeout():
					abandoned.Add(1)
					continue
				case o.err != nil:
					fail("GET /api/v1/users: %v", o.err)
					continue
				}
				completed.Add(1)
				mu.Lock()
				statuses[fmt.Sprintf("%d %s", o.status, o.code)]++
				mu.Unlock()
				if o.status != http.StatusOK && (o.status != http.StatusServiceUnavailable || o.code != "server.unavailable") {
					fail("only 200 and 503 server.unavailable are acceptable: %s", o)
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("storm of %s: %d requests answered %v, %d abandoned by their clients; %d table locks, %d backends terminated",
		storm, completed.Load(), statuses, abandoned.Load(), locks.Load(), terminated.Load())
	assert.Empty(t, failures)
	assert.Positive(t, abandoned.Load(), "clients gave up on requests")
	assert.Positive(t, terminated.Load(), "serving backends were terminated")

	// The pooler is alive: it accepts a new client and serves it. A server connection terminated
	// while idle in the pooler fails the first query sent on it, so the query may take a few tries.
	pooled := pgtest.PoolAt(t, db.ServingURL(t))
	selectOne := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var one int
		return pooled.QueryRow(ctx, "SELECT 1").Scan(&one)
	}
	deadline := time.Now().Add(10 * time.Second)
	err := selectOne()
	for err != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		err = selectOne()
	}
	require.NoError(t, err, "PgBouncer serves after the storm")

	require.Eventually(t, func() bool {
		return s.get("/api/v1/users", auth).status == http.StatusOK && s.get("/readyz").status == http.StatusOK
	}, 15*time.Second, 50*time.Millisecond, "the instance serves again after the storm")

	// Answers nobody read count too: the access log holds every 5xx the service decided on.
	for _, e := range s.logs.FilterMessage("request").All() {
		fields := e.ContextMap()
		if fields["code"] != "server.unavailable" {
			t.Errorf("access log: %s %v", e.Message, fields)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
