// Package fault defines the typed errors every layer returns: a kind that says what went wrong
// and a stable, dotted code that clients can rely on. The HTTP adapter maps them to problems.
package fault
