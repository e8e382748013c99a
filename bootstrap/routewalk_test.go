package bootstrap_test

// The route-walking isolation harness. It reads the routes from the running server's router and
// their parameters from the OpenAPI document, so a route is covered the moment it is registered:
// for every route that resolves a tenant, it calls the operation as tenant A with each of tenant
// B's identifiers in each path, query, header and body parameter, and requires a refusal the
// document lists (404 where a path names B's resource), never a 5xx, never one of B's identifiers
// in the answer, and B's rows unchanged afterwards.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
)

// walkWorld is what the harness needs to know of the running service: two tenants, a token of A,
// and B's secrets that the database does not show in clear (passwords).
type walkWorld struct {
	s *service
	// strings runs a query with the login role (past row-level security: the harness must see
	// both tenants) and returns its one text column.
	strings    func(t *testing.T, sql string, args ...any) []string
	doc        *openapi3.T
	a, b       created
	usersOfB   []created
	tokenA     string
	secretsOfB []string
}

// nowhere is a well-formed ID that names nothing, for the parameters not under attack.
const nowhere = "01900000-0000-7000-8000-000000000000"

// walkViolation is one broken isolation rule of one call.
type walkViolation struct {
	call, rule, detail string
}

func (v walkViolation) String() string { return v.call + ": " + v.rule + ": " + v.detail }

// The rules the harness holds every tenant route to.
const (
	ruleNoLeak      = "route-walk-no-leak"
	ruleNotFound    = "route-walk-not-found"
	ruleNo5xx       = "route-walk-no-5xx"
	ruleDocumented  = "route-walk-documented-refusal"
	ruleNoWrite     = "route-walk-no-cross-tenant-write"
	ruleCoverage    = "route-walk-coverage"
	ruleDescription = "route-walk-documented-route"
)

func newWalkWorld(t *testing.T, s *service, doc *openapi3.T) *walkWorld {
	t.Helper()
	const passA, passB = "acme walk password 1", "globex walk password 2"
	w := &walkWorld{s: s, doc: doc, a: s.createTenant("acme"), b: s.createTenant("globex")}
	owner := s.db.OwnerPool(t)
	w.strings = func(t *testing.T, sql string, args ...any) []string {
		t.Helper()
		rows, err := owner.Query(context.Background(), sql, args...)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			require.NoError(t, rows.Scan(&v))
			out = append(out, v)
		}
		require.NoError(t, rows.Err())
		return out
	}
	s.createUser("acme", "ada@shared.test", passA)
	s.createUser("acme", "carol@acme.test", "acme walk password 3")
	w.usersOfB = append(w.usersOfB, s.createUser("globex", "ada@shared.test", passB), s.createUser("globex", "bob@globex.test", "globex walk password 4"))
	w.secretsOfB = []string{passB, "globex walk password 4"}
	// The self-check's probe table is tenant-scoped too: B's identifiers there are walked as well.
	_, err := owner.Exec(context.Background(), "INSERT INTO isolation_probe (tenant_id, id) VALUES ($1, gen_random_uuid())", w.b.ID)
	require.NoError(t, err)
	w.tokenA = s.login("acme", "ada@shared.test", passA)
	// Each new user's welcome is stored by a background job: wait for all four, so that the walk
	// starts from rows that no longer change by themselves.
	deadline := time.Now().Add(30 * time.Second)
	for len(w.strings(t, `SELECT id::text FROM notifications`)) < 4 {
		require.True(t, time.Now().Before(deadline), "the welcome jobs of the walk's users did not run")
		time.Sleep(50 * time.Millisecond)
	}
	return w
}

// scopedTables lists the tables with a tenant_id column: the ones the self-check holds to
// tenant scoping.
func (w *walkWorld) scopedTables(t *testing.T) []string {
	t.Helper()
	tables := w.strings(t, `
SELECT c.relname FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`)
	require.NotEmpty(t, tables)
	return tables
}

