package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"

	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/domain/fault"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// Tenant resolution strategies, in the words of TENANT_STRATEGIES.
const (
	StrategyHeader    = "header"
	StrategySubdomain = "subdomain"
	StrategyPath      = "path"
	StrategyToken     = "token"
)

// TenantConfig configures how requests name their tenant.
type TenantConfig struct {
	// Strategies are tried in order; every one that finds an identifier contributes it, and all
	// must agree. The token strategy only applies when no other strategy found one.
	Strategies []string
	// Header carries a slug or a tenant UUID.
	Header string
	// BaseDomain enables the subdomain strategy: acme.<BaseDomain> names tenant acme.
	BaseDomain string
	// TrustedProxies may set X-Forwarded-Host; anyone else's is ignored.
	TrustedProxies []netip.Prefix
}

const (
	tenantKey     = "tenantcore.tenant"
	principalKey  = "tenantcore.principal"
	pathSlugKey   = "tenantcore.path_slug"
	pathPrefix    = "/t/"
	apiPathPrefix = "/api/"
	maxIdentifier = 256 // longer values are refused before any parsing
)

func (cfg TenantConfig) has(strategy string) bool {
	for _, s := range cfg.Strategies {
		if s == strategy {
			return true
		}
	}
	return false
}

// tenantPath implements the path strategy as a Pre middleware: /t/{slug}/api/v1/... is routed
// exactly as /api/v1/... with the slug kept for resolution.
func tenantPath(cfg TenantConfig) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if !cfg.has(StrategyPath) {
			return next
		}
		return func(c echo.Context) error {
			req := c.Request()
			// Split the escaped path, as the router sees it: an encoded slash (%2F) must not
			// become a separator here when it is none anywhere else.
			p := req.URL.EscapedPath()
			if !strings.HasPrefix(p, pathPrefix) {
				return next(c)
			}
			rawSlug, rawRest, found := strings.Cut(p[len(pathPrefix):], "/")
			rawRest = "/" + rawRest
			if !found || !strings.HasPrefix(rawRest, apiPathPrefix) {
				return next(c)
			}
			rest, err := url.PathUnescape(rawRest)
			if err != nil {
				return next(c)
			}
			slug, err := url.PathUnescape(rawSlug)
			if err != nil {
				slug = rawSlug // still malformed as a slug: resolution answers tenant.invalid
			}
			c.Set(pathSlugKey, slug)
			req.URL.Path, req.URL.RawPath = rest, ""
			if rawRest != rest {
				req.URL.RawPath = rawRest
			}
			return next(c)
		}
	}
}

// resolveTenant is the only code that reads tenant identifiers from a request. It hands them to
// the Resolve use case and attaches the resulting TenantContext to the request (never to a
// global), and its tenant_id to the request's log line. When the request carries a bearer token
// it is verified here too, so that a token of another tenant is refused on every scoped route.
func resolveTenant(
	cfg TenantConfig, dir ports.TenantDirectory, authn authenticator, observe func(strategy, outcome string),
	sp spans, countTenant func(uuid.UUID),
) echo.MiddlewareFunc {
	//tenantlint:allow tenant-context-capability: the tenant middleware is the one place a request's identifiers become its TenantContext
	resolve := tenancy.NewResolve(dir)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ids, failed, err := identifiers(c, cfg)
			if err != nil {
				observe(failed, outcomeOf(err))
				return err
			}
			raw, hasToken := bearerToken(c)
			var principal auth.Principal
			// The tenant's ID as text, made once for the spans and the log line.
			var tenantText string
			if hasToken {
				if principal, tenantText, err = authenticate(c.Request().Context(), sp, authn, raw); err != nil {
					observe(StrategyToken, outcomeOf(err))
					return err
				}
				c.Set(principalKey, principal)
			}
			if len(ids) == 0 && hasToken && cfg.has(StrategyToken) {
				ids = append(ids, tenancy.Identifier{Strategy: StrategyToken, Value: tenantText})
			}
			// The tenant cache marks the resolution span with its hit or miss.
			resolveCtx, span := sp.startInternal(c.Request().Context(), "tenant.resolve")
			//tenantlint:allow tenant-context-capability: the identifiers come from the request's tenant strategies and its verified token only
			tc, err := resolve.Handle(resolveCtx, tenancy.ResolveInput{Identifiers: ids})
			if err == nil && (tenantText == "" || principal.TenantID != tc.TenantID()) {
				tenantText = tc.TenantID().String()
			}
			endResolveSpan(span, ids, tenantText, err)
			if err == nil && hasToken && principal.TenantID != tc.TenantID() {
				err = tenant.ErrMismatch
			}
			observe(firstStrategy(ids), outcomeOf(err))
			if err != nil {
				return err
			}
			c.Set(tenantKey, tc)
			// From here on the request serves this tenant alone: the database refuses any tenant
			// transaction of another made with its ctx, whatever produced that TenantContext.
			c.SetRequest(c.Request().WithContext(tenant.Bind(c.Request().Context(), tc)))
			// The server span takes the tenant from here when the request is done.
			if st := state(c); st != nil {
				st.tenantID = tenantText
			}
			countTenant(tc.TenantID())
			return next(c)
		}
	}
}

// endResolveSpan ends the tenant resolution span (nil: none) with the source and the tenant.
func endResolveSpan(span trace.Span, ids []tenancy.Identifier, tenantText string, err error) {
	if span == nil || !span.IsRecording() {
		endSpan(span, err)
		return
	}
	if err != nil {
		endSpan(span, err, attrSource.String(firstStrategy(ids)))
		return
	}
	endSpan(span, nil, attrSource.String(firstStrategy(ids)), attrTenantID.String(tenantText))
}

