package loadbench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/userdb"
)

func analyze(b *testing.B, db pgtest.Database) {
	b.Helper()
	if _, err := db.OwnerPool(b).Exec(context.Background(), "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	IndexName string     `json:"Index Name"`
	IndexCond string     `json:"Index Cond"`
	Time      float64    `json:"Actual Total Time"`
	Plans     []planNode `json:"Plans"`
}

func findScan(n planNode) (planNode, bool) {
	if n.Relation == "users" {
		return n, true
	}
	for _, c := range n.Plans {
		if s, ok := findScan(c); ok {
			return s, true
		}
	}
	return planNode{}, false
}

// planOfList prints, and checks, the plan of the scoped list statement on the large database,
// run as the serving role under RLS: an index scan led by tenant_id.
func planOfList(b *testing.B, db pgtest.Database) {
	b.Helper()
	ctx := context.Background()
	sql := userdb.NewStore(db.ServingDB(b)).Statements()["list"]
	var id string
	if err := db.OwnerPool(b).QueryRow(ctx, "SELECT id::text FROM tenants WHERE slug = 'large-05000'").Scan(&id); err != nil {
		b.Fatal(err)
	}
	var raw []byte
	db.AsServingRole(b, id, func(tx pgx.Tx) {
		if err := tx.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+sql, id, 21).Scan(&raw); err != nil {
			b.Fatal(err)
		}
	})
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) == 0 {
		b.Fatalf("plan: %v: %s", err, raw)
	}
	scan, ok := findScan(plans[0].Plan)
	if !ok || !strings.HasPrefix(scan.NodeType, "Index") || !strings.HasPrefix(strings.TrimLeft(scan.IndexCond, "("), "tenant_id = ") {
		b.Fatalf("the list statement does not use an index led by tenant_id: %s", raw)
	}
	fmt.Printf("plan of the list statement on 1,000,000 users: %s using %s, condition %s, %.3f ms\n",
		scan.NodeType, scan.IndexName, scan.IndexCond, scan.Time)
}
