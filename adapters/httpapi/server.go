package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/ports"
)

// APIPrefix is the versioned root of the business routes (ADR-013).
const APIPrefix = "/api/v1"

// Config configures the HTTP server.
type Config struct {
	Addr              string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// RequestTimeout bounds each request's work, including database calls.
	RequestTimeout time.Duration
	// BodyLimit is the largest accepted request body, in bytes.
	BodyLimit int64
	Tenant    TenantConfig
}

// ReadinessChecker reports whether the server's dependencies can serve; an error says why not.
type ReadinessChecker interface {
	Check(ctx context.Context) error
}

// Observer receives request and tenant-resolution outcomes, for metrics. Labels passed to it are
// bounded: route patterns, status codes, strategies and problem codes, never raw input.
type Observer interface {
	ObserveRequest(route string, status int, elapsed time.Duration)
	ObserveResolution(strategy, outcome string)
}

// Deps are the use cases and collaborators the routes need.
type Deps struct {
	// Directory is where the tenant middleware looks tenants up. The middleware makes its own
	// tenancy.Resolve from it, so that nothing able to turn an identifier into a TenantContext is
	// handed to request code (tenantlint rule tenant-context-capability).
	Directory    ports.TenantDirectory
	Current      *tenancy.Current
	Login        *identity.Login
	Authenticate *identity.Authenticate
	Readiness    ReadinessChecker
	// JWKS is the JSON Web Key Set document published at /.well-known/jwks.json.
	JWKS []byte
	// Routes are the routes of features and of bootstrap (metrics). They go through the same
	// builder as this package's own: tenant and token required unless PublicRoutes says otherwise.
	Routes []Route
	// OpenAPI are the features' parts of the API description (OpenAPIFragment), served with it.
	OpenAPI []OpenAPIFragment
	// Observer may be nil.
	Observer Observer
	// Tracer starts the request's spans; nil starts none.
	Tracer trace.TracerProvider
	// Usage counts each request resolved to a tenant; nil counts nothing.
	Usage TenantUsage
	Log   *zap.Logger
}

// Server is the HTTP server.
type Server struct {
	echo   *echo.Echo
	routes []RouteInfo
	srv    *http.Server
	ln     net.Listener
	log    *zap.Logger
	failed chan error
	done   chan struct{}
}

// New builds the server and its routes. Middleware order: path rewrite (pre-routing), no-store,
// request ID, server span, access log, panic recovery, framing check, body limit, the answer to
// OPTIONS *, deadline; then, per route, tenant resolution and authentication, as the route builder
// decides (see PublicRoutes).
func New(cfg Config, d Deps) (*Server, error) {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = handleError

	observeRequest := func(string, int, time.Duration) {}
	observeResolution := func(string, string) {}
	if d.Observer != nil {
		observeRequest = d.Observer.ObserveRequest
		observeResolution = d.Observer.ObserveResolution
	}

	var sp spans
	if d.Tracer != nil {
		sp.tracer = d.Tracer.Tracer("github.com/tenantcore/tenantcore/adapters/httpapi")
	}
	countTenant := func(uuid.UUID) {}
	if d.Usage != nil {
		countTenant = d.Usage.ObserveTenantRequest
	}

	e.Pre(tenantPath(cfg.Tenant))
	options := &serverOptions{}
	e.Use(noStore(), requestID())
	if sp.tracer != nil {
		e.Use(traceRequest(sp, cfg.Tenant.TrustedProxies))
	}
	e.Use(accessLog(d.Log, observeRequest), recoverPanic(), refuseAmbiguousFraming(),
		middleware.BodyLimit(strconv.FormatInt(cfg.BodyLimit, 10)), options.answer, deadline(cfg.RequestTimeout))

	// Middleware is attached per route rather than to a group: echo would otherwise run it for
	// unknown paths under the prefix, answering tenant.required where route.not_found is right.
	b := newRouteBuilder(e, resolveTenant(cfg.Tenant, d.Directory, d.Authenticate, observeResolution, sp, countTenant), requireAuth())
	h := &handlers{current: d.Current, login: d.Login, ready: d.Readiness, jwks: d.JWKS, now: time.Now}
	doc, err := OpenAPIDocumentWith(d.OpenAPI...)
	if err != nil {
		return nil, err
	}
	own := []Route{
		{http.MethodGet, "/healthz", h.healthz},
		{http.MethodGet, "/readyz", h.readyz},
		{http.MethodGet, "/.well-known/jwks.json", h.wellKnownJWKS},
		openAPIRoute(doc),
		{http.MethodGet, APIPrefix + "/tenant", h.getTenant},
		{http.MethodPost, APIPrefix + "/auth/token", h.issueToken},
	}
	for _, r := range append(own, d.Routes...) {
		if err := b.add(r); err != nil {
			return nil, fmt.Errorf("httpapi: %w", err)
		}
	}
	options.allow = allowedMethods(b.registered)

	return &Server{
		echo:   e,
		routes: b.registered,
		log:    d.Log,
		failed: make(chan error, 1),
		done:   make(chan struct{}),
		srv: &http.Server{
			Addr:              cfg.Addr,
			Handler:           e,
			ReadHeaderTimeout: cfg.ReadHeaderTimeout,
			ReadTimeout:       cfg.ReadTimeout,
			WriteTimeout:      cfg.WriteTimeout,
			IdleTimeout:       cfg.IdleTimeout,
			MaxHeaderBytes:    64 << 10,
			// OPTIONS * reaches the middleware (serverOptions) instead of being answered by
			// net/http without the headers every answer carries.
			DisableGeneralOptionsHandler: true,
			ConnContext:                  connContext,
			ErrorLog:                     zap.NewStdLog(d.Log.Named("http")),
		},
	}, nil
}

// Routes lists the registered routes and the access each requires, for route-walking tests.
func (s *Server) Routes() []RouteInfo { return append([]RouteInfo(nil), s.routes...) }

// Handler returns the server's routes as a handler, for tests that need no listener.
func (s *Server) Handler() Handler { return Handler{routes: s.echo} }

// Handler serves the built server's routes and does nothing else. It is a struct, not the router,
// so that no caller can assert it back to *echo.Echo and add a route past the route builder,
// without tenant resolution or authentication.
type Handler struct {
	routes http.Handler
}

// ServeHTTP serves r through the server's middleware and routes.
func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.routes.ServeHTTP(w, r) }

// Start binds the address and serves in the background. Binding happens before it returns, so
// an address in use fails start-up.
func (s *Server) Start(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.srv.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.srv.Addr, err)
	}
	ln = listener{Listener: ln, requestIDs: uuid.NewString}
	s.ln = ln
	s.log.Info("http server listening", zap.String("addr", ln.Addr().String()))
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.failed <- fmt.Errorf("serve http: %w", err)
		}
	}()
	return nil
}

// Failed delivers the error that stopped the server while it was meant to be serving, so that
// the process can exit instead of living on without a listener.
func (s *Server) Failed() <-chan error { return s.failed }

// Stopped is closed once Stop has run.
func (s *Server) Stopped() <-chan struct{} { return s.done }

// Addr is the bound address, once started.
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.srv.Addr
	}
	return s.ln.Addr().String()
}

// Stop stops accepting connections and waits for in-flight requests until ctx ends.
func (s *Server) Stop(ctx context.Context) error {
	defer close(s.done)
	if err := s.srv.Shutdown(ctx); err != nil {
		// Out of time: cut the remaining connections, so that nothing still runs when the
		// database pool closes after us.
		_ = s.srv.Close()
		return fmt.Errorf("drain http server: %w", err)
	}
	s.log.Info("http server drained")
	return nil
}
