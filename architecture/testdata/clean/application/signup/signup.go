// Package signup is a use case that reaches the outside only through ports.
package signup

import (
	_ "context"

	_ "golang.org/x/sync/errgroup"

	_ "github.com/tenantcore/tenantcore/domain/tenant"
	_ "github.com/tenantcore/tenantcore/ports/store"
)
