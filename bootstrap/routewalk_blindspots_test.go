package bootstrap_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/adapters/postgres/jobs"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/domain/notification"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/ports"
)

// The fixture of the route walk's blind spots: routes that leak only when the walk does what
// users do. Each hands its repositories the request's own TenantContext, so neither wall is
// crossed where the walls can see: the leak is in memory, in a parameter nobody documented, in a
// job that runs later, or in a route nobody expected to be called without a token. Where a route
// must reach another tenant's rows, it does so with the owner's pool, standing for any way around
// the walls.

// deactivateJob is the fixture's job: it deactivates a user, whichever tenant has it.
type deactivateJob struct {
	UserID string `json:"user_id"`
}

func (deactivateJob) Kind() string { return "fixture.deactivate" }

// ownerQuery is what the fixture needs of the owner's pool.
type ownerQuery func(ctx context.Context, sql string, args ...any) ([]string, error)

const blindSpotsOpenAPI = `
paths:
  /api/v1/fixture/cached/{id}:
    parameters:
      - $ref: "#/components/parameters/TenantID"
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: fixtureCached
      security: [{bearerAuth: []}]
      responses:
        "200": {description: found, headers: {X-Request-ID: {$ref: "#/components/headers/XRequestID"}}}
  /api/v1/fixture/notes:
    parameters:
      - $ref: "#/components/parameters/TenantID"
    get:
      operationId: fixtureNotes
      security: [{bearerAuth: []}]
      responses:
        "200": {description: the notes, headers: {X-Request-ID: {$ref: "#/components/headers/XRequestID"}}}
    post:
      operationId: fixtureAddNote
      security: [{bearerAuth: []}]
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {subject: {type: string}}}
            example: {subject: a note}
      responses:
        "201": {description: stored, headers: {X-Request-ID: {$ref: "#/components/headers/XRequestID"}}}
        "409": {$ref: "#/components/responses/Conflict"}
  /api/v1/fixture/lookup:
    parameters:
      - $ref: "#/components/parameters/TenantID"
    get:
      operationId: fixtureLookup
      security: [{bearerAuth: []}]
      responses:
        "200": {description: members, headers: {X-Request-ID: {$ref: "#/components/headers/XRequestID"}}}
  /api/v1/fixture/deactivate:
    parameters:
      - $ref: "#/components/parameters/TenantID"
    post:
      operationId: fixtureDeactivate
      security: [{bearerAuth: []}]
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {user_id: {type: string}}}
      responses:
        "202": {description: queued, headers: {X-Request-ID: {$ref: "#/components/headers/XRequestID"}}}
`

// blindSpots is the fixture feature, with its routes, its OpenAPI fragment and its job kind.
func blindSpots(owner ownerQuery) fx.Option {
	return fx.Module("blind-spots",
		fx.Provide(
			fx.Annotate(func() httpapi.OpenAPIFragment { return httpapi.OpenAPIFragment(blindSpotsOpenAPI) }, fx.ResultTags(`group:"openapi"`)),
			fx.Annotate(func() jobs.Declaration {
				return jobs.TenantKind(jobs.TenantHandler[deactivateJob]{Work: func(ctx context.Context, _ tenant.Context, j deactivateJob) error {
					_, err := owner(ctx, "UPDATE users SET is_active = false WHERE id::text = $1 RETURNING id::text", j.UserID)
					return err
				}})
			}, fx.ResultTags(`group:"jobkinds"`)),
			fx.Annotate(func(users *identity.Users, notes ports.NotificationRepository, queue ports.JobQueue) []httpapi.Route {
				var mu sync.Mutex
				// Mistake one: a cache keyed by the ID alone. Only a warm cache leaks.
				cache := map[uuid.UUID]string{}
				cached := func(c echo.Context) error {
					id, err := uuid.Parse(c.Param("id"))
					if err != nil {
						return c.NoContent(http.StatusNotFound)
					}
					mu.Lock()
					email, hit := cache[id]
					mu.Unlock()
					if !hit {
						u, err := users.Get(c.Request().Context(), httpapi.TenantContext(c), id)
						if err != nil {
							return c.NoContent(http.StatusNotFound)
						}
						email = u.Email().String()
						mu.Lock()
						cache[id] = email
						mu.Unlock()
					}
					return c.JSON(http.StatusOK, map[string]string{"id": id.String(), "email": email})
				}
				// Mistake two: the notes created are listed from memory, every tenant's. Only rows
				// that exist leak.
				var created []string
				addNote := func(c echo.Context) error {
					tc := httpapi.TenantContext(c)
					page, err := users.List(c.Request().Context(), tc, ports.PageRequest{Limit: 1})
					if err != nil || len(page.Items) == 0 {
						return c.NoContent(http.StatusConflict)
					}
					u := page.Items[0]
					n := notification.UnmarshalFromDatabase(uuid.Must(uuid.NewV7()), tc.TenantID(), u.ID(), "note_"+strings.ToLower(strings.Map(letter, uuid.NewString())),
						u.Email().String(), "a note", time.Now())
					stored, err := notes.CreateForTenant(c.Request().Context(), tc, n)
					if err != nil {
						return err
					}
					mu.Lock()
					created = append(created, stored.ID().String())
					mu.Unlock()
					return c.NoContent(http.StatusCreated)
				}
				listNotes := func(c echo.Context) error {
					mu.Lock()
					defer mu.Unlock()
					return c.JSON(http.StatusOK, created)
				}
				// Mistake three: a tenant from a query parameter nobody documented.
				lookup := func(c echo.Context) error {
					name := c.QueryParam("tenant")
					if name == "" {
						return c.JSON(http.StatusOK, []string{})
					}
					found, err := owner(c.Request().Context(), `SELECT u.email FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = $1 OR t.id::text = $1`, name)
					if err != nil {
						return err
					}
					return c.JSON(http.StatusOK, found)
				}
				// Mistake four: the request answers at once; its job changes whichever tenant's user
				// it names, seconds later.
				deactivate := func(c echo.Context) error {
					var in struct {
						UserID string `json:"user_id"`
					}
					if err := httpapi.DecodeJSON(c, &in); err != nil {
						return err
					}
					if err := queue.EnqueueAt(c.Request().Context(), httpapi.TenantContext(c), deactivateJob(in), time.Now().Add(2*time.Second)); err != nil {
						return err
					}
					return c.NoContent(http.StatusAccepted)
				}
				return []httpapi.Route{
					{Method: http.MethodGet, Path: "/api/v1/fixture/cached/:id", Handler: cached},
					{Method: http.MethodGet, Path: "/api/v1/fixture/notes", Handler: listNotes},
					{Method: http.MethodPost, Path: "/api/v1/fixture/notes", Handler: addNote},
					{Method: http.MethodGet, Path: "/api/v1/fixture/lookup", Handler: lookup},
					{Method: http.MethodPost, Path: "/api/v1/fixture/deactivate", Handler: deactivate},
				}
			}, fx.ResultTags(`group:"routes,flatten"`)),
		),
	)
}

