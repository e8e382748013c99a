package bootstrap_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// The tenant-data commands against a running instance: export, erase (the instance refuses the
// tenant at once, through the change feed), the receipt, and import of the archive, refused
// when altered. In the PgBouncer phase the commands' own connections go through the pooler too.
func TestTenantDataCommands(t *testing.T) {
	db := pgtest.New(t)
	env := map[string]string{"TENANT_CACHE_TTL": "10m"}
	if os.Getenv(pgtest.PoolerEnv) != "" && !db.Citus {
		env["DATABASE_ADMIN_URL"] = db.ServingURL(t)
		env["DATABASE_LISTEN_URL"] = db.URL
	}
	s := startServiceOn(t, db, env)
	s.createTenant("alpha")
	bravo := s.createTenant("bravo")
	s.createUser("alpha", "ada@alpha.example", "alpha password 1")
	s.createUser("bravo", "bob@bravo.example", "bravo password 1")
	s.createUser("bravo", "eve@bravo.example", "bravo password 2")

	run := func(stdin io.Reader, args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := bootstrap.CLI{Stdin: stdin, Stdout: &out, Stderr: &errOut, Lookup: lookup(s.env)}.Main(args)
		return code, out.String(), errOut.String()
	}
	oneLine := func(t *testing.T, stderr, prefix string) {
		t.Helper()
		line := strings.TrimSuffix(stderr, "\n")
		assert.True(t, strings.HasPrefix(line, prefix), line)
		assert.NotContains(t, line, "\n")
	}

	dir := t.TempDir()
	archive := filepath.Join(dir, "bravo.tar")
	code, out, stderr := run(nil, "tenant", "export", "--slug", "bravo", "--out", archive)
	require.Equal(t, 0, code, stderr)
	var exported struct {
		Rows map[string]int64 `json:"rows"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &exported))
	assert.Equal(t, int64(2), exported.Rows["users"])
	assert.Equal(t, int64(2), exported.Rows["river_job"], "the welcome jobs")

	code, out, stderr = run(nil, "tenant", "export", "--slug", "bravo", "--out", "-")
	require.Equal(t, 0, code, stderr)
	first, err := tar.NewReader(strings.NewReader(out)).Next()
	require.NoError(t, err)
	assert.Equal(t, "manifest.json", first.Name, "the archive on standard output")

	code, _, stderr = run(nil, "tenant", "export", "--slug", "nobody", "--out", filepath.Join(dir, "nobody.tar"))
	assert.Equal(t, 1, code)
	oneLine(t, stderr, "tenantcore: tenant: ")
	assert.NoFileExists(t, filepath.Join(dir, "nobody.tar"), "a failed export leaves no file")

	require.Equal(t, http.StatusOK, s.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: bravo").status, "cached as active")
	code, _, stderr = run(nil, "tenant", "erase", "--slug", "bravo", "--confirm", "alpha", "--reason", "offboarding")
	assert.Equal(t, 1, code)
	oneLine(t, stderr, "tenantcore: tenant: erasure not confirmed")
	code, _, _ = run(nil, "tenant", "erase", "--confirm", "bravo")
	assert.Equal(t, 2, code, "usage")

	code, out, stderr = run(nil, "tenant", "erase", "--slug", "bravo", "--confirm", "bravo", "--reason", "offboarding", "--by", "ops")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "verified that no table holds a row of tenant "+bravo.ID)
	assert.Contains(t, out, `"finished_at": "`, "the receipt, finished")
	require.Eventually(t, func() bool {
		return s.do(http.MethodGet, "/api/v1/tenant", "", "X-Tenant-ID: bravo").status == http.StatusNotFound
	}, 3*time.Second, 10*time.Millisecond, "the running instance forgets the erased tenant")

	code, out, stderr = run(nil, "tenant", "receipts")
	require.Equal(t, 0, code, stderr)
	var receipts []struct {
		TenantID string           `json:"tenant_id"`
		By       string           `json:"erased_by"`
		Rows     map[string]int64 `json:"rows"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &receipts))
	require.Len(t, receipts, 1)
	assert.Equal(t, bravo.ID, receipts[0].TenantID)
	assert.Equal(t, "ops", receipts[0].By)
	assert.Equal(t, int64(2), receipts[0].Rows["users"])

	// An altered archive is refused and writes nothing; the real one comes back.
	body, err := os.ReadFile(archive)
	require.NoError(t, err)
	altered := filepath.Join(dir, "altered.tar")
	require.NoError(t, os.WriteFile(altered, bytes.Replace(body, []byte("bob@bravo"), []byte("bib@bravo"), 1), 0o600))
	code, _, stderr = run(nil, "tenant", "import", "--in", altered)
	assert.Equal(t, 1, code)
	oneLine(t, stderr, "tenantcore: tenant: archive refused: tables/users.jsonl does not match its checksum")
	code, _, stderr = run(bytes.NewReader(body[:len(body)/3]), "tenant", "import", "--in", "-")
	assert.Equal(t, 1, code)
	oneLine(t, stderr, "tenantcore: tenant: archive refused")
	var tenants int
	require.NoError(t, db.OwnerPool(t).QueryRow(context.Background(), "SELECT count(*) FROM tenants").Scan(&tenants))
	assert.Equal(t, 1, tenants, "nothing written")

	code, _, stderr = run(nil, "tenant", "import", "--in", archive)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = run(nil, "tenant", "import", "--in", archive, "--slug", "bravo-again")
	assert.Equal(t, 1, code)
	oneLine(t, stderr, "tenantcore: tenant: tenant exists: a tenant with id "+bravo.ID)
}
