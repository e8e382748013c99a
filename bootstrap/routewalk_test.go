package bootstrap_test

// The route-walking isolation harness. It reads the routes from the running server's router and
// their parameters from the OpenAPI document the server serves, so a route is covered the moment
// it is registered. It sees what users see:
//   - both tenants get rows through the features' own routes: each create operation's example in
//     the document is sent as A and as B (the route-walk seed a feature contributes);
//   - every GET is called as B, the owner, with B's identifiers first, so that caches are warm;
//   - then, for every route that resolves a tenant, it calls the operation as tenant A with each
//     of tenant B's identifiers in each path, query, header and body parameter, and in query
//     parameters no document names (tenant, tenant_id, slug, id, …), and requires a refusal the
//     document lists (404 where a path names B's resource), never a 5xx, never one of B's
//     identifiers in the answer;
//   - the jobs those calls enqueued are drained before B's rows are compared with before;
//   - every public route is called without a token, and must return no tenant's data;
//   - every route the built server answers must have come through the route builder.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
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
	tokenB     string
	secretsOfB []string
	// seeded are the problems of seeding, reported with the walk's.
	seeded []walkViolation
	// contract holds the answers of seeding and warming, which succeed, to the document.
	contract *openAPIContract
	// answers are the answers send found at odds with the document.
	answers []walkViolation
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
	ruleSeed        = "route-walk-seed"
	ruleDrained     = "route-walk-jobs-drained"
	rulePublic      = "route-walk-public-no-tenant-data"
	ruleBuilder     = "route-walk-one-route-builder"
	ruleAnswer      = "route-walk-documented-answer"
)

// undocumentedQuery are query parameters a handler may read without documenting them: each is
// tried on every route with B's identifiers, the tenant-naming ones with B's tenant ID and slug,
// the others with B's row IDs.
var (
	tenantQuery = []string{"tenant", "tenant_id", "tenantId", "tenant_slug", "slug", "org", "organization", "account"}
	rowQuery    = []string{"id", "ids", "user_id", "owner_id", "parent_id"}
)

// serviceDocument is the OpenAPI document the running service serves, every feature's included.
func serviceDocument(t *testing.T, s *service) *openapi3.T {
	t.Helper()
	r := s.do(http.MethodGet, httpapi.OpenAPIPath, "")
	require.Equal(t, http.StatusOK, r.status)
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	require.NoError(t, err)
	return doc
}

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
	w.tokenB = s.login("globex", "ada@shared.test", passB)
	contract, err := newOpenAPIContract(doc)
	require.NoError(t, err)
	w.contract = contract
	w.seed(t)
	// The users' welcomes and the seeds' jobs run in the background: the walk starts from rows
	// that no longer change by themselves.
	if v := w.drain(t); v != nil {
		w.seeded = append(w.seeded, *v)
	}
	return w
}

// seed sends each create operation's documented example as A and as B: rows of every feature's
// table for both tenants, made by the feature's own route. A create operation is a POST on a path
// without parameters whose JSON body has an example.
func (w *walkWorld) seed(t *testing.T) {
	t.Helper()
	for _, path := range slices.Sorted(maps.Keys(w.doc.Paths.Map())) {
		op := w.doc.Paths.Value(path).Post
		if op == nil || strings.Contains(path, "{") || op.RequestBody == nil || op.RequestBody.Value == nil {
			continue
		}
		mt := op.RequestBody.Value.Content.Get("application/json")
		if mt == nil || mt.Example == nil {
			continue
		}
		example, err := json.Marshal(mt.Example)
		require.NoError(t, err)
		for _, token := range []string{w.tokenA, w.tokenB} {
			status, _, body := w.send(t, http.MethodPost, path, token, "", string(example))
			if status >= 300 {
				w.seeded = append(w.seeded, walkViolation{"POST " + path, ruleSeed,
					fmt.Sprintf("the documented example answered %d, so the walk has no row of this route's tenant: %s", status, body)})
			}
		}
		w.seeded = append(w.seeded, w.answers...)
		w.answers = nil
	}
}

