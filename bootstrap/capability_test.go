package bootstrap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// The graph holds no tenancy.Resolve: the HTTP tenant middleware makes its own from the directory.
// A feature whose routes ask for one, to resolve a tenant named by a query parameter, stops the
// server before it starts. (A route that builds one from the directory instead is refused by
// tenantlint's tenant-context-capability rule.)
func TestRequestCodeCannotBeGivenTenantResolution(t *testing.T) {
	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{}))
	require.NoError(t, err)
	projects := fx.Module("projects", fx.Provide(
		fx.Annotate(func(_ *tenancy.Resolve) []httpapi.Route {
			return nil
		}, fx.ResultTags(`group:"routes,flatten"`)),
	))

	err = fx.ValidateApp(bootstrap.Server(cfg), projects)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing type: *tenancy.Resolve")
}
