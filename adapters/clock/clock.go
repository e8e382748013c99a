// Package clock is the system clock behind ports.Clock; tests substitute a fixed one.
package clock

import (
	"time"

	"github.com/tenantcore/tenantcore/ports"
)

// System tells the real time.
type System struct{}

var _ ports.Clock = System{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }
