package postgres

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// planScan is pgx's scan plan for a column, except for a binary uuid read into a uuid.UUID.
// pgx reaches that type through database/sql's Scanner: it formats the 16 bytes as text, which
// uuid.UUID.Scan then parses back, two allocations and a parse for every id of every row. Every
// tenant-scoped table has at least two uuid columns, so this is most of a row's decoding.
func planScan(m *pgtype.Map, field pgconn.FieldDescription, dest any) pgtype.ScanPlan {
	if _, ok := dest.(*uuid.UUID); ok && field.DataTypeOID == pgtype.UUIDOID && field.Format == pgtype.BinaryFormatCode {
		return binaryUUIDScan{m: m, field: field}
	}
	return m.PlanScan(field.DataTypeOID, field.Format, dest)
}

// binaryUUIDScan copies a uuid column's 16 bytes into a *uuid.UUID.
type binaryUUIDScan struct {
	m     *pgtype.Map
	field pgconn.FieldDescription
}

func (p binaryUUIDScan) Scan(src []byte, dest any) error {
	u, ok := dest.(*uuid.UUID)
	if !ok {
		// Another row handed another type for this column: pgx decides for it.
		return p.m.PlanScan(p.field.DataTypeOID, p.field.Format, dest).Scan(src, dest)
	}
	if src == nil {
		// What uuid.UUID.Scan does with NULL, which is what pgx's own plan would have called.
		return u.Scan(nil)
	}
	if len(src) != len(u) {
		return fmt.Errorf("invalid length for uuid: %d bytes", len(src))
	}
	copy(u[:], src)
	return nil
}
