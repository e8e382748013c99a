// Package scopedcache mirrors the real one: a cache keyed by tenant.
package scopedcache

import (
	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

type key[K comparable] struct {
	tenant uuid.UUID
	key    K
}

// Cache keeps values by tenant and key.
type Cache[K comparable, V any] struct{ entries map[key[K]]V }

// Get returns the value under k for tc's tenant.
func (c *Cache[K, V]) Get(tc tenant.Context, k K) (V, bool) {
	v, ok := c.entries[key[K]{tc.TenantID(), k}]
	return v, ok
}

// Put stores v under k for tc's tenant.
func (c *Cache[K, V]) Put(tc tenant.Context, k K, v V) { c.entries[key[K]{tc.TenantID(), k}] = v }
