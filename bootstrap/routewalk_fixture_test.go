package bootstrap_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/adapters/logging"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// leakyFeature is a feature module with the two handler mistakes that both walls scope faithfully:
// each handler hands the repositories a genuine TenantContext, just not the request's. A handler
// can no longer mint one, but one contributed from bootstrap can still reach the system path.
// With the request's ctx the execution path refuses every such call (one-request-one-tenant), and
// so it does with a ctx that serves no request (tenant-transaction-bound), so these handlers bind a
// fresh ctx to the tenant they chose: the one deliberate way left to leak, and what the route walk
// must still catch.
func leakyFeature() fx.Option {
	return leakyFeatureOn(func(_ echo.Context, tc tenant.Context) context.Context { return tenant.Bind(context.Background(), tc) })
}

// leakyFeatureOn is the leaky feature whose handlers make their data calls for tc with data(c, tc).
func leakyFeatureOn(data func(c echo.Context, tc tenant.Context) context.Context) fx.Option {
	type found struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	return fx.Module("leaky",
		fx.Provide(fx.Annotate(func(users *identity.Users, repo ports.UserRepository, dir ports.TenantDirectory, registry *postgres.TenantStore, log *zap.Logger) []httpapi.Route {
			system := operator.NewSystem(dir, logging.NewSystemAccessLog(log))
			// Mistake one: the TenantContext comes from a request parameter.
			fromParameter := func(c echo.Context) error {
				id, err := uuid.Parse(c.QueryParam("tenant_id"))
				if err != nil {
					return c.NoContent(http.StatusNotFound)
				}
				tc, err := system.ContextByID(c.Request().Context(), id, "list members")
				if err != nil {
					return c.NoContent(http.StatusNotFound)
				}
				page, err := users.List(data(c, tc), tc, ports.PageRequest{Limit: 20})
				if err != nil {
					return err
				}
				out := []found{}
				for _, u := range page.Items {
					out = append(out, found{u.ID().String(), u.Email().String()})
				}
				return c.JSON(http.StatusOK, out)
			}
			// Mistake two: the resource is looked for in every tenant.
			inEveryTenant := func(c echo.Context) error {
				id, err := uuid.Parse(c.Param("id"))
				if err != nil {
					return c.NoContent(http.StatusNotFound)
				}
				tenants, err := operator.NewAdmin(registry).List(c.Request().Context())
				if err != nil {
					return err
				}
				for _, tn := range tenants {
					tc, err := system.ContextByID(c.Request().Context(), tn.ID(), "find member")
					if err != nil {
						continue
					}
					if u, err := users.Get(data(c, tc), tc, id); err == nil {
						return c.JSON(http.StatusOK, found{u.ID().String(), u.Email().String()})
					}
				}
				return c.NoContent(http.StatusNotFound)
			}
			// Mistake two again, writing: the resource is deleted in whichever tenant has it.
			deleteInEveryTenant := func(c echo.Context) error {
				id, err := uuid.Parse(c.Param("id"))
				if err != nil {
					return c.NoContent(http.StatusNotFound)
				}
				tenants, err := operator.NewAdmin(registry).List(c.Request().Context())
				if err != nil {
					return err
				}
				for _, tn := range tenants {
					tc, err := system.ContextByID(c.Request().Context(), tn.ID(), "remove member")
					if err != nil {
						continue
					}
					if repo.DeleteForTenant(data(c, tc), tc, id) == nil {
						return c.NoContent(http.StatusNoContent)
					}
				}
				return c.NoContent(http.StatusNotFound)
			}
			return []httpapi.Route{
				{Method: http.MethodGet, Path: "/api/v1/fixture/members", Handler: fromParameter},
				{Method: http.MethodGet, Path: "/api/v1/fixture/members/:id", Handler: inEveryTenant},
				{Method: http.MethodDelete, Path: "/api/v1/fixture/members/:id", Handler: deleteInEveryTenant},
			}
		}, fx.ResultTags(`group:"routes,flatten"`))),
	)
}

