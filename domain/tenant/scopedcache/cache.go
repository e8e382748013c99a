package scopedcache

import (
	"container/list"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Config bounds a Cache.
type Config struct {
	// Size is the most entries kept, across all tenants; the least recently used goes first.
	Size int
	// TTL is how long an entry is served after it was stored.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Cache keeps values of type V by a key of type K within each tenant. Get and Put take the
// TenantContext and key every entry by its tenant, so the same K of two tenants names two
// entries. A zero TenantContext stores and finds nothing. A value that belongs to a tenant (it has
// a TenantID method) is stored and served only under that tenant. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	mu      sync.Mutex
	size    int
	ttl     time.Duration
	now     func() time.Time
	entries map[scopedKey[K]]*list.Element
	// order holds *entry[K, V], most recently used first.
	order *list.List
}

type scopedKey[K comparable] struct {
	tenant uuid.UUID
	key    K
}

type entry[K comparable, V any] struct {
	key     scopedKey[K]
	value   V
	expires time.Time
}

// New returns an empty Cache. A Size or TTL that is not positive keeps nothing.
func New[K comparable, V any](cfg Config) *Cache[K, V] {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Cache[K, V]{
		size:    cfg.Size,
		ttl:     cfg.TTL,
		now:     now,
		entries: map[scopedKey[K]]*list.Element{},
		order:   list.New(),
	}
}

// Get returns the value stored under k for tc's tenant, if it is there and has not expired.
func (c *Cache[K, V]) Get(tc tenant.Context, k K) (V, bool) {
	var zero V
	if tc.IsZero() {
		return zero, false
	}
	sk := scopedKey[K]{tenant: tc.TenantID(), key: k}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[sk]
	if !ok {
		return zero, false
	}
	e, _ := el.Value.(*entry[K, V])
	if !c.now().Before(e.expires) {
		c.remove(el)
		return zero, false
	}
	c.order.MoveToFront(el)
	return e.value, true
}

// Put stores v under k for tc's tenant, replacing what was there. It stores nothing for a zero tc,
// or for a value that belongs to another tenant than tc's.
func (c *Cache[K, V]) Put(tc tenant.Context, k K, v V) {
	if tc.IsZero() || c.size <= 0 || c.ttl <= 0 || !ownedBy(tc, v) {
		return
	}
	sk := scopedKey[K]{tenant: tc.TenantID(), key: k}
	e := &entry[K, V]{key: sk, value: v, expires: c.now().Add(c.ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[sk]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.entries[sk] = c.order.PushFront(e)
	for c.order.Len() > c.size {
		c.remove(c.order.Back())
	}
}

// Delete removes the value stored under k for tc's tenant.
func (c *Cache[K, V]) Delete(tc tenant.Context, k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[scopedKey[K]{tenant: tc.TenantID(), key: k}]; ok {
		c.remove(el)
	}
}

// Len is the number of entries held, expired ones not yet evicted included.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *Cache[K, V]) remove(el *list.Element) {
	c.order.Remove(el)
	e, _ := el.Value.(*entry[K, V])
	delete(c.entries, e.key)
}

// ownedBy reports whether v may be stored for tc: it belongs to no tenant, or to tc's. A value
// whose TenantID cannot be read (a nil pointer) is not stored.
func ownedBy(tc tenant.Context, v any) (ok bool) {
	owned, isOwned := v.(interface{ TenantID() uuid.UUID })
	if !isOwned {
		return true
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return tc.Owns(owned.TenantID())
}
