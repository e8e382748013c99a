package loadbench_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// baselinePath serves what a careful developer would write by hand without this layer: the same
// bearer check, the tenant looked up by the same header through the same cache, and the same SQL
// with WHERE tenant_id = $1 sent with plain pgx on the login role: no RLS, no repository, no
// tenant middleware. Its pool runs in pgx's default mode: statements prepared and cached per
// connection.
const baselinePath = "/bench/baseline/users"

// baselineDescribePath is the same handler on a pool in pgx's pooler-safe mode
// (QueryExecModeCacheDescribe: unnamed statements, descriptions cached).
const baselineDescribePath = "/bench/baseline/users-describe"

const baselineSQL = `SELECT tenant_id, id, email, password_hash, is_active, created_at, updated_at
FROM users WHERE tenant_id = $1 ORDER BY id LIMIT $2`

type baselineUser struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Email     string    `json:"email"`
	IsActive  bool      `json:"is_active"`
	CreatedAt time.Time `json:"created_at"`
}

// baselinePool connects to url with the login role, which owns the tables: no RLS applies to it.
// prepared keeps pgx's default mode (statements prepared and cached per connection), else it
// uses pgx's pooler-safe mode.
func baselinePool(b *testing.B, url string, size int32, prepared bool) *pgxpool.Pool {
	b.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns, cfg.MinConns = size, size
	if !prepared {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// The baseline checks the token and looks the tenant up itself, so the route builder must add
// neither: this benchmark binary declares it public.
func init() {
	for _, path := range []string{baselinePath, baselineDescribePath} {
		httpapi.PublicRoutes = append(httpapi.PublicRoutes, httpapi.PublicRoute{
			Method: http.MethodGet, Path: path, Access: httpapi.AccessPublic,
			Reason: "the hand-written baseline of the load benchmark authenticates by itself",
		})
	}
}

// baselineRoute serves the hand-written handler at path on pool.
func baselineRoute(path string, pool *pgxpool.Pool) fx.Option {
	return fx.Provide(fx.Annotate(func(verifier ports.TokenVerifier, dir ports.TenantDirectory) httpapi.Route {
		return httpapi.PlainRoute(http.MethodGet, path, baselineHandler(pool, verifier, dir))
	}, fx.ResultTags(`group:"routes"`)))
}

func baselineHandler(pool *pgxpool.Pool, verifier ports.TokenVerifier, dir ports.TenantDirectory) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		p, err := verifier.Verify(token)
		if scheme != "Bearer" || err != nil {
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		slug, err := tenant.ParseSlug(r.Header.Get("X-Tenant-ID"))
		if err != nil {
			http.Error(w, "bad tenant", http.StatusBadRequest)
			return
		}
		t, err := dir.TenantBySlug(r.Context(), slug)
		if err != nil || !t.IsActive() || t.ID() != p.TenantID {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		rows, err := pool.Query(r.Context(), baselineSQL, t.ID(), 21)
		if err != nil {
			http.Error(w, "database", http.StatusServiceUnavailable)
			return
		}
		defer rows.Close()
		items := make([]baselineUser, 0, 21)
		var last uuid.UUID
		for rows.Next() {
			var (
				tenantID, id         uuid.UUID
				email, hash          string
				active               bool
				createdAt, updatedAt time.Time
			)
			if err := rows.Scan(&tenantID, &id, &email, &hash, &active, &createdAt, &updatedAt); err != nil {
				http.Error(w, "scan", http.StatusInternalServerError)
				return
			}
			items = append(items, baselineUser{ID: id.String(), TenantID: tenantID.String(), Email: email, IsActive: active, CreatedAt: createdAt.UTC()})
			last = id
		}
		if rows.Err() != nil {
			http.Error(w, "database", http.StatusServiceUnavailable)
			return
		}
		var next *string
		if len(items) > 20 {
			items = items[:20]
			c := last.String()
			next = &c
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			Items      []baselineUser `json:"items"`
			NextCursor *string        `json:"next_cursor"`
		}{items, next})
	})
}
