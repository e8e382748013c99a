package tenantdata_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
)

// world is a database with the tenants of a test, their users, notifications, queued jobs and
// rows of a table a test migration adds (attachments, referencing users).
type world struct {
	t     testing.TB
	db    pgtest.Database
	owner *pgxpool.Pool
	admin *postgres.DB
	ids   map[string]uuid.UUID
}

// attachmentsTable is the feature table of the fixture: every kind of value the archive must carry
// (bytea, floats, arrays, json, nulls, text with quotes and control characters), and a foreign
// key to users, so that foreign-key order matters.
func attachmentsTable() []string {
	return append(pgtest.TenantTable("attachments",
		"user_id uuid NOT NULL",
		"title text NOT NULL",
		"body bytea",
		"score double precision",
		"labels text[]",
		"meta jsonb",
		"created_at timestamptz NOT NULL DEFAULT now()",
	),
		"GRANT SELECT, INSERT, UPDATE, DELETE ON attachments TO tenantcore_app",
		"ALTER TABLE attachments ADD CONSTRAINT attachments_user_fkey FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)",
		// Deleting a user checks that no attachment references it: without this index, each
		// check reads the tenant's whole attachments index.
		"CREATE INDEX attachments_user_idx ON attachments (tenant_id, user_id)",
	)
}

func newWorld(t testing.TB) *world {
	t.Helper()
	db := pgtest.New(t)
	db.Migrate(t, attachmentsTable()...)
	return &world{t: t, db: db, owner: db.OwnerPool(t), admin: adminDB(t, db), ids: map[string]uuid.UUID{}}
}

// adminDB is the schema owner's DB the commands use: in the PgBouncer phase, through the pooler.
func adminDB(t testing.TB, db pgtest.Database) *postgres.DB {
	t.Helper()
	if os.Getenv(pgtest.PoolerEnv) == "" || db.Citus {
		return db.OwnerDB(t)
	}
	admin, err := postgres.Open(context.Background(), postgres.Config{URL: db.ServingURL(t), MaxConns: 4})
	require.NoError(t, err)
	t.Cleanup(admin.Close)
	return admin
}

// seed creates tenant slug with n users, a notification of each, an attachment of each and a
// queued job of each.
func (w *world) seed(slug string, n int) uuid.UUID {
	w.t.Helper()
	id := uuid.Must(uuid.NewV7())
	w.exec(`INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)`, id, slug, strings.ToUpper(slug)+" Ltd")
	w.exec(`
INSERT INTO users (tenant_id, id, email, password_hash, created_at)
SELECT $1, gen_random_uuid(), 'user' || i || '@' || $2 || '.example', '$argon2id$fixture' || i, now() - i * interval '1 hour'
FROM generate_series(1, $3::int) AS i`, id, slug, n)
	w.exec(`
INSERT INTO notifications (tenant_id, id, user_id, kind, recipient, subject, created_at)
SELECT tenant_id, gen_random_uuid(), id, 'welcome', email, 'Welcome to ' || $2, created_at FROM users WHERE tenant_id = $1`, id, slug)
	w.exec(`
INSERT INTO attachments (tenant_id, id, user_id, title, body, score, labels, meta)
SELECT tenant_id, gen_random_uuid(), id, 'a "quoted" title' || E'\t\n' || email, '\x00ff'::bytea, 0.1 + row_number() OVER (), ARRAY['x', NULL, 'y,z'], '{"k": [1, 2.5, "é"]}'
FROM users WHERE tenant_id = $1`, id)
	w.exec(`
INSERT INTO river_job (args, kind, max_attempts, state, scheduled_at)
SELECT jsonb_build_object('tenant_id', tenant_id::text, 'job', jsonb_build_object('user_id', id)), 'welcome', 5, 'available', now() + interval '1 day'
FROM users WHERE tenant_id = $1`, id)
	w.ids[slug] = id
	return id
}

func (w *world) exec(sql string, args ...any) {
	w.t.Helper()
	_, err := w.owner.Exec(context.Background(), sql, args...)
	require.NoError(w.t, err, sql)
}

// rowsOf counts tenant id's rows in every table of the schema with a tenant_id column, found
// independently of the package under test, and in the job queue.
func rowsOf(t testing.TB, pool *pgxpool.Pool, id uuid.UUID) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT table_name FROM information_schema.columns
WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	out := map[string]int64{}
	for _, table := range tables {
		var n int64
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()+" WHERE tenant_id = $1", id).Scan(&n))
		out[table] = n
	}
	var jobs int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'tenant_id' = $1`, id.String()).Scan(&jobs))
	out["river_job"] = jobs
	return out
}

func total(counts map[string]int64) int64 {
	var n int64
	for _, c := range counts {
		n += c
	}
	return n
}

func (w *world) export(slug string) []byte {
	w.t.Helper()
	var buf bytes.Buffer
	_, err := tenantdata.NewExporter(w.admin).Export(context.Background(), slug, &buf, nil)
	require.NoError(w.t, err)
	return buf.Bytes()
}

// entries returns the files of an archive by name.
func entries(t testing.TB, archive []byte) map[string][]byte {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	out := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		out[hdr.Name] = body
	}
}

// tableFiles is the archive without its manifest, whose export time differs between two exports.
func tableFiles(t testing.TB, archive []byte) map[string][]byte {
	t.Helper()
	files := entries(t, archive)
	delete(files, "manifest.json")
	return files
}

func manifestOf(t testing.TB, archive []byte) tenantdata.Manifest {
	t.Helper()
	var m tenantdata.Manifest
	require.NoError(t, json.Unmarshal(entries(t, archive)["manifest.json"], &m))
	return m
}

// rebuild writes an archive of files in the order of names, with edit applied to each body.
func rebuild(t testing.TB, archive []byte, edit func(name string, body []byte) []byte) []byte {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(archive))
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		body = edit(hdr.Name, body)
		hdr.Size = int64(len(body))
		require.NoError(t, tw.WriteHeader(hdr))
		_, err = tw.Write(body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return out.Bytes()
}

func tenantCount(t testing.TB, pool *pgxpool.Pool) int64 {
	t.Helper()
	var n int64
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM tenants`).Scan(&n))
	return n
}
