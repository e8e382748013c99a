// Package tenant is pure domain: standard library and uuid only.
package tenant

import (
	_ "errors"

	_ "github.com/google/uuid"
)
