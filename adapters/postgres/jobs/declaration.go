package jobs

import "github.com/tenantcore/tenantcore/ports"

// Declaration declares one job kind in a registry. Each feature contributes its own, so that the
// registry of serve and of the commands is assembled from the features instead of kept by hand.
type Declaration func(*Registry) error

// TenantKind is AddTenantKind as a Declaration.
func TenantKind[J ports.Job](h TenantHandler[J]) Declaration {
	return func(reg *Registry) error { return AddTenantKind(reg, h) }
}

// SystemKind is AddSystemKind as a Declaration.
func SystemKind[J ports.Job](h SystemHandler[J]) Declaration {
	return func(reg *Registry) error { return AddSystemKind(reg, h) }
}

// NewRegistryOf returns a registry of the declared kinds.
func NewRegistryOf(decls ...Declaration) (*Registry, error) {
	reg := NewRegistry()
	for _, d := range decls {
		if err := d(reg); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
