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
	Alias     string     `json:"Alias"`
	Plans     []planNode `json:"Plans"`
	// On Citus the coordinator's plan is a custom scan whose tasks carry the workers' plans.
	Distributed *struct {
		Job struct {
			TaskCount int `json:"Task Count"`
			Tasks     []struct {
				RemotePlan [][]struct {
					Plan planNode `json:"Plan"`
				} `json:"Remote Plan"`
			} `json:"Tasks"`
		} `json:"Job"`
	} `json:"Distributed Query"`
}

// scansOf returns every node that reads the users table (a shard of it on Citus, whose alias is
// still users).
func scansOf(n planNode) []planNode {
	var out []planNode
	if n.Alias == "users" && n.NodeType != "ModifyTable" {
		out = append(out, n)
	}
	for _, c := range n.Plans {
		out = append(out, scansOf(c)...)
	}
	if n.Distributed != nil {
		for _, task := range n.Distributed.Job.Tasks {
			for _, remote := range task.RemotePlan {
				for _, p := range remote {
					out = append(out, scansOf(p.Plan)...)
				}
			}
		}
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
				if db.Citus {
					// Each shard holds a few hundred rows, too few for the planner to prefer an
					// index; what must hold there is that a tenant-led index serves the statement.
					_, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off")
					require.NoError(t, err)
					_, err = tx.Exec(ctx, "SET LOCAL enable_bitmapscan = off")
					require.NoError(t, err)
				}
				require.NoError(t, tx.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, args[name]...).Scan(&raw))
			})
			var plans []struct {
				Plan planNode `json:"Plan"`
			}
			require.NoError(t, json.Unmarshal(raw, &plans))
			if db.Citus {
				// One tenant's statement is routed to the one shard holding that tenant.
				require.NotNil(t, plans[0].Plan.Distributed, "plan: %s", raw)
				assert.Equal(t, 1, plans[0].Plan.Distributed.Job.TaskCount, "plan: %s", raw)
			}
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
