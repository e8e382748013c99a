// Package migrations keeps the migrations layer non-empty.
package migrations
