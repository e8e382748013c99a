package postgres

import (
	"encoding/base64"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// A cursor is the tenant's ID followed by the last key of the page, base64url-encoded. Binding it
// to the tenant makes a cursor received by one tenant useless, and visibly invalid, to another.
func encodeCursor(tc tenant.Context, last uuid.UUID) string {
	var b [32]byte
	id := tc.TenantID()
	copy(b[:16], id[:])
	copy(b[16:], last[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(tc tenant.Context, cursor string) (uuid.UUID, error) {
	if len(cursor) != base64.RawURLEncoding.EncodedLen(32) {
		return uuid.Nil, fault.ErrInvalidCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) != 32 {
		return uuid.Nil, fault.ErrInvalidCursor
	}
	owner, _ := uuid.FromBytes(b[:16])
	if !tc.Owns(owner) {
		return uuid.Nil, fault.ErrInvalidCursor
	}
	last, _ := uuid.FromBytes(b[16:])
	return last, nil
}
