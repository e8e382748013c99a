package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A detection that failed (an operator's Ctrl-C canceled it) is not remembered: the next
// administrative write asks again instead of failing with the first one's error for the life of
// the process.
func TestCitusDetectionFailureIsNotRemembered(t *testing.T) {
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	// Any database of the server answers whether citus is installed in it; DATABASE_URL's own
	// may not exist (the tests make a database each).
	cfg.ConnConfig.Database = "postgres"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	defer pool.Close()
	a := &tenantAnnouncer{db: &DB{pool: pool}}

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = a.isCitus(canceled)
	require.ErrorIs(t, err, context.Canceled)

	_, err = a.isCitus(context.Background())
	assert.NoError(t, err, "the canceled detection must not be the answer of the next one")
}
