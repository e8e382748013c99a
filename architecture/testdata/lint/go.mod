// Fixture: each rule of the tenant isolation analyzer broken at least once, next to the code
// each rule must leave alone. Third-party modules are local stubs, so no network is needed.
module github.com/tenantcore/tenantcore

go 1.26

require (
	github.com/Masterminds/squirrel v1.0.0
	github.com/google/uuid v1.0.0
	github.com/jackc/pgx/v5 v5.0.0
	github.com/labstack/echo/v4 v4.0.0
)

replace (
	github.com/Masterminds/squirrel => ../stubs/squirrel
	github.com/google/uuid => ../stubs/uuid
	github.com/jackc/pgx/v5 => ../stubs/pgx
	github.com/labstack/echo/v4 => ../stubs/echo
)
