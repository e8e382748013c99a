// Fixture: breaks every architecture rule at least once. Third-party
// modules are local stubs so the test never needs the network.
module github.com/tenantcore/tenantcore

go 1.26

require (
	go.opentelemetry.io/otel/sdk v1.0.0
	github.com/Masterminds/squirrel v1.0.0
	github.com/jackc/pgx/v5 v5.0.0
	github.com/labstack/echo/v4 v4.0.0
	go.uber.org/fx v1.0.0
	go.uber.org/zap v1.0.0
)

replace (
	go.opentelemetry.io/otel/sdk => ../stubs/otelsdk
	github.com/Masterminds/squirrel => ../stubs/squirrel
	github.com/jackc/pgx/v5 => ../stubs/pgx
	github.com/labstack/echo/v4 => ../stubs/echo
	go.uber.org/fx => ../stubs/fx
	go.uber.org/zap => ../stubs/zap
)
