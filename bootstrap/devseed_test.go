package bootstrap_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// TestDevSeedRefusesOutOfBoundCounts runs the review's command lines (counts out of bounds, an
// upper-case prefix) against a real database: exit 1, one line saying what is wrong, and not a
// row written.
func TestDevSeedRefusesOutOfBoundCounts(t *testing.T) {
	db := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": db.URL, "LOG_LEVEL": "error"}
	for _, args := range [][]string{
		{"--tenants", "9223372036854775807"},
		{"--tenants", "3", "--users-per-tenant", "4611686018427387904"}, // 3 × that wraps around int
		{"--tenants", "100000", "--users-per-tenant", "1000"},
		{"--tenants", "0"},
		{"--users-per-tenant", "-1"},
		{"--tenants", "2", "--prefix", "ABC"}, // folds to a valid slug, but the database stores only lower case
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := bootstrap.CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Lookup: lookup(env)}.
				Main(append([]string{"dev", "seed"}, args...))
			assert.Equal(t, 1, code)
			assert.Empty(t, out.String())
			line := strings.TrimSuffix(errOut.String(), "\n")
			assert.True(t, strings.HasPrefix(line, "tenantcore: dev: "), line)
			assert.NotContains(t, line, "\n")
			assert.NotContains(t, line, "goroutine")
			assert.NotContains(t, line, "SQLSTATE", "refused before the database is asked")
		})
	}
	var tenants int
	require.NoError(t, db.OwnerPool(t).QueryRow(context.Background(), "SELECT count(*) FROM tenants").Scan(&tenants))
	assert.Zero(t, tenants, "a refused seed writes nothing")
}
