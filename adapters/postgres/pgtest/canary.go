package pgtest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// WatchOtherSessions opens n client sessions to url, logging in as user, that keep checking, until
// the returned stop is called, that they run as their own role and see no tenant setting: what a
// pooler that leaked a serving transaction's state to its other clients would break. stop returns
// how many checks ran and what went wrong.
func WatchOtherSessions(url, user string, n int) (stop func() (checks int64, problems []string)) {
	done := make(chan struct{})
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		problems []string
		checks   atomic.Int64
	)
	report := func(p string) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, p)
	}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := watch(url, user, done, &checks, report); err != nil {
				report(err.Error())
			}
		}()
	}
	return func() (int64, []string) {
		close(done)
		wg.Wait()
		return checks.Load(), problems
	}
}

func watch(url, user string, done <-chan struct{}, checks *atomic.Int64, report func(string)) error {
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.User = user
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec // no named statements through a pooler
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	for {
		select {
		case <-done:
			return nil
		default:
		}
		var role, tenantSetting string
		err := conn.QueryRow(ctx, "SELECT current_user::text, COALESCE(current_setting('app.tenant_id', true), '')").Scan(&role, &tenantSetting)
		if err != nil {
			return err
		}
		checks.Add(1)
		if role != user || tenantSetting != "" {
			report(fmt.Sprintf("another client logged in as %s ran as %q with app.tenant_id %q", user, role, tenantSetting))
		}
		time.Sleep(2 * time.Millisecond)
	}
}
