package postgres

import (
	"fmt"
	"regexp"

	"github.com/google/uuid"
)

// tenantColumn is the column every tenant-scoped table carries; the schema invariants guarantee
// it exists, references tenants and leads the keys.
const tenantColumn = "tenant_id"

// Table maps a tenant-scoped entity to its table. The tenant_id column is handled by
// ScopedRepository and appears in none of these fields.
type Table[T any] struct {
	// Name is the table name.
	Name string
	// Key is the primary-key column besides tenant_id. It must hold UUIDv7 values: keyset
	// pagination orders by it, which is creation order.
	Key string
	// Columns are selected, in this order after tenant_id, for Scan. Key must be among them.
	Columns []string
	// Scan builds an entity from a row holding tenant_id followed by Columns.
	Scan func(scan func(dest ...any) error) (T, error)
	// Values returns the columns an insert or update writes (not tenant_id, not database-managed
	// columns such as timestamps).
	Values func(T) map[string]any
	// TenantOf and KeyOf read the entity's tenant and key.
	TenantOf func(T) uuid.UUID
	KeyOf    func(T) uuid.UUID
	// Conflicts maps a unique constraint name to the domain error its violation means.
	Conflicts map[string]error
	// References maps a foreign-key constraint name to the domain error its violation means
	// (a referenced row that does not exist, or a row still referenced when deleted).
	References map[string]error
	// NotFound is returned for a missing row, and for another tenant's row alike.
	NotFound error
}

// identifier accepts the plain lower-case SQL names a Table may use: table and column names are
// written into statements, so they are checked once, when the repository is built.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func (t Table[T]) validate() error {
	names := append([]string{t.Name, t.Key}, t.Columns...)
	for _, n := range names {
		if !identifier.MatchString(n) {
			return fmt.Errorf("table %q: %q is not a plain lower-case SQL identifier", t.Name, n)
		}
	}
	for _, declared := range []map[string]error{t.Conflicts, t.References} {
		for name := range declared {
			if len(name) > MaxConstraintName {
				return fmt.Errorf("table %q: constraint %q is longer than %d bytes: on Citus its shards' copies would be renamed and never map", t.Name, name, MaxConstraintName)
			}
		}
	}
	switch {
	case t.Scan == nil || t.Values == nil || t.TenantOf == nil || t.KeyOf == nil:
		return fmt.Errorf("table %q: Scan, Values, TenantOf and KeyOf are required", t.Name)
	case t.NotFound == nil:
		return fmt.Errorf("table %q: NotFound is required", t.Name)
	}
	for _, c := range t.Columns {
		if c == t.Key {
			return nil
		}
	}
	return fmt.Errorf("table %q: the key %q must be among the columns", t.Name, t.Key)
}
