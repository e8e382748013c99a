package migrations

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A feature's migrations, in a directory of their own, are listed with the core's as one
// directory, the only shape goose reads; other files and deeper directories are not migrations.
func TestFlattenListsFeatureMigrationsWithTheCore(t *testing.T) {
	f := flatten(fstest.MapFS{
		"00001_core.sql":                       {Data: []byte("core")},
		"doc.go":                               {Data: []byte("package migrations")},
		"projects/20261207150405_projects.sql": {Data: []byte("projects")},
		"projects/notes/99999999999999_x.sql":  {Data: []byte("too deep")},
	})
	entries, err := fs.ReadDir(f, ".")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"00001_core.sql", "20261207150405_projects.sql"}, names)
	b, err := fs.ReadFile(f, "20261207150405_projects.sql")
	require.NoError(t, err)
	assert.Equal(t, "projects", string(b))
	matches, err := fs.Glob(f, "*.sql")
	require.NoError(t, err)
	assert.Len(t, matches, 2)
}

// Two files of one name in two directories would make one of them invisible: refused, naming both.
func TestFlattenRefusesOneNameTwice(t *testing.T) {
	f := flatten(fstest.MapFS{
		"a/20261207150405_x.sql": {Data: []byte("a")},
		"b/20261207150405_x.sql": {Data: []byte("b")},
	})
	_, err := fs.ReadDir(f, ".")
	assert.ErrorContains(t, err, "migration 20261207150405_x.sql is both a/20261207150405_x.sql and b/20261207150405_x.sql")
	_, err = f.Open("20261207150405_x.sql")
	assert.Error(t, err)
}
