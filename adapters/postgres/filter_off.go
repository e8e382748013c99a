//go:build tenantcore_nofilter

package postgres

import "testing"

// ApplicationFilter is off in this build, so the isolation tests exercise row-level security
// alone. The tag exists for tests only; a binary built with it refuses to run.
const ApplicationFilter = false

func init() {
	if !testing.Testing() {
		panic("the tenantcore_nofilter build tag removes the tenant filter and is for tests only")
	}
}
