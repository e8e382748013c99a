// Package store is a port expressed in domain terms.
package store

import (
	_ "context"

	_ "github.com/google/uuid"

	_ "github.com/tenantcore/tenantcore/domain/tenant"
)
