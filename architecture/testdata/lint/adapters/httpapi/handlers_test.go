package httpapi

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// A test outside the PostgreSQL adapters opening its own pool is still reported.
func TestPool(t *testing.T) {
	_, _ = pgxpool.New(context.Background(), "postgres://") // want `pool-outside-core: pgxpool.New makes a database connection`
}