// rowsOf returns the rows of tenant in table, as JSON text in a stable order.
func (w *walkWorld) rowsOf(t *testing.T, table, tenantID string) []string {
	t.Helper()
	return w.strings(t, "SELECT to_jsonb(x)::text FROM "+quoteIdent(table)+" x WHERE tenant_id = $1 ORDER BY 1", tenantID)
}

// snapshot is every row of tenant B, by table.
func (w *walkWorld) snapshot(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range w.scopedTables(t) {
		out[table] = w.rowsOf(t, table, w.b.ID)
	}
	return out
}

// identifiersOfB are B's values that must never reach A: its tenant row, every uuid and text
// value of its rows in every tenant-scoped table, and its users' passwords. A value A's rows hold
// too (the same email in both tenants) identifies neither and is left out.
func (w *walkWorld) identifiersOfB(t *testing.T) []string {
	t.Helper()
	values := func(tenantID string) map[string]bool {
		out := map[string]bool{}
		for _, table := range w.scopedTables(t) {
			for _, v := range w.strings(t, `
SELECT v.value FROM `+quoteIdent(table)+` x,
     jsonb_each_text(to_jsonb(x)) v
JOIN information_schema.columns c ON c.table_schema = 'public' AND c.table_name = $2 AND c.column_name = v.key
WHERE x.tenant_id = $1 AND c.data_type IN ('uuid', 'text', 'character varying') AND v.value IS NOT NULL`, tenantID, table) {
				out[v] = true
			}
		}
		for _, v := range w.strings(t, "SELECT unnest(ARRAY[id::text, slug, name]) FROM tenants WHERE id = $1", tenantID) {
			out[v] = true
		}
		return out
	}
	ofA, ofB := values(w.a.ID), values(w.b.ID)
	for _, s := range w.secretsOfB {
		ofB[s] = true
	}
	var out []string
	for v := range ofB {
		if !ofA[v] && len(v) >= 4 {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// quoteIdent quotes a table name read from the catalog.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// slot is one place of a request that a value can be put in.
type slot struct {
	in, name string
}

var routeParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// operation finds the document's operation of a route, and the slots of its parameters: path
// parameters from the router, the others from the document.
func (w *walkWorld) operation(r httpapi.RouteInfo) (*openapi3.Operation, []slot) {
	var slots []slot
	for _, m := range routeParam.FindAllStringSubmatch(r.Path, -1) {
		slots = append(slots, slot{"path", m[1]})
	}
	item := w.doc.Paths.Value(routeParam.ReplaceAllString(r.Path, "{$1}"))
	if item == nil || item.GetOperation(r.Method) == nil {
		return nil, slots
	}
	op := item.GetOperation(r.Method)
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		if p.Value == nil || p.Value.In == "path" || p.Value.Name == httpapi.HeaderRequestID {
			continue
		}
		slots = append(slots, slot{p.Value.In, p.Value.Name})
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			names := make([]string, 0, len(mt.Schema.Value.Properties))
			for name := range mt.Schema.Value.Properties {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				slots = append(slots, slot{"body", name})
			}
		}
	}
	return op, slots
}

// call sends the route's request as tenant A with value in the slot under attack. Path
// parameters not under attack name nothing; body properties not under attack get a neutral word.
func (w *walkWorld) call(t *testing.T, r httpapi.RouteInfo, slots []slot, attack slot, value string) (int, http.Header, []byte) {
	t.Helper()
	path := routeParam.ReplaceAllStringFunc(r.Path, func(m string) string {
		if attack.in == "path" && m[1:] == attack.name {
			return url.PathEscape(value)
		}
		return nowhere
	})
	if attack.in == "query" {
		path += "?" + url.Values{attack.name: {value}}.Encode()
	}
	var body io.Reader
	hasBody := slices.ContainsFunc(slots, func(s slot) bool { return s.in == "body" })
	if hasBody {
		obj := map[string]string{}
		for _, s := range slots {
			if s.in == "body" {
				obj[s.name] = "placeholder"
			}
		}
		if attack.in == "body" {
			obj[attack.name] = value
		}
		b, err := json.Marshal(obj)
		require.NoError(t, err)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), r.Method, w.s.base+path, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+w.tokenA)
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if attack.in == "header" {
		req.Header.Set(attack.name, value)
	}
	res, err := w.s.client.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, b
}

