package postgres

import (
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// A caller's OR must stay inside its parentheses: squirrel joins WHERE parts with AND and adds
// none, so "tenant_id = $1 AND a = $2 OR b = $3" would let the OR branch reach every tenant.
func TestScopedParenthesizesTheCallersPredicate(t *testing.T) {
	if !ApplicationFilter {
		t.Skip("the application filter is compiled out")
	}
	var tc tenant.Context
	for _, where := range []sq.Sqlizer{
		sq.Expr("a = ? OR b = ?", 1, 2),
		sq.Or{sq.Eq{"a": 1}, sq.Eq{"b": 2}},
	} {
		sql, args, err := psql.Select("x").From("t").Where(scoped(tc, "", where)).ToSql()
		require.NoError(t, err)
		assert.Contains(t, []string{
			"SELECT x FROM t WHERE (tenant_id = $1 AND (a = $2 OR b = $3))",
			"SELECT x FROM t WHERE (tenant_id = $1 AND ((a = $2 OR b = $3)))",
		}, sql)
		assert.Equal(t, []any{uuid.Nil.String(), 1, 2}, args) // squirrel renders the UUID through its driver.Valuer
	}
}
