package jobs

import (
	"sync"

	"github.com/google/uuid"
)

// tenantSlots caps the jobs of each tenant running at once on this instance. A worker that finds
// its job's tenant at the cap defers the job (a short snooze that spends no attempt) and takes the
// next one, which is how a tenant's flood leaves workers to the other tenants.
type tenantSlots struct {
	cap     int
	mu      sync.Mutex
	running map[uuid.UUID]int
}

func newTenantSlots(limit int) *tenantSlots {
	return &tenantSlots{cap: limit, running: map[uuid.UUID]int{}}
}

func (s *tenantSlots) acquire(id uuid.UUID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[id] >= s.cap {
		return false
	}
	s.running[id]++
	return true
}

func (s *tenantSlots) release(id uuid.UUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[id] <= 1 {
		delete(s.running, id)
		return
	}
	s.running[id]--
}
