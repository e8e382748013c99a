package tenantcache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/sync/singleflight"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// Defaults for the zero fields of Config.
const (
	DefaultSize         = 10000
	DefaultTTL          = 30 * time.Second
	DefaultNegativeSize = 10000
	DefaultNegativeTTL  = 5 * time.Second
	DefaultLoadTimeout  = 5 * time.Second
)

// Config sizes the caches. A zero or negative field takes its default.
type Config struct {
	// Size bounds the positive cache. A tenant takes two entries, one per index (slug and ID).
	Size int
	// TTL bounds how long a tenant is served without asking the inner directory again. The change
	// feed invalidates sooner; the TTL is the fallback when a notification is lost.
	TTL time.Duration
	// NegativeSize bounds the cache of identifiers the inner directory does not know.
	NegativeSize int
	// NegativeTTL is short because a tenant created on another instance is unknown here until the
	// entry expires, should its notification be lost.
	NegativeTTL time.Duration
	// LoadTimeout bounds one inner lookup. The lookup is shared by every caller waiting for the
	// same key, so no single caller's deadline applies to it.
	LoadTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Size <= 0 {
		c.Size = DefaultSize
	}
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	if c.NegativeSize <= 0 {
		c.NegativeSize = DefaultNegativeSize
	}
	if c.NegativeTTL <= 0 {
		c.NegativeTTL = DefaultNegativeTTL
	}
	if c.LoadTimeout <= 0 {
		c.LoadTimeout = DefaultLoadTimeout
	}
	return c
}

// Stats counts lookups since the Directory was created.
type Stats struct {
	// Hits were answered with a cached tenant.
	Hits uint64
	// NegativeHits were answered with tenant.ErrNotFound from the negative cache.
	NegativeHits uint64
	// Misses found nothing cached. A miss is counted once the lookup has started or joined a
	// load, so concurrent misses for one key count each caller but make one inner call.
	Misses uint64
}

// key names one cache entry. Exactly one field is set, which lets a single LRU hold both indexes
// without formatting the UUID into a string on every lookup.
type key struct {
	slug string
	id   uuid.UUID
}

// Directory is a ports.TenantDirectory that caches another one. It caches inactive tenants too:
// whether an inactive tenant may be served is the caller's decision, not the cache's.
//
// Stale results. Invalidate and Purge bump a generation counter. A load records the generation
// before it asks the inner directory and stores its result only if the generation has not moved
// by then, so a tenant changed while its load was in flight is not cached in its old state. The
// generation is also part of the singleflight key, so a lookup made after an invalidation never
// joins a load that started before it. The check and the store happen under mu, as do the bump
// and the removal, so no store can slip in between an invalidation's bump and its removal.
//
// Each Directory starts two goroutines, one per expirable LRU, that never stop (golang-lru v2.0.7
// has no Close): create one per process, not one per request or per test case in a hot loop.
type Directory struct {
	inner       ports.TenantDirectory
	loadTimeout time.Duration

	//tenantlint:allow tenant-unscoped-cache: the directory of tenants themselves, keyed by each tenant's own slug or ID: an entry is the tenant its key names, whoever asks
	positive *expirable.LRU[key, tenant.Tenant]
	negative *expirable.LRU[key, struct{}]
	group    singleflight.Group

	mu         sync.Mutex // serializes stores with invalidations; lookups never take it
	generation atomic.Uint64

	hits, negativeHits, misses atomic.Uint64
}

var _ ports.TenantDirectory = (*Directory)(nil)

// New returns a Directory that caches inner.
func New(inner ports.TenantDirectory, cfg Config) *Directory {
	cfg = cfg.withDefaults()
	return &Directory{
		inner:       inner,
		loadTimeout: cfg.LoadTimeout,
		positive:    expirable.NewLRU[key, tenant.Tenant](cfg.Size, nil, cfg.TTL),
		negative:    expirable.NewLRU[key, struct{}](cfg.NegativeSize, nil, cfg.NegativeTTL),
	}
}

// TenantBySlug implements ports.TenantDirectory.
func (d *Directory) TenantBySlug(ctx context.Context, slug tenant.Slug) (tenant.Tenant, error) {
	k := key{slug: slug.String()}
	if t, ok, err := d.cached(k); ok {
		markSpan(ctx, err)
		return t, err
	}
	markSpan(ctx, errMiss)
	return d.load(ctx, k, "s:", k.slug, func(ctx context.Context) (tenant.Tenant, error) {
		return d.inner.TenantBySlug(ctx, slug)
	})
}

