// Package migrations embeds the SQL schema migrations, applied in order by the PostgreSQL adapter.
// Evolution is additive (ADR-018); migrations_test.go refuses destructive statements.
package migrations

import "embed"

// files is this directory: the core's migrations, and a directory of its own for each feature's
// (migrations/projects/20261207150405_projects.sql), so that adding a feature edits no file here.
//
//go:embed *
var files embed.FS

// FS holds every migration file, the core's named NNNNN_description.sql and the features' named
// YYYYMMDDHHMMSS_description.sql, as one flat directory with goose annotations.
var FS = flatten(files)
