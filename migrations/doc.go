// Package migrations embeds the SQL schema migrations, applied in order by the PostgreSQL adapter.
// Evolution is additive (ADR-018); migrations_test.go refuses destructive statements.
package migrations

import "embed"

// FS holds every migration file, named NNNNN_description.sql with goose annotations.
//
//go:embed *.sql
var FS embed.FS
