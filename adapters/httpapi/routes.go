package httpapi

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Route is one HTTP route, built in this package or contributed from outside it (bootstrap's fx
// group "routes"). Every route is registered by the same builder, which gives it tenant
// resolution and bearer authentication unless PublicRoutes declares it by method and path.
type Route struct {
	Method  string
	Path    string
	Handler echo.HandlerFunc
}

// PlainRoute adapts a net/http handler, for routes that need nothing of the request's tenant.
func PlainRoute(method, path string, h http.Handler) Route {
	return Route{Method: method, Path: path, Handler: echo.WrapHandler(h)}
}

// Access is what a route requires of a request before its handler runs.
type Access string

// The accesses, from the default down.
const (
	// AccessAuthenticated resolves the tenant and requires a bearer token of that tenant: every
	// route not declared in PublicRoutes.
	AccessAuthenticated Access = "tenant and token"
	// AccessTenant resolves the tenant (a token that is sent must belong to it) but needs none.
	AccessTenant Access = "tenant"
	// AccessPublic resolves no tenant and needs no token.
	AccessPublic Access = "public"
)

// PublicRoute declares, with its reason, a route that needs less than a tenant and a token.
type PublicRoute struct {
	Method, Path string
	Access       Access
	Reason       string
}

// PublicRoutes is the one reviewed list of routes open without a bearer token. A route missing
// here gets tenant resolution and authentication, whoever registers it.
var PublicRoutes = []PublicRoute{
	{http.MethodGet, "/healthz", AccessPublic, "liveness probe of the orchestrator; says nothing of any tenant"},
	{http.MethodGet, "/readyz", AccessPublic, "readiness probe of the load balancer; the reason of a failure goes to the log only"},
	{http.MethodGet, "/.well-known/jwks.json", AccessPublic, "public keys that verify tokens, published for other services"},
	{http.MethodGet, "/metrics", AccessPublic, "Prometheus scrape; labels are route patterns and codes, never tenant data"},
	{http.MethodGet, OpenAPIPath, AccessPublic, "the API description, the same for every caller"},
	{http.MethodGet, APIPrefix + "/tenant", AccessTenant, "names the tenant a client is about to log in to; tenant names are not secret"},
	{http.MethodPost, APIPrefix + "/auth/token", AccessTenant, "login: the request that obtains the token"},
}

// RouteInfo is a registered route and the access it requires.
type RouteInfo struct {
	Method, Path string
	Access       Access
}

// routeBuilder is the only code that adds routes to the router.
type routeBuilder struct {
	e          *echo.Echo
	middleware map[Access][]echo.MiddlewareFunc
	declared   map[string]Access
	registered []RouteInfo
	seen       map[string]bool
}

func newRouteBuilder(e *echo.Echo, scoped, authed echo.MiddlewareFunc) *routeBuilder {
	b := &routeBuilder{
		e: e,
		middleware: map[Access][]echo.MiddlewareFunc{
			AccessAuthenticated: {scoped, authed},
			AccessTenant:        {scoped},
			AccessPublic:        nil,
		},
		declared: map[string]Access{},
		seen:     map[string]bool{},
	}
	for _, p := range PublicRoutes {
		b.declared[p.Method+" "+p.Path] = p.Access
	}
	return b
}

// add registers r with the middleware its declaration calls for; a GET route answers HEAD too
// (RFC 9110 §9.1; net/http drops the body).
func (b *routeBuilder) add(r Route) error {
	key := r.Method + " " + r.Path
	if r.Handler == nil {
		return fmt.Errorf("route %s has no handler", key)
	}
	if b.seen[key] {
		return fmt.Errorf("route %s is registered twice", key)
	}
	b.seen[key] = true
	access, ok := b.declared[key]
	if !ok {
		access = AccessAuthenticated
	}
	mw, known := b.middleware[access]
	if !known {
		return fmt.Errorf("route %s: PublicRoutes declares the unknown access %q", key, access)
	}
	b.e.Add(r.Method, r.Path, r.Handler, mw...)
	b.registered = append(b.registered, RouteInfo{Method: r.Method, Path: r.Path, Access: access})
	if r.Method == http.MethodGet {
		b.e.Add(http.MethodHead, r.Path, r.Handler, mw...)
		b.registered = append(b.registered, RouteInfo{Method: http.MethodHead, Path: r.Path, Access: access})
	}
	return nil
}
