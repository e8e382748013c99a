package postgres_test

import (
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/ports"
)

// row is a minimal tenant-scoped entity over the users table, so these tests need no store.
type row struct {
	tenantID, id uuid.UUID
	email        string
}

func usersTable() postgres.Table[row] {
	return postgres.Table[row]{
		Name:    "users",
		Key:     "id",
		Columns: []string{"id", "email"},
		Scan: func(scan func(...any) error) (row, error) {
			var r row
			err := scan(&r.tenantID, &r.id, &r.email)
			return r, err
		},
		Values:   func(r row) map[string]any { return map[string]any{"id": r.id, "email": r.email, "password_hash": "x"} },
		TenantOf: func(r row) uuid.UUID { return r.tenantID },
		KeyOf:    func(r row) uuid.UUID { return r.id },
		NotFound: fault.ErrNotFound,
	}
}

func portsPage(limit int) ports.PageRequest { return ports.PageRequest{Limit: limit} }
