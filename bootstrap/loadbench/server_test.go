package loadbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// poolSize is the connection pool of both the service and the baseline: the same for both, and
// small, because 16 client connections on 2 cores gain nothing from more backends.
const poolSize = 8

// server is one running instance of the real fx graph, with extra routes.
type server struct {
	base string
	env  map[string]string
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// seededDatabase creates a migrated database holding tenants × users made by `dev seed`
// (slugs <prefix>-00001…, password bootstrap.SeedPassword).
func seededDatabase(b *testing.B, prefix string, tenants, users int) pgtest.Database {
	b.Helper()
	return seededDatabaseOn(b, pgtest.ServerURL(), prefix, tenants, users)
}

// seededDatabaseOn is seededDatabase on another server than DATABASE_URL's.
func seededDatabaseOn(b *testing.B, server, prefix string, tenants, users int) pgtest.Database {
	b.Helper()
	db := pgtest.NewOn(b, server)
	env := map[string]string{"DATABASE_URL": db.URL, "LOG_LEVEL": "error"}
	var out, errOut bytes.Buffer
	code := bootstrap.CLI{Stdout: &out, Stderr: &errOut, Lookup: lookup(env)}.Main([]string{
		"dev", "seed", "--tenants", fmt.Sprint(tenants), "--users-per-tenant", fmt.Sprint(users), "--prefix", prefix,
	})
	if code != 0 {
		b.Fatalf("dev seed: %s", errOut.String())
	}
	return db
}

// startServer runs the service on db. Access logs are off (LOG_LEVEL=warn) so that neither
// variant pays for them; both would pay the same.
func startServer(b *testing.B, db pgtest.Database, override map[string]string, extra ...fx.Option) server {
	b.Helper()
	env := map[string]string{
		"DATABASE_URL":     db.URL,
		"HTTP_ADDR":        "127.0.0.1:0",
		"LOG_LEVEL":        "warn",
		"DB_MAX_CONNS":     fmt.Sprint(poolSize),
		"DB_MIN_CONNS":     fmt.Sprint(poolSize),
		"TENANT_CACHE_TTL": "10m",
	}
	for k, v := range override {
		env[k] = v
	}
	cfg, err := bootstrap.LoadConfig(lookup(env))
	if err != nil {
		b.Fatal(err)
	}
	var srv *httpapi.Server
	app := fxtest.New(b, append([]fx.Option{bootstrap.Server(cfg), fx.Populate(&srv), fx.NopLogger}, extra...)...)
	app.RequireStart()
	b.Cleanup(app.RequireStop)
	return server{base: "http://" + srv.Addr(), env: env}
}

// login returns a bearer token of the first seeded user of the tenant.
func (s server) login(b *testing.B, slug string) string {
	b.Helper()
	email := "user001@" + slug + ".example.com"
	body := `{"email":"` + email + `","password":"` + bootstrap.SeedPassword + `"}`
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.base+"/api/v1/auth/token", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Tenant-ID", slug)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		b.Fatalf("login %s: %s", slug, resp.Status)
	}
	return tok.AccessToken
}

// headerSets returns, for each tenant, the headers of an authenticated request.
func (s server) headerSets(b *testing.B, slugs []string) [][][2]string {
	b.Helper()
	sets := make([][][2]string, 0, len(slugs))
	for _, slug := range slugs {
		sets = append(sets, [][2]string{{"Authorization", "Bearer " + s.login(b, slug)}, {"X-Tenant-ID", slug}})
	}
	return sets
}

func warmUp(b *testing.B, url string, headers [][][2]string) {
	b.Helper()
	runLoad(b, loadSpec{URL: url, Headers: headers, Conns: 4, Duration: time.Second})
}

func slugs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%05d", prefix, i+1)
	}
	return out
}

// statementMode reads how the instance sends statements now, from /readyz.
func (s server) statementMode(b *testing.B) string {
	b.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, s.base+"/readyz", nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var ready struct {
		StatementMode string `json:"statement_mode"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ready); err != nil {
		b.Fatal(err)
	}
	return ready.StatementMode
}
