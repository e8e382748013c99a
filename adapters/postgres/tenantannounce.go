package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/google/uuid"
)

// tenantAnnouncer tells the change feeds about a committed change of the tenants table when the
// table's trigger cannot. On plain PostgreSQL the trigger notifies inside the writing transaction.
// On Citus the trigger is gone (migration 00003): tenants is a reference table, and a worker may
// not NOTIFY inside the two-phase commit of its placement; so the administrative write notifies
// from the coordinator, where the feeds listen, once it has committed.
type tenantAnnouncer struct {
	db *DB

	mu    sync.Mutex
	known bool // only a successful detection is kept: a canceled or failed one is tried again
	citus bool
}

// announce sends the trigger's notification for tenant id, now under slug (oldSlug: before the
// change, "" for a new tenant), when the database is a Citus coordinator.
func (a *tenantAnnouncer) announce(ctx context.Context, id uuid.UUID, slug, oldSlug string) error {
	citus, err := a.isCitus(ctx)
	if err != nil || !citus {
		return err
	}
	payload := map[string]string{"id": id.String(), "slug": slug}
	if oldSlug != "" {
		payload["old_slug"] = oldSlug
	}
	text, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode tenant change: %w", err)
	}
	err = a.db.run(ctx, uuid.Nil, statement{sql: "SELECT pg_notify($1, $2)", args: []any{tenantChannel, string(text)}})
	if err != nil {
		return Translate(fmt.Errorf("the change of tenant %s is committed, but the running instances were not notified (they see it within TENANT_CACHE_TTL): %w", slug, err))
	}
	return nil
}

func (a *tenantAnnouncer) isCitus(ctx context.Context) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.known {
		return a.citus, nil
	}
	citus, err := hasCitus(ctx, a.db.pool)
	if err != nil {
		return false, err
	}
	a.known, a.citus = true, citus
	return citus, nil
}
