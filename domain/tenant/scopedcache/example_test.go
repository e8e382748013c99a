package scopedcache_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/scopedcache"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

// project is a feature's tenant-scoped entity.
type project struct {
	tenantID uuid.UUID
	name     string
}

func (p project) TenantID() uuid.UUID { return p.tenantID }

// projectNames is how a use case or a store keeps what it read: a field of type
// *scopedcache.Cache, never a map. Each call passes the TenantContext it was given.
type projectNames struct {
	cache *scopedcache.Cache[uuid.UUID, project]
}

func (p projectNames) name(tc tenant.Context, id uuid.UUID) string {
	if cached, ok := p.cache.Get(tc, id); ok {
		return cached.name
	}
	return "(not cached: read it from the store)"
}

func Example() {
	names := projectNames{cache: scopedcache.New[uuid.UUID, project](scopedcache.Config{Size: 10_000, TTL: time.Minute})}
	// On a request these are the resolved tenants; here tests mint them.
	_, acme := tenanttest.New(exampleTB{}, "acme")
	_, globex := tenanttest.New(exampleTB{}, "globex")
	id := uuid.New()

	names.cache.Put(acme, id, project{tenantID: acme.TenantID(), name: "Roadrunner"})

	fmt.Println("acme:", names.name(acme, id))
	fmt.Println("globex, same id:", names.name(globex, id))
	// A value of another tenant is not stored under this one.
	names.cache.Put(globex, id, project{tenantID: acme.TenantID(), name: "Roadrunner"})
	fmt.Println("globex, after storing acme's project:", names.name(globex, id))
	// Output:
	// acme: Roadrunner
	// globex, same id: (not cached: read it from the store)
	// globex, after storing acme's project: (not cached: read it from the store)
}

// exampleTB lets tenanttest mint outside a test function: an example has no *testing.T.
type exampleTB struct{ testing.TB }

func (exampleTB) Helper() {}

func (exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
