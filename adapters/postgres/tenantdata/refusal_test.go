package tenantdata_test

import (
	"bytes"
	"context"
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