// drain waits until no job is waiting, scheduled or running: what requests enqueued has happened
// before anything is judged.
func (w *walkWorld) drain(t *testing.T) *walkViolation {
	t.Helper()
	const pending = `SELECT kind || ' ' || state FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := w.strings(t, pending)
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return &walkViolation{"jobs", ruleDrained, fmt.Sprintf("still not done after 30s: %v", left)}
		}
		time.Sleep(50 * time.Millisecond)
	}
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
		out := w.rowValues(t, tenantID)
		for _, v := range w.strings(t, "SELECT unnest(ARRAY[id::text, slug, name]) FROM tenants WHERE id = $1", tenantID) {
			out[v] = true
		}
		return out
	}
	ofA, ofB := values(w.a.ID), values(w.b.ID)
	for _, s := range w.secretsOfB {
		ofB[s] = true
	}
	return onlyIn(ofB, ofA)
}

// tenantData is every value of either tenant's rows in the tenant-scoped tables that the other
// tenant does not hold as well: what no caller without a token may ever see. The tenants' own
// rows (slug, name) are not in it: naming a tenant is what a public route like GET /tenant does.
func (w *walkWorld) tenantData(t *testing.T) []string {
	t.Helper()
	ofA, ofB := w.rowValues(t, w.a.ID), w.rowValues(t, w.b.ID)
	for _, id := range []string{w.a.ID, w.b.ID} {
		delete(ofA, id)
		delete(ofB, id)
	}
	return append(onlyIn(ofA, ofB), onlyIn(ofB, ofA)...)
}

// onlyIn lists the values of a, at least 4 characters long, that b does not hold: a value both
// hold (the same email in both tenants) identifies neither.
func onlyIn(a, b map[string]bool) []string {
	var out []string
	for v := range a {
		if !b[v] && len(v) >= 4 {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// rowValues are the uuid and text values of tenantID's rows in every tenant-scoped table.
func (w *walkWorld) rowValues(t *testing.T, tenantID string) map[string]bool {
	t.Helper()
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

// request fills a route's request: value in the slot under attack; path parameters not under
// attack name nothing; body properties not under attack get a neutral word.
func (w *walkWorld) request(r httpapi.RouteInfo, slots []slot, attack slot, value string) (path, header, body string) {
	path = routeParam.ReplaceAllStringFunc(r.Path, func(m string) string {
		if attack.in == "path" && m[1:] == attack.name {
			return url.PathEscape(value)
		}
		return nowhere
	})
	if attack.in == "query" {
		path += "?" + url.Values{attack.name: {value}}.Encode()
	}
	if attack.in == "header" {
		header = attack.name + ": " + value
	}
	if slices.ContainsFunc(slots, func(s slot) bool { return s.in == "body" }) {
		obj := map[string]string{}
		for _, s := range slots {
			if s.in == "body" {
				obj[s.name] = "placeholder"
			}
		}
		if attack.in == "body" {
			obj[attack.name] = value
		}
		b, _ := json.Marshal(obj)
		body = string(b)
	}
	return path, header, body
}

// send makes one call; token and header may be empty. A body is sent as JSON. An answer of
// tenant B (warming) or of a seed is held to the document: it is what the owner of the data sees.
func (w *walkWorld) send(t *testing.T, method, path, token, header, body string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, w.s.base+path, rd)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if name, value, ok := strings.Cut(header, ": "); ok {
		req.Header.Set(name, value)
	}
	res, err := w.s.client.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if token == w.tokenB || (method == http.MethodPost && res.StatusCode < 300) {
		if err := w.contract.mismatch(req, res.StatusCode, res.Header, b); err != nil {
			w.answers = append(w.answers, walkViolation{method + " " + path, ruleAnswer,
				fmt.Sprintf("the %d answer does not match the OpenAPI document: %v", res.StatusCode, err)})
		}
	}
	return res.StatusCode, res.Header, b
}

// call sends the route's request as tenant A with value in the slot under attack.
func (w *walkWorld) call(t *testing.T, r httpapi.RouteInfo, slots []slot, attack slot, value string) (int, http.Header, []byte) {
	t.Helper()
	path, header, body := w.request(r, slots, attack, value)
	return w.send(t, r.Method, path, w.tokenA, header, body)
}

// fuzzed are the slots of query parameters the operation does not document, each with the
// values of B it is tried with.
func fuzzed(slots []slot, ofBTenant, ofBRows []string) map[slot][]string {
	out := map[slot][]string{}
	documented := func(name string) bool {
		return slices.ContainsFunc(slots, func(s slot) bool { return s.in == "query" && s.name == name })
	}
	for _, name := range tenantQuery {
		if !documented(name) {
			out[slot{"query", name}] = ofBTenant
		}
	}
	for _, name := range rowQuery {
		if !documented(name) {
			out[slot{"query", name}] = ofBRows
		}
	}
	return out
}

var uuidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// warm calls every tenant GET as B, the owner of the identifiers, with each of B's row IDs in its
// path parameters: whatever a handler caches, B's entries are in it before A comes.
func (w *walkWorld) warm(t *testing.T, routes []httpapi.RouteInfo, ofBRows []string) int {
	t.Helper()
	calls := 0
	for _, r := range routes {
		if r.Method != http.MethodGet || r.Access == httpapi.AccessPublic {
			continue
		}
		params := routeParam.FindAllStringSubmatch(r.Path, -1)
		if len(params) == 0 {
			w.send(t, r.Method, r.Path, w.tokenB, "", "")
			calls++
			continue
		}
		for _, id := range ofBRows {
			path := routeParam.ReplaceAllString(r.Path, id)
			w.send(t, r.Method, path, w.tokenB, "", "")
			calls++
		}
	}
	return calls
}

// walk calls every tenant route with every identifier of B in every slot and returns what broke.
func (w *walkWorld) walk(t *testing.T) []walkViolation {
	t.Helper()
	before := w.snapshot(t)
	out := slices.Clone(w.seeded)
	for table, rows := range before {
		if len(rows) == 0 {
			out = append(out, walkViolation{table, ruleCoverage, "tenant B has no row here, so no route is tried with B's identifiers of it: " +
				"document an example on the feature's create operation (its route-walk seed)"})
		}
	}
	ofB := w.identifiersOfB(t)
	require.NotEmpty(t, ofB)
	data := w.tenantData(t)
	var ofBRows []string
	for _, v := range ofB {
		if uuidShape.MatchString(v) && v != w.b.ID {
			ofBRows = append(ofBRows, v)
		}
	}
	ofBTenant := []string{w.b.ID, w.b.Slug}
	// Reads first: a write that wrongly reaches B's rows must not hide a read that leaks them.
	routes := w.s.server.Routes()
	slices.SortStableFunc(routes, func(x, y httpapi.RouteInfo) int {
		return compareBool(x.Method != http.MethodGet, y.Method != http.MethodGet)
	})
	warmed := w.warm(t, routes, ofBRows)
	out = append(out, w.answers...)
	w.answers = nil
	walked := 0
	for _, r := range routes {
		if r.Access == httpapi.AccessPublic || r.Method == http.MethodHead {
			continue // no tenant to cross; HEAD runs the GET handler
		}
		op, slots := w.operation(r)
		name := r.Method + " " + r.Path
		if op == nil {
			out = append(out, walkViolation{name, ruleDescription, "the OpenAPI document does not describe the route, so its query and body parameters go untried"})
		}
		tries := map[slot][]string{}
		for _, s := range slots {
			tries[s] = ofB
		}
		maps.Copy(tries, fuzzed(slots, ofBTenant, ofBRows))
		for _, s := range slices.SortedFunc(maps.Keys(tries), func(x, y slot) int { return strings.Compare(x.in+x.name, y.in+y.name) }) {
			for _, v := range tries[s] {
				status, header, body := w.call(t, r, slots, s, v)
				walked++
				where := fmt.Sprintf("%s with B's %q in %s parameter %s", name, v, s.in, s.name)
				out = append(out, checkWalkAnswer(where, op, s, status, header, body, v, ofB)...)
			}
		}
	}
	if v := w.drain(t); v != nil {
		out = append(out, *v)
	}
	after := w.snapshot(t)
	for table, rows := range before {
		if !slices.Equal(rows, after[table]) {
			out = append(out, walkViolation{table, ruleNoWrite, "tenant B's rows changed while only tenant A called"})
		}
	}
	out = append(out, w.walkPublic(t, routes, data, ofBRows)...)
	for _, r := range w.s.server.RoutesAroundBuilder() {
		out = append(out, walkViolation{r, ruleBuilder, "the built server answers this route, but it did not come through the route builder, " +
			"so nothing gave it tenant resolution and authentication"})
	}
	t.Logf("route walk: %d warming calls as tenant B, %d calls as tenant A with %d identifiers of tenant B", warmed, walked, len(ofB))
	return out
}

// walkPublic calls every route open without a token, with no tenant and with B named, and B's
// IDs in its path parameters: no answer may carry data of either tenant's rows.
func (w *walkWorld) walkPublic(t *testing.T, routes []httpapi.RouteInfo, data, ofBRows []string) []walkViolation {
	t.Helper()
	var out []walkViolation
	for _, r := range routes {
		if r.Access == httpapi.AccessAuthenticated || r.Method == http.MethodHead {
			continue
		}
		_, slots := w.operation(r)
		type try struct {
			s slot
			v string
		}
		// Once as is; a route with path parameters also with each of B's IDs in each.
		tries := []try{{slot{}, nowhere}}
		for _, s := range slots {
			if s.in != "path" {
				continue
			}
			for _, v := range ofBRows {
				tries = append(tries, try{s, v})
			}
		}
		for _, tenantHeader := range []string{"", "X-Tenant-ID: " + w.b.Slug} {
			for _, tr := range tries {
				path, header, body := w.request(r, slots, tr.s, tr.v)
				status, resHeader, resBody := w.send(t, r.Method, path, "", cmp.Or(header, tenantHeader), body)
				text := string(resBody)
				for name, vs := range resHeader {
					text += "\n" + name + ": " + strings.Join(vs, ", ")
				}
				for _, d := range data {
					if d != tr.v && strings.Contains(text, d) {
						out = append(out, walkViolation{fmt.Sprintf("%s %s without a token (%s)", r.Method, r.Path, cmp.Or(tenantHeader, "no tenant")), rulePublic,
							fmt.Sprintf("the answer (%d) carries tenant data %q", status, d)})
					}
				}
			}
		}
	}
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

// checkWalkAnswer judges one answer to A. What A sent is left out of the leak check: an answer
// that repeats it (a name A chose) shows nothing of B that A did not have.
func checkWalkAnswer(where string, op *openapi3.Operation, s slot, status int, header http.Header, body []byte, sent string, ofB []string) []walkViolation {
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
		if !strings.Contains(sent, v) && strings.Contains(text, v) {
			add(ruleNoLeak, "the answer (%d) carries tenant B's %q", status, v)
		}
	}
	return out
}

// TestRouteWalkIsolation walks every tenant route the server registers.
func TestRouteWalkIsolation(t *testing.T) {
	s := startServiceWith(t, nil)
	w := newWalkWorld(t, s, serviceDocument(t, s))
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
