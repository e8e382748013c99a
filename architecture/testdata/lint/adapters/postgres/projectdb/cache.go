package projectdb

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/project"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/scopedcache"
)

// CachedStore remembers projects by ID and requests in flight: one tenant's entry is served to
// another that asks for the same key.
type CachedStore struct {
	byID     map[uuid.UUID]project.Project // want `tenant-unscoped-cache: field byID keeps project.Project values by a key beyond one request`
	inflight sync.Map
	mu       sync.Mutex
	// The tenant-scoped cache, and maps that hold no tenant value: fine.
	scoped *scopedcache.Cache[uuid.UUID, project.Project]
	hits   map[string]int
	names  map[uuid.UUID]string
}

// Remember keeps the request's context for a later lookup of the same project.
func (s *CachedStore) Remember(ctx context.Context, id uuid.UUID) {
	s.inflight.Store(id, ctx) // want `tenant-unscoped-cache: sync.Map field inflight stores a context.Context beyond one request`
	s.inflight.Store(id, 1)
}

// Find reads through the scoped cache: fine.
func (s *CachedStore) Find(tc tenant.Context, id uuid.UUID) (project.Project, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits["find"]++
	return s.scoped.Get(tc, id)
}

// The same mistake in other spellings: a named map type, a map of slices, the module's own generic
// memo, an atomically swapped map, a map of interface values, a map of tenants.
type projectIndex map[uuid.UUID]*project.Project

type memo[K comparable, V any] struct{ entries map[K]V }

type otherCaches struct {
	index   projectIndex                                  // want `tenant-unscoped-cache: field index keeps project.Project values`
	lists   map[uuid.UUID][]project.Project               // want `tenant-unscoped-cache: field lists keeps project.Project values`
	memo    memo[uuid.UUID, project.Project]              // want `tenant-unscoped-cache: field memo keeps project.Project values`
	latest  atomic.Pointer[map[uuid.UUID]project.Project] // want `tenant-unscoped-cache: field latest keeps project.Project values`
	loose   map[uuid.UUID]any
	tenants map[string]tenant.Tenant  // want `tenant-unscoped-cache: field tenants keeps tenant.Tenant values`
	byCtx   map[string]tenant.Context // want `tenant-unscoped-cache: field byCtx keeps tenant.Context values`
	// A map of strings in the module's generic memo: fine.
	labels memo[uuid.UUID, string]
}

func (o *otherCaches) put(p project.Project) {
	o.loose[p.ID()] = p // want `tenant-unscoped-cache: map of any field loose stores a project.Project beyond one request`
	o.loose[p.ID()] = p.ID().String()
}

var _ = (*otherCaches).put
