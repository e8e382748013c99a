package tenantdata_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
)

// An archive that was altered, cut short, made for another schema, or whose tenant is already
// there is refused, and the database is left as it was.
func TestImportRefusals(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.seed("bravo", 30)
	archive := w.export("bravo")
	manifest := manifestOf(t, archive)

	fresh := pgtest.New(t)
	fresh.Migrate(t, attachmentsTable()...)
	target := adminDB(t, fresh)
	pool := fresh.OwnerPool(t)

	editManifest := func(edit func(m *tenantdata.Manifest)) []byte {
		return rebuild(t, archive, func(name string, body []byte) []byte {
			if name != "manifest.json" {
				return body
			}
			m := manifest
			edit(&m)
			out, err := json.Marshal(m)
			require.NoError(t, err)
			return out
		})
	}
	cases := []struct {
		name    string
		archive []byte
		want    error
		says    string
	}{
		{"a value changed", rebuild(t, archive, func(name string, body []byte) []byte {
			if name == "tables/users.jsonl" {
				return bytes.Replace(body, []byte("user1@"), []byte("userX@"), 1)
			}
			return body
		}), tenantdata.ErrArchive, "tables/users.jsonl does not match its checksum"},
		{"a row dropped", rebuild(t, archive, func(name string, body []byte) []byte {
			if name == "tables/notifications.jsonl" {
				return body[bytes.IndexByte(body, '\n')+1:]
			}
			return body
		}), tenantdata.ErrArchive, "tables/notifications.jsonl does not match its checksum"},
		{"cut in the middle", archive[:len(archive)/2], tenantdata.ErrArchive, "truncated"},
		{"cut where the queue's file begins", archive[:strings.LastIndex(string(archive), "tables/river_job.jsonl")], tenantdata.ErrArchive, "tables/river_job.jsonl: the archive is truncated"},
		{"not an archive", []byte("hello"), tenantdata.ErrArchive, "truncated"},
		{"another schema version", editManifest(func(m *tenantdata.Manifest) { m.SchemaVersion-- }), tenantdata.ErrSchemaMismatch, "schema version"},
		{"another format", editManifest(func(m *tenantdata.Manifest) { m.FormatVersion = 99 }), tenantdata.ErrArchive, "format"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tenantdata.NewImporter(target).Import(ctx, bytes.NewReader(c.archive), "", nil)
			require.ErrorIs(t, err, c.want)
			assert.Contains(t, err.Error(), c.says)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.Zero(t, tenantCount(t, pool), "nothing written")
			assert.Zero(t, total(rowsOf(t, pool, w.ids["bravo"])), "nothing written")
		})
	}

	// A row naming another tenant, with the manifest's checksum made to match: the import role's
	// row-level security refuses it, as it would refuse a request. Jobs too: the queue's policy
	// names the serving role, and the import role is one of its members.
	other := "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"
	for _, file := range []string{"tables/users.jsonl", "tables/river_job.jsonl"} {
		t.Run("a row of another tenant in "+file, func(t *testing.T) {
			forged := rebuildConsistent(t, archive, file, func(body []byte) []byte {
				return bytes.Replace(body, []byte(w.ids["bravo"].String()), []byte(other), 1)
			})
			_, err := tenantdata.NewImporter(target).Import(ctx, bytes.NewReader(forged), "", nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "row-level security")
			assert.Zero(t, tenantCount(t, pool), "nothing written")
			assert.Zero(t, total(rowsOf(t, pool, w.ids["bravo"])), "nothing written")
		})
	}

	// The tenant is already here, by id, or by slug under another id.
	_, err := tenantdata.NewImporter(w.admin).Import(ctx, bytes.NewReader(archive), "bravo-two", nil)
	require.ErrorIs(t, err, tenantdata.ErrTenantExists)
	assert.Contains(t, err.Error(), "already in this database")
	_, err = tenantdata.NewImporter(target).Import(ctx, bytes.NewReader(archive), "", nil)
	require.NoError(t, err)
	w2 := newWorld(t)
	w2.seed("bravo", 1)
	_, err = tenantdata.NewImporter(w2.admin).Import(ctx, bytes.NewReader(archive), "", nil)
	require.ErrorIs(t, err, tenantdata.ErrTenantExists)
	assert.Contains(t, err.Error(), "--slug")
	_, err = tenantdata.NewImporter(w2.admin).Import(ctx, bytes.NewReader(archive), "bravo-two", nil)
	require.NoError(t, err, "under a new slug")
}

// rebuildConsistent edits the table file and writes its new SHA-256 into the manifest: an archive
// altered by someone who knows the format.
func rebuildConsistent(t testing.TB, archive []byte, file string, edit func(body []byte) []byte) []byte {
	t.Helper()
	m := manifestOf(t, archive)
	edited := edit(entries(t, archive)[file])
	require.NotEqual(t, entries(t, archive)[file], edited, "the edit changes the file")
	sum := sha256.Sum256(edited)
	for i := range m.Tables {
		if m.Tables[i].File == file {
			m.Tables[i].SHA256 = hex.EncodeToString(sum[:])
		}
	}
	manifest, err := json.Marshal(m)
	require.NoError(t, err)
	return rebuild(t, archive, func(name string, body []byte) []byte {
		switch name {
		case "manifest.json":
			return manifest
		case file:
			return edited
		}
		return body
	})
}
