package tenantdata

import "errors"

// The refusals of the tenant-data jobs; each comes wrapped with what was refused.
var (
	// ErrArchive: the archive is not one this build reads, is truncated, or was altered.
	ErrArchive = errors.New("archive refused")
	// ErrSchemaMismatch: the archive's schema version or tables differ from the database's.
	ErrSchemaMismatch = errors.New("schema mismatch")
	// ErrTenantExists: the archive's tenant (by id or slug) is already in the database.
	ErrTenantExists = errors.New("tenant exists")
	// ErrConfirm: an erasure without the slug typed again, a reason or an operator name.
	ErrConfirm = errors.New("erasure not confirmed")
	// ErrRemaining: rows of the tenant remained after every table was erased.
	ErrRemaining = errors.New("rows remain")
)