// walk calls every tenant route with every identifier of B in every slot and returns what broke.
func (w *walkWorld) walk(t *testing.T) []walkViolation {
	t.Helper()
	before := w.snapshot(t)
	var out []walkViolation
	for table, rows := range before {
		if len(rows) == 0 {
			out = append(out, walkViolation{table, ruleCoverage, "tenant B has no row here, so no route is tried with B's identifiers of it: seed one in newWalkWorld"})
		}
	}
	ofB := w.identifiersOfB(t)
	require.NotEmpty(t, ofB)
	walked := 0
	// Reads first: a write that wrongly reaches B's rows must not hide a read that leaks them.
	routes := w.s.server.Routes()
	slices.SortStableFunc(routes, func(x, y httpapi.RouteInfo) int {
		return compareBool(x.Method != http.MethodGet, y.Method != http.MethodGet)
	})
	for _, r := range routes {
		if r.Access == httpapi.AccessPublic || r.Method == http.MethodHead {
			continue // no tenant to cross; HEAD runs the GET handler
		}
		op, slots := w.operation(r)
		name := r.Method + " " + r.Path
		if op == nil {
			out = append(out, walkViolation{name, ruleDescription, "the OpenAPI document does not describe the route, so its query and body parameters go untried"})
		}
		for _, s := range slots {
			for _, v := range ofB {
				status, header, body := w.call(t, r, slots, s, v)
				walked++
				where := fmt.Sprintf("%s with B's %q in %s parameter %s", name, v, s.in, s.name)
				out = append(out, checkWalkAnswer(where, op, s, status, header, body, ofB)...)
			}
		}
	}
	after := w.snapshot(t)
	for table, rows := range before {
		if !slices.Equal(rows, after[table]) {
			out = append(out, walkViolation{table, ruleNoWrite, "tenant B's rows changed while only tenant A called"})
		}
	}
	t.Logf("route walk: %d calls as tenant A with %d identifiers of tenant B", walked, len(ofB))
	return out
}

func compareBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case x:
		return 1
	default:
		return -1
	}
}

func checkWalkAnswer(where string, op *openapi3.Operation, s slot, status int, header http.Header, body []byte, ofB []string) []walkViolation {
	var out []walkViolation
	add := func(rule, format string, args ...any) {
		out = append(out, walkViolation{where, rule, fmt.Sprintf(format, args...)})
	}
	if status >= 500 {
		add(ruleNo5xx, "answered %d: %s", status, body)
	}
	if s.in == "path" && status < 300 {
		add(ruleNotFound, "answered %d where B's resource must not exist for A (404)", status)
	}
	if op != nil && op.Responses.Status(status) == nil && op.Responses.Default() == nil {
		add(ruleDocumented, "answered %d, which the operation does not document", status)
	}
	text := string(body)
	for name, values := range header {
		text += "\n" + name + ": " + strings.Join(values, ", ")
	}
	for _, v := range ofB {
		if strings.Contains(text, v) {
			add(ruleNoLeak, "the answer (%d) carries tenant B's %q", status, v)
		}
	}
	return out
}

// TestRouteWalkIsolation walks every tenant route the server registers.
func TestRouteWalkIsolation(t *testing.T) {
	s := startServiceWith(t, nil)
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPIDocument())
	require.NoError(t, err)
	w := newWalkWorld(t, s, doc)
	for _, v := range w.walk(t) {
		t.Error(v)
	}
}

// TestEveryDeclaredPublicRouteExists keeps httpapi.PublicRoutes free of stale entries, with every
// module's routes registered.
func TestEveryDeclaredPublicRouteExists(t *testing.T) {
	s := startServiceWith(t, nil)
	for _, p := range httpapi.PublicRoutes {
		assert.Contains(t, s.server.Routes(), httpapi.RouteInfo{Method: p.Method, Path: p.Path, Access: p.Access},
			"PublicRoutes declares %s %s, which nothing registers", p.Method, p.Path)
	}
}
