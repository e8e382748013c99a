package projectdb

import (
	"context"
	"testing"

	"github.com/tenantcore/tenantcore/adapters/postgres"
)

// Tests of the PostgreSQL adapters open pools on their own test database: fine.
func TestOpen(t *testing.T) {
	_, _ = postgres.NewPool(context.Background(), postgres.Config{})
}
