// Package txlend holds the key that lends a tenant transaction's connection to the job queue,
// whose library writes with a pgx.Tx. Only the job runner may import it (arch rule tenant-tx-lending).
package txlend

// Key unlocks postgres.DB's LendTx and LendPool. Its field is unexported, so a usable Key comes
// only from Issue; the zero Key (reflection, a generic zero value) is refused.
type Key struct{ issued bool }

// Issue returns a usable key.
func Issue() Key { return Key{issued: true} }

// Valid reports whether k came from Issue.
func (k Key) Valid() bool { return k.issued }
