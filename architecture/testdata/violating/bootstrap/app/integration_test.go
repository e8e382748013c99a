//go:build integration

// Breaks db-only-in-adapters in a file excluded by default build tags.
package app_test

import _ "github.com/Masterminds/squirrel"
