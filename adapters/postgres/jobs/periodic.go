package jobs

import (
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/tenantcore/tenantcore/ports"
)

// periodic is one system job the queue's leader enqueues at a fixed interval.
type periodic struct {
	kind  string
	every time.Duration
	args  func() river.JobArgs
}

// AddPeriodic has the runner enqueue j every interval, and once when a worker instance becomes
// the queue's leader: one instance enqueues, whichever instance is free works it. J must be
// registered as a system kind: a periodic job acts for no tenant of its own.
func AddPeriodic[J ports.Job](reg *Registry, every time.Duration, j J) error {
	name := j.Kind()
	k := reg.kinds[name]
	switch {
	case k == nil:
		return fmt.Errorf("jobs: periodic kind %q is not registered", name)
	case !k.system:
		return fmt.Errorf("jobs: periodic kind %q must be a system kind", name)
	case every <= 0:
		return fmt.Errorf("jobs: periodic kind %q needs a positive interval", name)
	}
	for _, p := range reg.periodic {
		if p.kind == name {
			return fmt.Errorf("jobs: kind %q is periodic twice", name)
		}
	}
	reg.periodic = append(reg.periodic, periodic{kind: name, every: every, args: func() river.JobArgs { return systemArgs[J]{Job: j} }})
	return nil
}

// riverPeriodic turns the registry's periodic jobs into River's.
func (reg *Registry) riverPeriodic() []*river.PeriodicJob {
	out := make([]*river.PeriodicJob, 0, len(reg.periodic))
	for _, p := range reg.periodic {
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(p.every),
			func() (river.JobArgs, *river.InsertOpts) { return p.args(), nil },
			&river.PeriodicJobOpts{ID: p.kind, RunOnStart: true}))
	}
	return out
}
