package bootstrap

import (
	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/adapters/postgres/userdb"
	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/ports"
)

// UsersModule is the users feature in one place: its store, its use cases and its routes. The
// routes join the "routes" group, whose every member the HTTP server registers through its route
// builder, so they get tenant resolution and authentication like any other.
var UsersModule = fx.Module("users",
	fx.Provide(
		fx.Annotate(userdb.NewStore, fx.As(new(ports.UserRepository))),
		identity.NewUsers,
		fx.Annotate(httpapi.UserRoutes, fx.ResultTags(`group:"routes,flatten"`)),
	),
)
