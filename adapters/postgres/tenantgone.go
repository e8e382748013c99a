package postgres

import (
	"context"

	"github.com/google/uuid"
)

// AnnounceTenantChange tells the change feeds that tenant id (slug) was created or deleted by a
// statement this store did not run itself (an import's or an erasure's own transaction). On plain
// PostgreSQL the tenants trigger has already notified; on Citus, where the trigger is gone, the
// coordinator notifies now. Call it after the change has committed.
func (s *TenantStore) AnnounceTenantChange(ctx context.Context, id uuid.UUID, slug string) error {
	return s.announce.announce(ctx, id, slug, "")
}
