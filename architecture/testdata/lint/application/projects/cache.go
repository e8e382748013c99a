package projects

import (
	"context"
	"sync"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/user"
)

// Another package, and package variables instead of fields: requests' contexts by request ID, and
// users kept in a sync.Map.
var requestsByID = map[string]context.Context{} // want `tenant-unscoped-cache: package-level variable requestsByID keeps context.Context values by a key`

var seen sync.Map

// lastSeen is tenant-in-global's, and is not reported twice.
var lastSeen = map[uuid.UUID]user.User{} // want `tenant-in-global: package-level variable lastSeen holds a user.User`

func remember(u user.User) {
	seen.Store(u.TenantID(), u) // want `tenant-unscoped-cache: sync.Map package variable seen stores a user.User`
}

// Lister is a use case that keeps every user it listed, by ID.
type Lister struct {
	cache map[uuid.UUID][]user.User // want `tenant-unscoped-cache: field cache keeps user.User values`
}

var _ = remember
