// Fixture: one package per layer, obeying every architecture rule.
// Third-party modules are local stubs so the test never needs the network.
module github.com/tenantcore/tenantcore

go 1.26

require (
	go.opentelemetry.io/otel/sdk v1.0.0
	github.com/google/uuid v1.0.0
	github.com/jackc/pgx/v5 v5.0.0
	github.com/labstack/echo/v4 v4.0.0
	github.com/stretchr/testify v1.0.0
	go.uber.org/fx v1.0.0
	golang.org/x/sync v0.0.0
)

replace (
	go.opentelemetry.io/otel/sdk => ../stubs/otelsdk
	github.com/google/uuid => ../stubs/uuid
	github.com/jackc/pgx/v5 => ../stubs/pgx
	github.com/labstack/echo/v4 => ../stubs/echo
	github.com/stretchr/testify => ../stubs/testify
	go.uber.org/fx => ../stubs/fx
	golang.org/x/sync => ../stubs/sync
)
