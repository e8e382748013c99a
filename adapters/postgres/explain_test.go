package postgres_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/devseed"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

type planNode struct {
	NodeType  string     `json:"Node Type"`
	IndexName string     `json:"Index Name"`
	IndexCond string     `json:"Index Cond"`
	Relation  string     `json:"Relation Name"`
	Plans     []planNode `json:"Plans"`
}

// scansOf returns every node that reads the users table.
func scansOf(n planNode) []planNode {
	var out []planNode
	if n.Relation == "users" && n.NodeType != "ModifyTable" {
		out = append(out, n)
	}
	for _, c := range n.Plans {
		out = append(out, scansOf(c)...)
	}
	return out
}

// TestScopedStatementsUseTenantLedIndex checks the plan of every prebuilt scoped statement on a
// data set large enough for the planner to prefer an index: each must reach users through an
// index scan whose condition starts with tenant_id, never a sequential scan.
func TestScopedStatementsUseTenantLedIndex(t *testing.T) {
	if !postgres.ApplicationFilter {
		t.Skip("the plans checked here are those of the filtered statements")
	}
	ctx := context.Background()
	db := pgtest.New(t)
	seeder, err := devseed.Open(ctx, postgres.Config{URL: db.URL, MaxConns: 2}, zap.NewNop())
	require.NoError(t, err)
	defer seeder.Close()
	_, err = seeder.Seed(ctx, devseed.Options{Tenants: 200, UsersPerTenant: 50, PasswordHash: "x"})
	require.NoError(t, err)
	owner := db.OwnerPool(t)
	_, err = owner.Exec(ctx, "ANALYZE users")
	require.NoError(t, err)

	var tenantID, userID uuid.UUID
	require.NoError(t, owner.QueryRow(ctx, "SELECT tenant_id, id FROM users ORDER BY random() LIMIT 1").Scan(&tenantID, &userID))

	repo := postgres.NewScopedRepository(db.ServingDB(t), usersTable())
	args := map[string][]any{
		"get":        {tenantID, userID},
		"list":       {tenantID, 21},
		"list_after": {tenantID, userID, 21},
		"delete":     {tenantID, userID},
	}
	for name, sql := range repo.Statements() {
		t.Run(name, func(t *testing.T) {
			var raw []byte
			// EXPLAIN of a DELETE plans it without running it; the transaction is rolled back anyway.
			db.AsServingRole(t, tenantID.String(), func(tx pgx.Tx) {
				require.NoError(t, tx.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, args[name]...).Scan(&raw))
			})
			var plans []struct {
				Plan planNode `json:"Plan"`
			}
			require.NoError(t, json.Unmarshal(raw, &plans))
			scans := scansOf(plans[0].Plan)
			require.NotEmpty(t, scans, "plan: %s", raw)
			for _, s := range scans {
				assert.Contains(t, []string{"Index Scan", "Index Only Scan"}, s.NodeType, "plan: %s", raw)
				assert.True(t, strings.HasPrefix(s.IndexName, "users_"), "index %q", s.IndexName)
				assert.True(t, strings.HasPrefix(strings.TrimLeft(s.IndexCond, "("), "tenant_id = "),
					"index condition %q led by tenant_id", s.IndexCond)
			}
		})
	}
}