// letter keeps the letters of a UUID's text: a notification kind takes letters only.
func letter(r rune) rune {
	if r >= 'a' && r <= 'z' {
		return r
	}
	return -1
}

// TestRouteWalkSeesWhatUsersSee proves each of the walk's habits with a route that leaks only to
// that habit: a cache that leaks once warm, rows that leak once seeded through their own route,
// a tenant read from an undocumented query parameter, a job that changes another tenant's rows
// after the request answered, and a route declared public that lists users. (A route around the
// builder can only be added inside httpapi now; TestRoutesAroundBuilderNamesThem proves the check
// the walk runs on the built server.)
func TestRouteWalkSeesWhatUsersSee(t *testing.T) {
	db := pgtest.New(t)
	pool := db.OwnerPool(t)
	owner := func(ctx context.Context, sql string, args ...any) ([]string, error) {
		rows, err := pool.Query(ctx, sql, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := []string{}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, rows.Err()
	}
	// Mistake five: declared public, with a reason, and it lists users.
	saved := httpapi.PublicRoutes
	httpapi.PublicRoutes = append(append([]httpapi.PublicRoute(nil), saved...),
		httpapi.PublicRoute{Method: http.MethodGet, Path: "/api/v1/fixture/directory", Access: httpapi.AccessPublic, Reason: "the members' directory, public by mistake"})
	t.Cleanup(func() { httpapi.PublicRoutes = saved })
	directory := fx.Provide(fx.Annotate(func() httpapi.Route {
		return httpapi.Route{Method: http.MethodGet, Path: "/api/v1/fixture/directory", Handler: func(c echo.Context) error {
			found, err := owner(c.Request().Context(), "SELECT email FROM users")
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, found)
		}}
	}, fx.ResultTags(`group:"routes"`)))

	s := launch(t, db, nil, blindSpots(owner), directory)

	w := newWalkWorld(t, s, serviceDocument(t, s))
	notesOfB, err := owner(context.Background(), "SELECT id::text FROM notifications WHERE tenant_id = $1 AND kind LIKE 'note%'", w.b.ID)
	require.NoError(t, err)
	require.Len(t, notesOfB, 1, "the walk seeded B through the create operation's example")
	got := w.walk(t)

	bUser := w.usersOfB[1].ID
	assert.True(t, has(got, ruleNoLeak, "GET /api/v1/fixture/cached/:id with", bUser), "the cache warmed by B is caught: %v", got)
	assert.True(t, has(got, ruleNoLeak, "GET /api/v1/fixture/notes with", notesOfB[0]), "the seeded row is caught: %v", got)
	assert.True(t, has(got, ruleNoLeak, "GET /api/v1/fixture/lookup with", "in query parameter tenant"), "the undocumented parameter is caught: %v", got)
	assert.True(t, has(got, ruleNoWrite, "users", ""), "the job's change, run after the request answered, is caught: %v", got)
	assert.True(t, has(got, rulePublic, "GET /api/v1/fixture/directory without a token", "bob@globex.test"), "the public route is caught: %v", got)
	for _, v := range got {
		assert.True(t, strings.Contains(v.call, "/api/v1/fixture/") || (v.rule == ruleNoWrite && v.call == "users"), "only the fixture routes break a rule: %s", v)
	}
	left, err := owner(context.Background(), "SELECT state::text FROM river_job WHERE kind = 'fixture.deactivate' AND state <> 'completed'")
	require.NoError(t, err)
	assert.Empty(t, left, "the walk drained the fixture's jobs before judging")
}