// authenticate verifies a bearer token inside the authentication span, and returns its tenant's
// ID as text too.
func authenticate(ctx context.Context, sp spans, authn authenticator, raw string) (auth.Principal, string, error) {
	ctx, span := sp.startInternal(ctx, "authenticate")
	p, err := authn.Handle(ctx, raw)
	var tenantText string
	if err == nil {
		tenantText = p.TenantID.String()
	}
	if err == nil && span != nil && span.IsRecording() {
		endSpan(span, nil, attrTenantID.String(tenantText))
	} else {
		endSpan(span, err)
	}
	return p, tenantText, err
}

func firstStrategy(ids []tenancy.Identifier) string {
	if len(ids) == 0 {
		return "none"
	}
	return ids[0].Strategy
}

// identifiers collects what each enabled request strategy finds, in configured order. On error it
// also names the strategy that failed.
func identifiers(c echo.Context, cfg TenantConfig) ([]tenancy.Identifier, string, error) {
	var ids []tenancy.Identifier
	for _, s := range cfg.Strategies {
		var (
			v     string
			found bool
			err   error
		)
		switch s {
		case StrategyHeader:
			v, found, err = headerIdentifier(c, cfg.Header)
		case StrategySubdomain:
			if cfg.BaseDomain == "" {
				continue
			}
			v, found, err = SubdomainLabel(requestHost(c, cfg.TrustedProxies), cfg.BaseDomain)
		case StrategyPath:
			v, found = c.Get(pathSlugKey).(string)
		default:
			continue
		}
		if err != nil {
			return ids, s, annotateStrategy(s, err)
		}
		if found {
			if len(v) > maxIdentifier {
				return ids, s, annotateStrategy(s, tenant.ErrInvalid.WithDetail("the tenant identifier is too long"))
			}
			ids = append(ids, tenancy.Identifier{Strategy: s, Value: v})
		}
	}
	return ids, "", nil
}

func annotateStrategy(strategy string, err error) error {
	return tenant.ErrInvalid.WithDetail(fmt.Sprintf("%s: %s", strategy, detailOf(err)))
}

func headerIdentifier(c echo.Context, name string) (string, bool, error) {
	values := c.Request().Header.Values(name)
	switch len(values) {
	case 0:
		return "", false, nil
	case 1:
		if values[0] == "" {
			return "", false, tenant.ErrInvalid.WithDetail("the tenant header is empty")
		}
		return values[0], true, nil
	default:
		return "", false, tenant.ErrInvalid.WithDetail("the tenant header must be sent once")
	}
}

// requestHost is the Host the client asked for: X-Forwarded-Host when a trusted proxy sent the
// request, the Host header otherwise. Of several forwarded values the last one counts: it is the
// one the nearest (trusted) proxy added; earlier ones may come from the client.
func requestHost(c echo.Context, trusted []netip.Prefix) string {
	req := c.Request()
	values := req.Header.Values("X-Forwarded-Host")
	if len(values) == 0 || !fromTrustedPeer(req.RemoteAddr, trusted) {
		return req.Host
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.TrimSpace(last)
}

func fromTrustedPeer(remoteAddr string, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// SubdomainLabel extracts the tenant label of host under baseDomain. It answers found=false for
// hosts that name no tenant (the bare base domain, IP literals, other domains) and an error for
// hosts that try to (nested labels, malformed hosts). Matching is ASCII case-insensitive and a
// trailing dot is tolerated.
func SubdomainLabel(host, baseDomain string) (label string, found bool, err error) {
	if host == "" || baseDomain == "" {
		return "", false, nil
	}
	if len(host) > 2*maxIdentifier {
		return "", false, tenant.ErrInvalid.WithDetail("the host is too long")
	}
	h := host
	if hp, _, splitErr := net.SplitHostPort(host); splitErr == nil {
		h = hp
	} else if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if _, ipErr := netip.ParseAddr(h); ipErr == nil {
		return "", false, nil
	}
	h = strings.TrimSuffix(asciiLower(h), ".")
	base := strings.TrimSuffix(asciiLower(baseDomain), ".")
	if h == base || !strings.HasSuffix(h, "."+base) {
		return "", false, nil
	}
	label = h[:len(h)-len(base)-1]
	if label == "" || strings.Contains(label, ".") {
		return "", false, tenant.ErrInvalid.WithDetail("the host must have exactly one label before the base domain")
	}
	if tenant.IsReserved(label) {
		// api.example.com, www.example.com: infrastructure names, which name no tenant.
		return "", false, nil
	}
	return label, true, nil
}

// asciiLower folds only ASCII letters; Unicode folding could map look-alikes onto a real slug.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// tenantContext returns the request's TenantContext, set by resolveTenant. Handlers pass it on
// explicitly; nothing below the handler reads it from a context.
func tenantContext(c echo.Context) tenant.Context {
	tc, _ := c.Get(tenantKey).(tenant.Context)
	return tc
}

func detailOf(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Detail()
	}
	return "the identifier is malformed"
}

// outcomeOf names a resolution result with a bounded vocabulary (metric labels must not grow
// with the input).
func outcomeOf(err error) string {
	var fe *fault.Error
	switch {
	case err == nil:
		return "resolved"
	case errors.As(err, &fe):
		return fe.Code()
	default:
		return "error"
	}
}