// documentLeakyFeature adds the fixture's operations to doc, as the feature's author would.
func documentLeakyFeature(doc *openapi3.T) {
	responses := openapi3.NewResponses(
		openapi3.WithStatus(http.StatusOK, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("found")}),
		openapi3.WithStatus(http.StatusNoContent, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("deleted")}),
		openapi3.WithStatus(http.StatusNotFound, &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("not found")}),
	)
	list := openapi3.NewOperation()
	list.Responses = responses
	list.AddParameter(openapi3.NewQueryParameter("tenant_id").WithSchema(openapi3.NewUUIDSchema()))
	one := openapi3.NewOperation()
	one.Responses = responses
	one.AddParameter(openapi3.NewPathParameter("id").WithSchema(openapi3.NewUUIDSchema()))
	doc.Paths.Set("/api/v1/fixture/members", &openapi3.PathItem{Get: list})
	doc.Paths.Set("/api/v1/fixture/members/{id}", &openapi3.PathItem{Get: one, Delete: one})
}

// has reports whether a violation of rule names the call prefix and the value.
func has(vs []walkViolation, rule, callPrefix, value string) bool {
	for _, v := range vs {
		if v.rule == rule && strings.HasPrefix(v.call, callPrefix) && strings.Contains(v.call+v.detail, value) {
			return true
		}
	}
	return false
}

// TestRouteWalkCatchesHandlerMistakes proves the harness: each leaky route is caught by name,
// with the identifier that crossed and the rule, and the rest of the service stays clean.
func TestRouteWalkCatchesHandlerMistakes(t *testing.T) {
	s := startServiceWith(t, nil, leakyFeature())
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPIDocument())
	require.NoError(t, err)
	documentLeakyFeature(doc)
	w := newWalkWorld(t, s, doc)
	got := w.walk(t)

	const list, one = "GET /api/v1/fixture/members with", "GET /api/v1/fixture/members/:id with"
	bTenant, bUser := w.b.ID, w.usersOfB[1].ID
	assert.True(t, has(got, ruleNoLeak, list, `B's "`+bTenant+`" in query parameter tenant_id`),
		"the TenantContext built from a request parameter is caught: %v", got)
	assert.True(t, has(got, ruleNoLeak, one, `B's "`+bUser+`" in path parameter id`),
		"the lookup across every tenant is caught: %v", got)
	assert.True(t, has(got, ruleNotFound, one, bUser), "and answers 200 where 404 is right: %v", got)
	assert.True(t, has(got, ruleNotFound, "DELETE /api/v1/fixture/members/:id with", bUser), "the delete across every tenant answers 204: %v", got)
	assert.True(t, has(got, ruleNoWrite, "users", ""), "and B's rows changed: %v", got)
	for _, v := range got {
		assert.True(t, strings.Contains(v.call, " /api/v1/fixture/") || v.rule == ruleNoWrite, "only the fixture routes break a rule: %s", v)
	}

}

// TestRouteWalkCoversUndocumentedRoutes: a route the document does not describe is still walked,
// with its path parameters from the router, so the lookup across tenants is caught all the same,
// and the missing description is a violation of its own.
func TestRouteWalkCoversUndocumentedRoutes(t *testing.T) {
	s := startServiceWith(t, nil, leakyFeature())
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPIDocument())
	require.NoError(t, err)
	w := newWalkWorld(t, s, doc)
	got := w.walk(t)
	bUser := w.usersOfB[1].ID
	assert.True(t, has(got, ruleNoLeak, "GET /api/v1/fixture/members/:id with", bUser), "%v", got)
	assert.True(t, has(got, ruleDescription, "GET /api/v1/fixture/members", ""), "%v", got)
}

// TestHandlerMistakesKeepingTheRequestAreRefused: the same two mistakes made with the request's
// own ctx, or with a ctx that serves no request (context.Background), never reach another tenant's
// rows: the execution path refuses each such tenant transaction (rules one-request-one-tenant and
// tenant-transaction-bound), so the walk finds no leak and no write, only refusals.
func TestHandlerMistakesKeepingTheRequestAreRefused(t *testing.T) {
	for name, data := range map[string]func(echo.Context, tenant.Context) context.Context{
		"the request's ctx":    func(c echo.Context, _ tenant.Context) context.Context { return c.Request().Context() },
		"context.Background()": func(echo.Context, tenant.Context) context.Context { return context.Background() },
	} {
		t.Run(name, func(t *testing.T) {
			s := startServiceWith(t, nil, leakyFeatureOn(data))
			doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPIDocument())
			require.NoError(t, err)
			documentLeakyFeature(doc)
			w := newWalkWorld(t, s, doc)
			got := w.walk(t)
			for _, v := range got {
				assert.NotEqual(t, ruleNoLeak, v.rule, "%s", v)
				assert.NotEqual(t, ruleNoWrite, v.rule, "%s", v)
			}
		})
	}
}
