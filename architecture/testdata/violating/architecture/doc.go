// Package architecture keeps the architecture layer non-empty.
package architecture
