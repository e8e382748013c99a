// Package kit is a test kit of the PostgreSQL adapters: it needs a testing.TB, so it may open
// pools on its test database.
package kit

import (
	"context"
	"testing"

	"github.com/tenantcore/tenantcore/adapters/postgres"
)

// Pool opens a pool for a test.
func Pool(t testing.TB) {
	t.Helper()
	_, _ = postgres.NewPool(context.Background(), postgres.Config{})
}
