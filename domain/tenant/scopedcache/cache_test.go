package scopedcache_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/scopedcache"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newCache(size int, ttl time.Duration) (*scopedcache.Cache[string, string], *clock) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return scopedcache.New[string, string](scopedcache.Config{Size: size, TTL: ttl, Now: clk.Now}), clk
}

func TestTheSameKeyOfTwoTenantsIsTwoEntries(t *testing.T) {
	c, _ := newCache(10, time.Minute)
	_, acme := tenanttest.New(t, "acme")
	_, globex := tenanttest.New(t, "globex")

	c.Put(acme, "k", "acme's")
	_, found := c.Get(globex, "k")
	assert.False(t, found, "globex is served acme's entry")

	c.Put(globex, "k", "globex's")
	got, _ := c.Get(acme, "k")
	assert.Equal(t, "acme's", got)
	got, _ = c.Get(globex, "k")
	assert.Equal(t, "globex's", got)

	c.Delete(globex, "k")
	_, found = c.Get(globex, "k")
	assert.False(t, found)
	got, _ = c.Get(acme, "k")
	assert.Equal(t, "acme's", got, "deleting globex's entry removed acme's")
}

func TestZeroTenantContextStoresAndFindsNothing(t *testing.T) {
	c, _ := newCache(10, time.Minute)
	c.Put(tenant.Context{}, "k", "v")
	assert.Equal(t, 0, c.Len())
	_, found := c.Get(tenant.Context{}, "k")
	assert.False(t, found)
}

type owned struct{ tenantID uuid.UUID }

func (o *owned) TenantID() uuid.UUID { return o.tenantID }

func TestValueOfAnotherTenantIsNotStored(t *testing.T) {
	c := scopedcache.New[string, *owned](scopedcache.Config{Size: 10, TTL: time.Minute})
	_, acme := tenanttest.New(t, "acme")
	_, globex := tenanttest.New(t, "globex")

	c.Put(globex, "k", &owned{tenantID: acme.TenantID()})
	c.Put(globex, "nil", nil)
	assert.Equal(t, 0, c.Len())

	c.Put(acme, "k", &owned{tenantID: acme.TenantID()})
	_, found := c.Get(acme, "k")
	assert.True(t, found)
}

func TestEntriesExpireAfterTheTTL(t *testing.T) {
	c, clk := newCache(10, time.Minute)
	_, acme := tenanttest.New(t, "acme")
	c.Put(acme, "k", "v")

	clk.now = clk.now.Add(time.Minute - time.Nanosecond)
	_, found := c.Get(acme, "k")
	assert.True(t, found)

	clk.now = clk.now.Add(time.Nanosecond)
	_, found = c.Get(acme, "k")
	assert.False(t, found)
	assert.Equal(t, 0, c.Len(), "an expired entry read is evicted")
}

func TestSizeBoundEvictsTheLeastRecentlyUsed(t *testing.T) {
	c, _ := newCache(2, time.Minute)
	_, acme := tenanttest.New(t, "acme")
	_, globex := tenanttest.New(t, "globex")
	c.Put(acme, "a", "1")
	c.Put(globex, "a", "2")
	_, _ = c.Get(acme, "a") // globex's entry is now the least recently used
	c.Put(acme, "b", "3")

	assert.Equal(t, 2, c.Len())
	_, found := c.Get(globex, "a")
	assert.False(t, found)
	_, found = c.Get(acme, "a")
	assert.True(t, found)
	_, found = c.Get(acme, "b")
	assert.True(t, found)
}

func TestConcurrentUseKeepsTenantsApart(t *testing.T) {
	c, _ := newCache(1000, time.Minute)
	_, acme := tenanttest.New(t, "acme")
	_, globex := tenanttest.New(t, "globex")
	var wg sync.WaitGroup
	for i := range 8 {
		tc, mine := acme, "acme"
		if i%2 == 1 {
			tc, mine = globex, "globex"
		}
		wg.Go(func() {
			for range 500 {
				c.Put(tc, "shared", mine)
				if got, ok := c.Get(tc, "shared"); ok && got != mine {
					t.Errorf("%s read %q", mine, got)
					return
				}
			}
		})
	}
	wg.Wait()
}