// TenantByID implements ports.TenantDirectory.
func (d *Directory) TenantByID(ctx context.Context, id uuid.UUID) (tenant.Tenant, error) {
	k := key{id: id}
	if t, ok, err := d.cached(k); ok {
		markSpan(ctx, err)
		return t, err
	}
	markSpan(ctx, errMiss)
	return d.load(ctx, k, "i:", id.String(), func(ctx context.Context) (tenant.Tenant, error) {
		return d.inner.TenantByID(ctx, id)
	})
}

// Invalidate drops what is cached for the tenant with id and for slugs, positive and negative
// entries alike: a tenant just created must resolve at once even if its slug was looked up in
// vain a moment ago. Pass the old and the new slug when a slug changes; uuid.Nil skips the ID.
func (d *Directory) Invalidate(id uuid.UUID, slugs ...string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.generation.Add(1)
	if id != uuid.Nil {
		d.drop(key{id: id})
	}
	for _, s := range slugs {
		d.drop(key{slug: s})
	}
}

// drop removes k and the other index of the tenant cached under it, so that a notification
// naming only one of a tenant's identifiers still evicts both. Callers hold mu.
func (d *Directory) drop(k key) {
	if t, ok := d.positive.Peek(k); ok {
		d.positive.Remove(key{id: t.ID()})
		d.positive.Remove(key{slug: t.Slug().String()})
	}
	d.positive.Remove(k)
	d.negative.Remove(k)
}

// Purge drops every entry. It is for the change feed to call after reconnecting, when
// notifications may have been missed.
func (d *Directory) Purge() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.generation.Add(1)
	d.positive.Purge()
	d.negative.Purge()
}

// Stats returns the lookup counters.
func (d *Directory) Stats() Stats {
	return Stats{
		Hits:         d.hits.Load(),
		NegativeHits: d.negativeHits.Load(),
		Misses:       d.misses.Load(),
	}
}

// cached answers from the caches, and reports false on a miss. It is kept apart from load so
// that a hit does not allocate the load's closure.
func (d *Directory) cached(k key) (tenant.Tenant, bool, error) {
	if t, ok := d.positive.Get(k); ok {
		d.hits.Add(1)
		return t, true, nil
	}
	if _, ok := d.negative.Get(k); ok {
		d.negativeHits.Add(1)
		return tenant.Tenant{}, true, tenant.ErrNotFound
	}
	return tenant.Tenant{}, false, nil
}

// load asks the inner directory on a miss, sharing one call among concurrent callers of the same
// key (space and ident) and generation.
func (d *Directory) load(
	ctx context.Context, k key, space, ident string, fetch func(context.Context) (tenant.Tenant, error),
) (tenant.Tenant, error) {
	if err := ctx.Err(); err != nil {
		// A caller that has given up must not start a load nobody will wait for.
		return tenant.Tenant{}, err
	}

	gen := d.generation.Load()
	// The load is shared, so it must outlive the caller that happened to start it: it keeps that
	// caller's values (trace IDs, loggers) but not its cancellation, and has its own deadline.
	// Each caller still gives up on its own ctx below.
	loadCtx := context.WithoutCancel(ctx)
	ch := d.group.DoChan(space+strconv.FormatUint(gen, 10)+":"+ident, func() (any, error) {
		ctx, cancel := context.WithTimeout(loadCtx, d.loadTimeout)
		defer cancel()
		t, err := safeLoad(ctx, fetch)
		d.store(gen, k, t, err)
		return t, err
	})
	d.misses.Add(1)

	select {
	case r := <-ch:
		if r.Err != nil {
			return tenant.Tenant{}, r.Err
		}
		t, ok := r.Val.(tenant.Tenant)
		if !ok {
			return tenant.Tenant{}, fmt.Errorf("tenantcache: load returned %T", r.Val)
		}
		return t, nil
	case <-ctx.Done():
		return tenant.Tenant{}, ctx.Err()
	}
}

// safeLoad turns a panic of the inner directory into an error. DoChan runs the load on its own
// goroutine, out of reach of the transport's recovery, where a panic would end the process.
func safeLoad(ctx context.Context, load func(context.Context) (tenant.Tenant, error)) (t tenant.Tenant, err error) {
	defer func() {
		if p := recover(); p != nil {
			t, err = tenant.Tenant{}, fmt.Errorf("tenantcache: tenant directory panicked: %v", p)
		}
	}()
	return load(ctx)
}

// store caches the outcome of a load that started at generation gen, unless an invalidation has
// happened since. Only tenant.ErrNotFound is cached negatively: any other error (the database is
// down, the load timed out) says nothing about the tenant and must be retried.
func (d *Directory) store(gen uint64, k key, t tenant.Tenant, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.generation.Load() != gen {
		return
	}
	switch {
	case err == nil:
		d.positive.Add(key{slug: t.Slug().String()}, t)
		d.positive.Add(key{id: t.ID()}, t)
	case errors.Is(err, tenant.ErrNotFound):
		d.negative.Add(k, struct{}{})
	}
}
