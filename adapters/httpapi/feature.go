package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/domain/tenant"
)

// What a feature's handlers, in a package of their own (adapters/httpapi/projectapi), use of the
// request: the tenant the middleware resolved, and the body read the way every route reads it.

// TenantContext returns the request's TenantContext, resolved by the tenant middleware before the
// handler runs. Handlers pass it on explicitly; nothing below them reads it from a context.
func TenantContext(c echo.Context) tenant.Context { return tenantContext(c) }

// DecodeJSON reads exactly one JSON object with only known fields from an application/json
// body; anything else is a problem with a stable code (request.invalid, request.too_large,
// request.unsupported_media_type).
func DecodeJSON(c echo.Context, dst any) error { return decodeJSON(c, dst) }
