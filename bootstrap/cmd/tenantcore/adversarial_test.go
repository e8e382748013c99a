package main

// The adversarial isolation suite: two tenants, acme and globex, with the same email address in
// both, an inactive tenant (dormant) and a tenant deactivated while its tokens live (kinetic).
// Every case attacks the boundary between them over HTTP against the real binary and asserts
// the exact outcome, and that the answer carries nothing of a tenant the caller was not granted.

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

const (
	sharedEmail  = "ada@shared.test" // exists in acme and in globex, with different passwords
	acmePassword = "acme password 123"
	globexPass   = "globex password 456"
	issuer       = "tenantcore"     // default JWT_ISSUER
	audience     = "tenantcore-api" // default JWT_AUDIENCE
	problemType  = "application/problem+json"
)

type userFixture struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Email    string `json:"email"`
}

type tenantFixture struct {
	ID    string `json:"id"`
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	users []userFixture
}

// world is the fixture every case runs against.
type world struct {
	srv *server
	db  pgtest.Database

	acme, globex, dormant, kinetic *tenantFixture
	tenants                        []*tenantFixture

	adaA, carolA, daveA userFixture // acme
	adaG, bobG          userFixture // globex
	sleepy, peter       userFixture // dormant, kinetic

	k1 ed25519.PrivateKey

	tokA, tokG, tokK string // issued by the server; tokK before kinetic was deactivated
	acmeCursor       string // next_cursor of acme's first page of one user
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{db: pgtest.New(t)}

	keys := filepath.Join(t.TempDir(), "keys")
	cli(t, w.db, "", "jwt", "keygen", "--dir", keys, "--kid", "k1")
	w.k1 = readPrivateKey(t, filepath.Join(keys, "k1.pem"))

	w.acme = w.createTenant(t, "acme", "Acme Corp")
	w.globex = w.createTenant(t, "globex", "Globex Corporation")
	w.dormant = w.createTenant(t, "dormant", "Dormant Ltd")
	w.kinetic = w.createTenant(t, "kinetic", "Kinetic Inc")
	w.tenants = []*tenantFixture{w.acme, w.globex, w.dormant, w.kinetic}

	// Created in this order so that acme's listing is ada, carol, dave (UUIDv7 order).
	w.adaA = w.createUser(t, w.acme, sharedEmail, acmePassword)
	w.carolA = w.createUser(t, w.acme, "carol@acme.test", "acme password 456")
	w.daveA = w.createUser(t, w.acme, "dave@acme.test", "acme password 789")
	w.adaG = w.createUser(t, w.globex, sharedEmail, globexPass)
	w.bobG = w.createUser(t, w.globex, "bob@globex.test", "globex password 789")
	w.sleepy = w.createUser(t, w.dormant, "sleepy@dormant.test", "dormant password 1")
	w.peter = w.createUser(t, w.kinetic, "peter@kinetic.test", "kinetic password 1")
	cli(t, w.db, "", "tenant", "deactivate", "--slug", "dormant")

	w.srv = serve(t, w.db, map[string]string{
		"TENANT_BASE_DOMAIN": "example.com",
		"JWT_KEYS_DIR":       keys,
		"JWT_ACTIVE_KID":     "k1",
	})

	w.tokA = w.login(t, "acme", sharedEmail, acmePassword)
	w.tokG = w.login(t, "globex", sharedEmail, globexPass)
	w.tokK = w.login(t, "kinetic", "peter@kinetic.test", "kinetic password 1")

	r := w.srv.do(t, request{target: "/api/v1/users?limit=1", headers: []string{bearer(w.tokA)}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var page struct {
		Items []userFixture `json:"items"`
		Next  *string       `json:"next_cursor"`
	}
	require.NoError(t, json.Unmarshal(r.body, &page))
	require.Len(t, page.Items, 1)
	require.Equal(t, w.adaA.ID, page.Items[0].ID)
	require.NotNil(t, page.Next)
	w.acmeCursor = *page.Next

	// Kinetic is deactivated while its token lives; the change feed must reach the running
	// server's cache (the cache TTL alone would take 30s).
	cli(t, w.db, "", "tenant", "deactivate", "--slug", "kinetic")
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := w.srv.do(t, request{target: "/api/v1/tenant", headers: []string{"X-Tenant-ID: kinetic"}})
		if r.status == http.StatusForbidden {
			break
		}
		require.True(t, time.Now().Before(deadline), "kinetic still served 5s after deactivation: %d %s", r.status, r.body)
		time.Sleep(20 * time.Millisecond)
	}
	return w
}

func (w *world) createTenant(t *testing.T, slug, name string) *tenantFixture {
	t.Helper()
	var f tenantFixture
	require.NoError(t, json.Unmarshal(cli(t, w.db, "", "tenant", "create", "--slug", slug, "--name", name), &f))
	require.Equal(t, slug, f.Slug)
	return &f
}

func (w *world) createUser(t *testing.T, tf *tenantFixture, email, password string) userFixture {
	t.Helper()
	var u userFixture
	out := cli(t, w.db, password+"\n", "user", "create", "--tenant", tf.Slug, "--email", email, "--password-stdin")
	require.NoError(t, json.Unmarshal(out, &u))
	require.Equal(t, tf.ID, u.TenantID)
	tf.users = append(tf.users, u)
	return u
}

func (w *world) login(t *testing.T, slug, email, password string) string {
	t.Helper()
	r := w.srv.do(t, loginRequest(email, password, "X-Tenant-ID: "+slug))
	require.Equal(t, http.StatusOK, r.status, "login %s in %s: %s", email, slug, r.body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal(r.body, &tok))
	require.NotEmpty(t, tok.AccessToken)
	return tok.AccessToken
}

func readPrivateKey(t *testing.T, path string) ed25519.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	block, _ := pem.Decode(data)
	require.NotNil(t, block)
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	priv, ok := key.(ed25519.PrivateKey)
	require.True(t, ok, "k1 is %T", key)
	return priv
}

// claims are valid claims for sub in tid, as the server issues them.
func claims(sub, tid string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": issuer, "aud": audience, "sub": sub, "tid": tid,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		"jti": uuid.NewString(),
	}
}

// with returns a copy of c with the given claims replaced (a nil value removes the claim).
func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		name, _ := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, name)
			continue
		}
		out[name] = kv[i+1]
	}
	return out
}

// forge signs c with key under method; header entries are set (a nil value removes one). The
// kid is k1 unless the header says otherwise.
func forge(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	tok.Header["kid"] = "k1"
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
			continue
		}
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// cursorOf builds a pagination cursor as the server does: tenant ID then last key, base64url.
func cursorOf(tenantID, lastKey string) string {
	tid, last := uuid.MustParse(tenantID), uuid.MustParse(lastKey)
	var b [32]byte
	copy(b[:16], tid[:])
	copy(b[16:], last[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func bearer(tok string) string { return "Authorization: Bearer " + tok }
func xtid(v string) string     { return "X-Tenant-ID: " + v }
func host(v string) string     { return "Host: " + v }

func get(target string, headers ...string) request {
	return request{target: target, headers: headers}
}

func call(method, target string, headers ...string) request {
	return request{method: method, target: target, headers: headers}
}

func loginRequest(email, password string, headers ...string) request {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return loginRaw(string(body), append([]string{"Content-Type: application/json"}, headers...)...)
}

func loginRaw(body string, headers ...string) request {
	return request{method: http.MethodPost, target: "/api/v1/auth/token", headers: headers, body: body}
}

// expect is the outcome a case must produce.
type expect struct {
	status int
	// code is the problem code of an error answer; empty for a success.
	code string
	// sees is the slug of the only tenant whose data may appear in the answer; empty: none.
	sees string
	// contains are substrings the body must hold (positive controls).
	contains []string
	// contentType of a success; application/json when empty.
	contentType string
	// extra runs further checks.
	extra func(t *testing.T, r response)
}

func ok(sees string, contains ...string) expect {
	return expect{status: http.StatusOK, sees: sees, contains: contains}
}

func problem(status int, code string) expect { return expect{status: status, code: code} }

type tcase struct {
	name string
	req  request
	want expect
}

// forbidden lists what must not appear in an answer that may show only sees's data: every other
// tenant's ID (both spellings), slug, name, user IDs and the emails only its users have.
func (w *world) forbidden(sees string) []string {
	var out []string
	for _, tf := range w.tenants {
		if tf.Slug == sees {
			continue
		}
		out = append(out, tf.ID, strings.ReplaceAll(tf.ID, "-", ""), tf.Slug, strings.ToLower(tf.Name))
		for _, u := range tf.users {
			out = append(out, u.ID, strings.ReplaceAll(u.ID, "-", ""))
			if u.Email != sharedEmail {
				out = append(out, u.Email)
			}
		}
	}
	return out
}

func (w *world) tenantBySlug(slug string) *tenantFixture {
	for _, tf := range w.tenants {
		if tf.Slug == slug {
			return tf
		}
	}
	return nil
}

// jwtShape matches a compact JWS: three base64url segments.
var jwtShape = regexp.MustCompile(`[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`)

// check asserts every invariant of one exchange.
func (w *world) check(t *testing.T, c tcase, r response) {
	t.Helper()
	body := string(r.body)
	ctx := fmt.Sprintf("request: %s\nstatus: %d\nheaders: %v\nbody: %s", c.req, r.status, r.header, body)

	// Invariants of every answer.
	assert.NotEqual(t, http.StatusInternalServerError, r.status, ctx)
	assert.Less(t, r.status, 500, ctx)
	// A token is base64url over random bytes: "pGx" turns up in about one in a hundred.
	lower := strings.ToLower(jwtShape.ReplaceAllString(body, "<token>"))
	for _, bad := range []string{"panic", "goroutine", "pgx", "sqlstate", "runtime/", ".go:"} {
		assert.NotContains(t, lower, bad, ctx)
	}

	assert.Equal(t, c.want.status, r.status, ctx)
	method := c.req.methodOrGet()
	switch {
	case c.want.code != "":
		checkProblem(t, c, r, ctx)
	case method == http.MethodHead || r.status == http.StatusNoContent:
		assert.Empty(t, body, ctx)
	default:
		want := c.want.contentType
		if want == "" {
			want = "application/json"
		}
		assert.Equal(t, want, r.header.Get("Content-Type"), ctx)
		w.checkOwnership(t, c, r, ctx)
	}
	for _, s := range c.want.contains {
		assert.Contains(t, body, s, ctx)
	}

	// Nothing of a tenant the caller was not granted, in the body or in any header. An issued
	// token is random base64 that could spell a slug by chance: its claims are checked instead.
	scan := lower
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(r.body, &tok) == nil && tok.AccessToken != "" {
		scan = strings.ReplaceAll(scan, strings.ToLower(tok.AccessToken), "<token>")
		w.checkIssuedToken(t, c, tok.AccessToken, ctx)
	}
	var headerText strings.Builder
	for name, values := range r.header {
		fmt.Fprintf(&headerText, "%s: %s\n", name, strings.Join(values, ", "))
	}
	headers := strings.ToLower(headerText.String())
	for _, f := range w.forbidden(c.want.sees) {
		f = strings.ToLower(f)
		assert.NotContains(t, scan, f, "leak of %q\n%s", f, ctx)
		assert.NotContains(t, headers, f, "leak of %q in a header\n%s", f, ctx)
	}
	if c.want.extra != nil {
		c.want.extra(t, r)
	}
}

func checkProblem(t *testing.T, c tcase, r response, ctx string) {
	t.Helper()
	assert.Equal(t, problemType, r.header.Get("Content-Type"), ctx)
	requestID := r.header.Get("X-Request-ID")
	assert.NotEmpty(t, requestID, ctx)
	switch r.status {
	case http.StatusUnauthorized:
		assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer", ctx)
	case http.StatusMethodNotAllowed:
		assert.NotEmpty(t, r.header.Get("Allow"), ctx)
	}
	if c.req.methodOrGet() == http.MethodHead {
		assert.Empty(t, r.body, ctx)
		return
	}
	var p struct {
		Type      string `json:"type"`
		Title     string `json:"title"`
		Status    int    `json:"status"`
		Detail    string `json:"detail"`
		Instance  string `json:"instance"`
		Code      string `json:"code"`
		RequestID string `json:"request_id"`
	}
	if !assert.NoError(t, json.Unmarshal(r.body, &p), ctx) {
		return
	}
	assert.Equal(t, c.want.code, p.Code, ctx)
	assert.Equal(t, "urn:tenantcore:problem:"+c.want.code, p.Type, ctx)
	assert.Equal(t, r.status, p.Status, ctx)
	if text := http.StatusText(r.status); text != "" {
		assert.Equal(t, text, p.Title, ctx)
	} else {
		assert.NotEmpty(t, p.Title, ctx) // 499 has no standard reason phrase
	}
	assert.NotEmpty(t, p.Detail, ctx)
	assert.Equal(t, requestID, p.RequestID, ctx)
	assert.Equal(t, "urn:tenantcore:request:"+requestID, p.Instance, ctx)
}

// checkOwnership requires every tenant_id in a success body, and the id of a tenant body, to be
// the tenant the case may see.
func (w *world) checkOwnership(t *testing.T, c tcase, r response, ctx string) {
	t.Helper()
	var doc any
	if !assert.NoError(t, json.Unmarshal(r.body, &doc), ctx) {
		return
	}
	owner := w.tenantBySlug(c.want.sees)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if tid, found := v["tenant_id"]; found {
				if assert.NotNil(t, owner, "a tenant's data in an answer that may show none\n%s", ctx) {
					assert.Equal(t, owner.ID, tid, ctx)
				}
			}
			if slug, found := v["slug"]; found {
				if assert.NotNil(t, owner, "a tenant in an answer that may show none\n%s", ctx) {
					assert.Equal(t, owner.Slug, slug, ctx)
					assert.Equal(t, owner.ID, v["id"], ctx)
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
}

// checkIssuedToken requires a token the server issued to name the tenant the case may see.
func (w *world) checkIssuedToken(t *testing.T, c tcase, raw, ctx string) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if !assert.Len(t, parts, 3, ctx) {
		return
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if !assert.NoError(t, err, ctx) {
		return
	}
	var cl struct {
		Sub string `json:"sub"`
		Tid string `json:"tid"`
	}
	if !assert.NoError(t, json.Unmarshal(payload, &cl), ctx) {
		return
	}
	owner := w.tenantBySlug(c.want.sees)
	if assert.NotNil(t, owner, "a token in an answer that may show no tenant\n%s", ctx) {
		assert.Equal(t, owner.ID, cl.Tid, ctx)
		var ownUser bool
		for _, u := range owner.users {
			ownUser = ownUser || u.ID == cl.Sub
		}
		assert.True(t, ownUser, "token subject %s is not a user of %s\n%s", cl.Sub, owner.Slug, ctx)
	}
}

func TestAdversarialIsolation(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against PostgreSQL")
	}
	w := newWorld(t)
	cases := w.cases(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w.check(t, c, w.srv.do(t, c.req))
		})
	}
	t.Logf("%d adversarial isolation cases (+1 half-close scenario of 20 requests, below) against %s", len(cases), binPath)

	// Whatever the answers said, the server must not have logged an error or a panic: with
	// LOG_LEVEL=warn every 5xx would be an error line.
	time.Sleep(200 * time.Millisecond) // the last access-log lines cross a pipe
	logs := w.srv.logs.String()
	assert.NotContains(t, logs, `"level":"error"`, "server logs:\n%s", logs)
	assert.NotContains(t, strings.ToLower(logs), "panic", "server logs:\n%s", logs)

	t.Run("client half-close is not a server error", func(t *testing.T) {
		w.halfClose(t)
	})
}

// halfClose sends requests that need a database lookup and then shuts down the write side of
// the connection, as `printf ... | nc` and many HTTP/1.0-era clients do. net/http reads the FIN
// as a client disconnect and cancels the request's context; a lookup still running then fails
// with context.Canceled. That is no server failure: the answer is the lookup's own (404
// tenant.not_found) when it won the race, else 499 request.canceled, never a 500
// server.internal, and the server logs no error a client could trigger at will. Which one wins
// is timing (about one request in two), hence several requests.
func (w *world) halfClose(t *testing.T) {
	before := len(w.srv.logs.String())
	canceled := 0
	for range 20 {
		slug := "nobody-" + strings.ToLower(rand.Text()[:10]) // uncached: resolution reads the database
		req := get("/api/v1/tenant", xtid(slug))
		r := w.sendHalfClosed(t, req)
		var want expect
		switch r.status {
		case http.StatusNotFound:
			want = problem(http.StatusNotFound, "tenant.not_found")
		default:
			want = problem(499, "request.canceled")
			canceled++
		}
		w.check(t, tcase{name: "half-close", req: req, want: want}, r)
	}
	t.Logf("half-close: %d of 20 lookups were canceled by the client's FIN", canceled)
	time.Sleep(300 * time.Millisecond)
	logs := w.srv.logs.String()[before:]
	assert.NotContains(t, logs, `"level":"error"`, "a client's half-close was logged as a server error:\n%s", logs)
}

func (w *world) sendHalfClosed(t *testing.T, req request) response {
	t.Helper()
	conn, err := dialTCP(w.srv.addr)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = conn.Write(w.srv.wire(req))
	require.NoError(t, err)
	require.NoError(t, conn.CloseWrite())
	r, err := readResponse(conn, http.MethodGet)
	require.NoError(t, err)
	return r
}

// cases is the table. Every case names the attack; its expectation is the correct behaviour.
func (w *world) cases(t *testing.T) []tcase {
	t.Helper()
	acme, globex := w.acme, w.globex
	tokA, tokG, tokK := w.tokA, w.tokG, w.tokK
	pub, _ := w.k1.Public().(ed25519.PublicKey)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	otherPub, _ := otherKey.Public().(ed25519.PublicKey)

	valid := claims(w.adaA.ID, acme.ID)
	eddsa := jwt.SigningMethodEdDSA
	forgedOK := forge(t, eddsa, w.k1, nil, valid)
	hour := time.Hour

	// An issued acme token with its tid rewritten to globex and the signature kept.
	parts := strings.Split(tokA, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	tampered := parts[0] + "." +
		base64.RawURLEncoding.EncodeToString([]byte(strings.ReplaceAll(string(payload), acme.ID, globex.ID))) +
		"." + parts[2]

	// Cursors: the real one of acme, and forgeries.
	cur := w.acmeCursor
	curBytes, err := base64.RawURLEncoding.DecodeString(cur)
	require.NoError(t, err)
	flipped := append([]byte(nil), curBytes...)
	flipped[3] ^= 0x01
	curFlippedTenant := base64.RawURLEncoding.EncodeToString(flipped)
	curStdPadded := url.QueryEscape(base64.StdEncoding.EncodeToString(curBytes))
	curGlobexOwned := cursorOf(globex.ID, w.adaA.ID)
	curAcmeOwnedGlobexKey := cursorOf(acme.ID, w.bobG.ID)

	noAcme := func(t *testing.T, r response) {
		assert.NotContains(t, string(r.body), w.adaA.ID)
	}
	bigHeader := strings.Repeat("a", 1<<20)

	return []tcase{
		// ---- Identifier spoofing in the tenant header. ----
		{"header: control", get("/api/v1/tenant", xtid("acme")), ok("acme", acme.ID)},
		{"header: sent twice, same value", get("/api/v1/tenant", xtid("acme"), xtid("acme")), problem(400, "tenant.invalid")},
		{"header: sent twice, two tenants", get("/api/v1/tenant", xtid("acme"), xtid("globex")), problem(400, "tenant.invalid")},
		{"header: sent twice under different name cases", get("/api/v1/tenant", "X-TENANT-ID: acme", "x-tenant-id: globex"), problem(400, "tenant.invalid")},
		{"header: comma list", get("/api/v1/tenant", xtid("acme,globex")), problem(400, "tenant.invalid")},
		{"header: comma list with space", get("/api/v1/tenant", xtid("acme, globex")), problem(400, "tenant.invalid")},
		{"header: upper case value", get("/api/v1/tenant", xtid("ACME")), ok("acme", acme.ID)},
		{"header: mixed case value", get("/api/v1/tenant", xtid("AcMe")), ok("acme", acme.ID)},
		{"header: lower-case header name", get("/api/v1/tenant", "x-tenant-id: acme"), ok("acme", acme.ID)},
		{"header: underscore name variant is not the tenant header", get("/api/v1/users", bearer(tokA), "X_Tenant_ID: globex"), ok("acme", w.adaA.ID)},
		{"header: space inside", get("/api/v1/tenant", xtid("ac me")), problem(400, "tenant.invalid")},
		{"header: leading and trailing spaces are OWS", get("/api/v1/tenant", "X-Tenant-ID:    acme   "), ok("acme", acme.ID)},
		{"header: trailing tab is OWS", get("/api/v1/tenant", "X-Tenant-ID: acme\t"), ok("acme", acme.ID)},
		{"header: tab inside", get("/api/v1/tenant", "X-Tenant-ID: ac\tme"), problem(400, "tenant.invalid")},
		{"header: empty value", get("/api/v1/tenant", "X-Tenant-ID:"), problem(400, "tenant.invalid")},
		{"header: percent-encoded letter", get("/api/v1/tenant", xtid("ac%6De")), problem(400, "tenant.invalid")},
		{"header: SOH control byte", get("/api/v1/tenant", "X-Tenant-ID: ac\x01me"), problem(400, "request.malformed")},
		{"header: NUL byte", get("/api/v1/tenant", "X-Tenant-ID: acme\x00"), problem(400, "request.malformed")},
		{"header: DEL byte", get("/api/v1/tenant", "X-Tenant-ID: ac\x7fme"), problem(400, "request.malformed")},
		{"header: cyrillic a", get("/api/v1/tenant", xtid("\u0430cme")), problem(400, "tenant.invalid")},
		{"header: fullwidth letters", get("/api/v1/tenant", xtid("\uff41\uff43\uff4d\uff45")), problem(400, "tenant.invalid")},
		{"header: kelvin sign for k (not the inactive kinetic)", get("/api/v1/tenant", xtid("\u212Ainetic")), problem(400, "tenant.invalid")},
		{"header: combining accent", get("/api/v1/tenant", xtid("acme\u0301")), problem(400, "tenant.invalid")},
		{"header: invalid UTF-8", get("/api/v1/tenant", xtid("ac\xffme")), problem(400, "tenant.invalid")},
		{"header: punycode label", get("/api/v1/tenant", xtid("xn--80ak6aa92e")), problem(400, "tenant.invalid")},
		{"header: reserved slug", get("/api/v1/tenant", xtid("admin")), problem(400, "tenant.invalid")},
		{"header: 10 KB value", get("/api/v1/tenant", xtid(strings.Repeat("a", 10<<10))), problem(400, "tenant.invalid")},
		{"header: 1 MB value exceeds the header limit", get("/api/v1/tenant", xtid(bigHeader)), problem(431, "request.headers_too_large")},
		{"header: SQL injection", get("/api/v1/tenant", xtid("acme' OR 1=1--")), problem(400, "tenant.invalid")},
		{"header: SQL statement", get("/api/v1/tenant", xtid("acme; DROP TABLE tenants")), problem(400, "tenant.invalid")},
		{"header: path traversal", get("/api/v1/tenant", xtid("../globex")), problem(400, "tenant.invalid")},
		{"header: deep path traversal", get("/api/v1/tenant", xtid("../../etc/passwd")), problem(400, "tenant.invalid")},
		{"header: nil UUID", get("/api/v1/tenant", xtid(uuid.Nil.String())), problem(400, "tenant.invalid")},
		{"header: UUID in braces", get("/api/v1/tenant", xtid("{"+globex.ID+"}")), problem(400, "tenant.invalid")},
		{"header: UUID as urn", get("/api/v1/tenant", xtid("urn:uuid:"+globex.ID)), problem(400, "tenant.invalid")},
		{"header: UUID without dashes is a slug nobody has", get("/api/v1/tenant", xtid(strings.ReplaceAll(globex.ID, "-", ""))), problem(404, "tenant.not_found")},
		{"header: UUID in upper case", get("/api/v1/tenant", xtid(strings.ToUpper(acme.ID))), ok("acme", acme.ID)},
		{"header: UUID with padding", get("/api/v1/tenant", "X-Tenant-ID:  "+acme.ID+" "), ok("acme", acme.ID)},
		{"header: unknown slug", get("/api/v1/tenant", xtid("nobody")), problem(404, "tenant.not_found")},
		{"header: unknown UUID", get("/api/v1/tenant", xtid(uuid.NewString())), problem(404, "tenant.not_found")},
		{"header: inactive tenant", get("/api/v1/tenant", xtid("dormant")), problem(403, "tenant.inactive")},
		{"header: inactive tenant by UUID", get("/api/v1/tenant", xtid(w.dormant.ID)), problem(403, "tenant.inactive")},
		{"header: obs-fold continuation is one value", get("/api/v1/tenant", "X-Tenant-ID: acme\r\n globex"), problem(400, "tenant.invalid")},
		{"header: obs-fold cannot smuggle a second header", get("/api/v1/tenant", bearer(tokA), "X-Tenant-ID: acme\r\n X-Tenant-ID: globex"), problem(400, "tenant.invalid")},
		{"header: all three strategies agree (control)", get("/t/acme/api/v1/tenant", xtid(acme.ID), host("acme.example.com")), ok("acme", acme.ID)},

		// ---- Hosts (subdomain strategy, base domain example.com). ----
		{"host: control", get("/api/v1/tenant", host("acme.example.com")), ok("acme", acme.ID)},
		{"host: other tenant's subdomain with acme header", get("/api/v1/tenant", host("globex.example.com"), xtid("acme")), problem(400, "tenant.ambiguous")},
		{"host: other tenant's subdomain with acme token", get("/api/v1/me", host("globex.example.com"), bearer(tokA)), problem(403, "tenant.mismatch")},
		{"host: empty label", get("/api/v1/tenant", host("acme..example.com")), problem(400, "tenant.invalid")},
		{"host: only a dot before the base domain", get("/api/v1/tenant", host(".example.com")), problem(400, "tenant.invalid")},
		{"host: nested label", get("/api/v1/tenant", host("a.acme.example.com")), problem(400, "tenant.invalid")},
		{"host: nested other tenant", get("/api/v1/tenant", host("globex.acme.example.com"), bearer(tokA)), problem(400, "tenant.invalid")},
		{"host: upper case with trailing dot", get("/api/v1/tenant", host("ACME.EXAMPLE.COM.")), ok("acme", acme.ID)},
		{"host: upper case with trailing dot and port", get("/api/v1/tenant", host("ACME.EXAMPLE.COM.:8080")), ok("acme", acme.ID)},
		{"host: punycode label", get("/api/v1/tenant", host("xn--80ak6aa92e.example.com")), problem(400, "tenant.invalid")},
		{"host: raw unicode look-alike", get("/api/v1/tenant", host("\u0430cme.example.com")), problem(400, "request.malformed")},
		{"host: userinfo smuggling", get("/api/v1/tenant", host("acme.example.com@globex.example.com")), problem(400, "request.malformed")},
		{"host: sent twice", get("/api/v1/tenant", host("acme.example.com"), host("globex.example.com")), problem(400, "request.malformed")},
		{"host: IPv4 literal names no tenant", get("/api/v1/tenant", host("127.0.0.1")), problem(400, "tenant.required")},
		{"host: IPv6 literal names no tenant", get("/api/v1/tenant", host("[::1]:8080")), problem(400, "tenant.required")},
		{"host: bare base domain", get("/api/v1/tenant", host("example.com")), problem(400, "tenant.required")},
		{"host: base domain as a prefix of another domain", get("/api/v1/tenant", host("acme.example.com.evil.test")), problem(400, "tenant.required")},
		{"host: base domain as a suffix of a label", get("/api/v1/tenant", host("acme.evilexample.com")), problem(400, "tenant.required")},
		{"host: X-Forwarded-Host from an untrusted peer is ignored", get("/api/v1/tenant", "X-Forwarded-Host: globex.example.com"), problem(400, "tenant.required")},
		{"host: X-Forwarded-Host cannot contradict the header", get("/api/v1/tenant", xtid("acme"), "X-Forwarded-Host: globex.example.com"), ok("acme", acme.ID)},
		{"host: X-Forwarded-Host cannot contradict the token", get("/api/v1/users", bearer(tokA), "X-Forwarded-Host: globex.example.com"), ok("acme", w.carolA.ID)},
		{"host: absolute-form target overrides Host (RFC 9112), token still binds", request{target: "http://globex.example.com/api/v1/me", headers: []string{host("acme.example.com"), bearer(tokA)}}, problem(403, "tenant.mismatch")},
		{"host: absolute-form target against the header", request{target: "http://globex.example.com/api/v1/tenant", headers: []string{host("acme.example.com"), xtid("acme")}}, problem(400, "tenant.ambiguous")},

		// ---- Paths (/t/{slug}/api/v1/...). ----
		{"path: control", get("/t/acme/api/v1/tenant"), ok("acme", acme.ID)},
		{"path: upper-case slug", get("/t/ACME/api/v1/tenant"), ok("acme", acme.ID)},
		{"path: percent-encoded unreserved letter is the same slug", get("/t/%61cme/api/v1/tenant"), ok("acme", acme.ID)},
		{"path: other tenant's path with acme token", get("/t/globex/api/v1/users", bearer(tokA)), problem(403, "tenant.mismatch")},
		{"path: other tenant's path to a user of it with acme token", get("/t/globex/api/v1/users/"+w.bobG.ID, bearer(tokA)), problem(403, "tenant.mismatch")},
		{"path: other tenant's path to /me with acme token", get("/t/globex/api/v1/me", bearer(tokA)), problem(403, "tenant.mismatch")},
		{"path: disagrees with the header", get("/t/globex/api/v1/tenant", xtid("acme")), problem(400, "tenant.ambiguous")},
		{"path: dot-dot slug", get("/t/../api/v1/tenant"), problem(400, "tenant.invalid")},
		{"path: percent-encoded dot-dot slug", get("/t/%2e%2e/api/v1/tenant"), problem(400, "tenant.invalid")},
		{"path: empty slug", get("/t//api/v1/tenant"), problem(400, "tenant.invalid")},
		{"path: double slash after the slug", get("/t/acme//api/v1/tenant"), problem(404, "route.not_found")},
		{"path: double slash at the root", get("//api/v1/tenant", xtid("acme")), problem(404, "route.not_found")},
		{"path: nested tenant paths", get("/t/acme/t/globex/api/v1/tenant"), problem(404, "route.not_found")},
		{"path: traversal out of the tenant prefix", get("/t/globex/../acme/api/v1/tenant", bearer(tokA)), problem(404, "route.not_found")},
		{"path: dot-dot in the API path is not cleaned", get("/api/v1/../api/v1/tenant", xtid("acme")), problem(404, "route.not_found")},
		{"path: dot segment in the API path is not cleaned", get("/api/v1/./tenant", xtid("acme")), problem(404, "route.not_found")},
		{"path: prefix is case-sensitive", get("/T/globex/api/v1/tenant", bearer(tokA)), problem(404, "route.not_found")},
		{"path: encoded slash is not a separator in the API path (as without /t/)", get("/t/acme/api%2Fv1/tenant"), problem(404, "route.not_found")},
		{"path: encoded slash is not a separator after the slug", get("/t/acme%2Fapi/v1/tenant"), problem(404, "route.not_found")},
		{"path: encoded slash without the prefix (reference)", get("/api%2Fv1/tenant", xtid("acme")), problem(404, "route.not_found")},
		{"path: tenant in the query string is ignored", get("/t/acme/api/v1/tenant?tenant=globex&X-Tenant-ID=globex"), ok("acme", acme.ID)},
		{"path: tenant in the query string alone names none", get("/api/v1/tenant?X-Tenant-ID=globex&tenant=globex"), problem(400, "tenant.required")},

		// ---- Token and tenant mixing. ----
		{"token: acme token alone resolves acme", get("/api/v1/me", bearer(tokA)), ok("acme", w.adaA.ID)},
		{"token: acme token lists only acme", get("/api/v1/users?limit=100", bearer(tokA)), ok("acme", w.adaA.ID, w.carolA.ID, w.daveA.ID)},
		{"token: acme token with acme header", get("/api/v1/me", bearer(tokA), xtid("acme")), ok("acme", w.adaA.ID)},
		{"token: acme token with globex header", get("/api/v1/users", bearer(tokA), xtid("globex")), problem(403, "tenant.mismatch")},
		{"token: acme token with globex UUID header", get("/api/v1/me", bearer(tokA), xtid(globex.ID)), problem(403, "tenant.mismatch")},
		{"token: acme token with globex header on an open route", get("/api/v1/tenant", bearer(tokA), xtid("globex")), problem(403, "tenant.mismatch")},
		{"token: globex token on acme path", get("/t/acme/api/v1/me", bearer(tokG)), problem(403, "tenant.mismatch")},
		{"token: globex token alone resolves globex", get("/api/v1/me", bearer(tokG)), ok("globex", w.adaG.ID)},
		{"token: acme token with the inactive tenant's header", get("/api/v1/me", bearer(tokA), xtid("dormant")), problem(403, "tenant.inactive")},
		{"token: lower-case scheme", get("/api/v1/me", "Authorization: bearer "+tokA), ok("acme", w.adaA.ID)},
		{"token: two Authorization headers", get("/api/v1/me", bearer(tokA), bearer(tokG)), problem(401, "auth.unauthenticated")},
		{"token: Basic scheme", get("/api/v1/me", "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte(sharedEmail+":"+acmePassword)), xtid("acme")), problem(401, "auth.unauthenticated")},
		{"token: in the query string is ignored", get("/api/v1/me?access_token="+tokA, xtid("acme")), problem(401, "auth.unauthenticated")},
		{"token: invalid token on an open route", get("/api/v1/tenant", "Authorization: Bearer garbage", xtid("acme")), problem(401, "auth.unauthenticated")},
		{"token: no token on a protected route", get("/api/v1/users/"+w.bobG.ID, xtid("globex")), problem(401, "auth.unauthenticated")},

		// ---- Forged and replayed tokens. ----
		{"forged: control, our own signature with k1 and valid claims", get("/api/v1/me", bearer(forgedOK)), ok("acme", w.adaA.ID)},
		{"forged: alg none", get("/api/v1/me", bearer(forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, valid)), xtid("acme")), problem(401, "auth.unauthenticated")},
		{"forged: alg none claiming globex", get("/api/v1/users", bearer(forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, claims(w.adaG.ID, globex.ID)))), problem(401, "auth.unauthenticated")},
		{"forged: HS256 keyed with the raw public key", get("/api/v1/me", bearer(forge(t, jwt.SigningMethodHS256, []byte(pub), nil, valid))), problem(401, "auth.unauthenticated")},
		{"forged: HS256 keyed with the public key PEM", get("/api/v1/me", bearer(forge(t, jwt.SigningMethodHS256, pubPEM, nil, valid))), problem(401, "auth.unauthenticated")},
		{"forged: key not in the set under a new kid", get("/api/v1/me", bearer(forge(t, eddsa, otherKey, map[string]any{"kid": "k2"}, valid))), problem(401, "auth.unauthenticated")},
		{"forged: kid k1 signed with another key", get("/api/v1/me", bearer(forge(t, eddsa, otherKey, nil, valid))), problem(401, "auth.unauthenticated")},
		{"forged: attacker key embedded as jwk header", get("/api/v1/me", bearer(forge(t, eddsa, otherKey, map[string]any{"jwk": map[string]string{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(otherPub)}}, valid))), problem(401, "auth.unauthenticated")},
		{"forged: no kid", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, map[string]any{"kid": nil}, valid))), problem(401, "auth.unauthenticated")},
		{"forged: kid with path traversal", get("/api/v1/me", bearer(forge(t, eddsa, otherKey, map[string]any{"kid": "../keys/k1"}, valid))), problem(401, "auth.unauthenticated")},
		{"forged: expired", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "iat", time.Now().Add(-2*hour).Unix(), "nbf", time.Now().Add(-2*hour).Unix(), "exp", time.Now().Add(-hour).Unix())))), problem(401, "auth.unauthenticated")},
		{"forged: no expiry", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "exp", nil)))), problem(401, "auth.unauthenticated")},
		{"forged: not yet valid", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "nbf", time.Now().Add(hour).Unix())))), problem(401, "auth.unauthenticated")},
		{"forged: issued in the future", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "iat", time.Now().Add(hour).Unix())))), problem(401, "auth.unauthenticated")},
		{"forged: wrong audience", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "aud", "other-api")))), problem(401, "auth.unauthenticated")},
		{"forged: wrong issuer", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "iss", "evil")))), problem(401, "auth.unauthenticated")},
		{"forged: tid is a slug", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "tid", "globex")))), problem(401, "auth.unauthenticated")},
		{"forged: tid is the nil UUID", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "tid", uuid.Nil.String())))), problem(401, "auth.unauthenticated")},
		{"forged: tid of no tenant", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, with(valid, "tid", uuid.NewString())))), problem(404, "tenant.not_found")},
		{"forged: issued acme token with tid rewritten to globex", get("/api/v1/users", bearer(tampered)), problem(401, "auth.unauthenticated")},
		{"forged: kid is not a string", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, map[string]any{"kid": 1}, valid))), problem(401, "auth.unauthenticated")},
		{"forged: issued token with trailing garbage", get("/api/v1/me", "Authorization: Bearer "+tokA+" "+tokG), problem(401, "auth.unauthenticated")},
		{"forged: issued token with an extra segment", get("/api/v1/me", bearer(tokA+".e30")), problem(401, "auth.unauthenticated")},
		{"forged: JWKS publishes no private key material", get("/.well-known/jwks.json"), expect{status: 200, contentType: "application/jwk-set+json", extra: func(t *testing.T, r response) {
			body := string(r.body)
			assert.Contains(t, body, base64.RawURLEncoding.EncodeToString(pub))
			assert.NotContains(t, body, base64.RawURLEncoding.EncodeToString(w.k1.Seed()))
			assert.NotContains(t, body, `"d"`)
		}}},
		{"forged: 10 KB token", get("/api/v1/me", bearer(strings.Repeat("A", 10<<10)), xtid("acme")), problem(401, "auth.unauthenticated")},
		{"inconsistent: tid globex with an acme sub cannot read /me", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, claims(w.adaA.ID, globex.ID)))), expect{status: 401, code: "auth.unauthenticated", extra: noAcme}},
		{"inconsistent: tid globex with an acme sub cannot read the acme user", get("/api/v1/users/"+w.adaA.ID, bearer(forge(t, eddsa, w.k1, nil, claims(w.adaA.ID, globex.ID)))), problem(404, "resource.not_found")},
		{"inconsistent: tid globex with an acme sub is refused on the acme path", get("/t/acme/api/v1/users", bearer(forge(t, eddsa, w.k1, nil, claims(w.adaA.ID, globex.ID)))), problem(403, "tenant.mismatch")},
		{"inconsistent: tid globex with an acme sub lists globex only (what tid grants)", get("/api/v1/users", bearer(forge(t, eddsa, w.k1, nil, claims(w.adaA.ID, globex.ID)))), ok("globex", w.bobG.ID)},
		{"inconsistent: tid acme with a globex sub cannot read /me", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, claims(w.bobG.ID, acme.ID)))), problem(401, "auth.unauthenticated")},
		{"inactive: signed token of the inactive tenant", get("/api/v1/me", bearer(forge(t, eddsa, w.k1, nil, claims(w.sleepy.ID, w.dormant.ID)))), problem(403, "tenant.inactive")},
		{"inactive: token replayed after its tenant was deactivated", get("/api/v1/me", bearer(tokK)), problem(403, "tenant.inactive")},
		{"inactive: replayed token on a list", get("/api/v1/users", bearer(tokK)), problem(403, "tenant.inactive")},
		{"inactive: replayed token on its tenant's path", get("/t/kinetic/api/v1/tenant", bearer(tokK)), problem(403, "tenant.inactive")},
		{"inactive: replayed token with an active tenant's header", get("/api/v1/users", bearer(tokK), xtid("acme")), problem(403, "tenant.mismatch")},

		// ---- Object IDs of the other tenant. ----
		{"object: own user (control)", get("/api/v1/users/"+w.carolA.ID, bearer(tokA)), ok("acme", w.carolA.ID)},
		{"object: globex user with the same email", get("/api/v1/users/"+w.adaG.ID, bearer(tokA)), problem(404, "resource.not_found")},
		{"object: globex user", get("/api/v1/users/"+w.bobG.ID, bearer(tokA)), problem(404, "resource.not_found")},
		{"object: globex user, upper case", get("/api/v1/users/"+strings.ToUpper(w.bobG.ID), bearer(tokA)), problem(404, "resource.not_found")},
		{"object: globex user via the acme path", get("/t/acme/api/v1/users/"+w.bobG.ID, bearer(tokA)), problem(404, "resource.not_found")},
		{"object: globex user with the acme header", get("/api/v1/users/"+w.bobG.ID, bearer(tokA), xtid("acme")), problem(404, "resource.not_found")},
		{"object: globex user with a globex hint in the query", get("/api/v1/users/"+w.bobG.ID+"?tenant=globex&tenant_id="+globex.ID, bearer(tokA)), problem(404, "resource.not_found")},
		{"object: acme user from globex", get("/api/v1/users/"+w.adaA.ID, bearer(tokG)), problem(404, "resource.not_found")},
		{"object: a tenant ID as a user ID", get("/api/v1/users/"+globex.ID, bearer(tokA)), problem(404, "resource.not_found")},
		{"object: user of the inactive tenant", get("/api/v1/users/"+w.sleepy.ID, bearer(tokA)), problem(404, "resource.not_found")},
		{"object: nil UUID", get("/api/v1/users/"+uuid.Nil.String(), bearer(tokA)), problem(404, "resource.not_found")},
		{"object: braces", get("/api/v1/users/%7B"+w.bobG.ID+"%7D", bearer(tokA)), problem(404, "resource.not_found")},
		{"object: urn form", get("/api/v1/users/urn:uuid:"+w.bobG.ID, bearer(tokA)), problem(404, "resource.not_found")},
		{"object: no dashes", get("/api/v1/users/"+strings.ReplaceAll(w.bobG.ID, "-", ""), bearer(tokA)), problem(404, "resource.not_found")},
		{"object: SQL injection", get("/api/v1/users/%27%20OR%201=1--", bearer(tokA)), problem(404, "resource.not_found")},
		{"object: encoded dot-dot", get("/api/v1/users/%2e%2e", bearer(tokA)), problem(404, "resource.not_found")},
		{"object: trailing slash", get("/api/v1/users/"+w.bobG.ID+"/", bearer(tokA)), problem(404, "resource.not_found")},

		// ---- Cursors. ----
		{"cursor: acme cursor in acme (control)", get("/api/v1/users?limit=1&cursor="+cur, bearer(tokA)), ok("acme", w.carolA.ID)},
		{"cursor: acme cursor in globex", get("/api/v1/users?limit=1&cursor="+cur, bearer(tokG)), problem(400, "request.invalid_cursor")},
		{"cursor: acme cursor in globex by path", get("/t/globex/api/v1/users?limit=100&cursor="+cur, bearer(tokG)), problem(400, "request.invalid_cursor")},
		{"cursor: tenant bytes flipped", get("/api/v1/users?cursor="+curFlippedTenant, bearer(tokA)), problem(400, "request.invalid_cursor")},
		{"cursor: forged for globex, used in acme", get("/api/v1/users?cursor="+curGlobexOwned, bearer(tokA)), problem(400, "request.invalid_cursor")},
		{"cursor: forged acme cursor past a globex key stays in acme", get("/api/v1/users?cursor="+curAcmeOwnedGlobexKey, bearer(tokA)), ok("acme")},
		{"cursor: truncated", get("/api/v1/users?cursor="+cur[:len(cur)-1], bearer(tokA)), problem(400, "request.invalid_cursor")},
		{"cursor: extended", get("/api/v1/users?cursor="+cur+"AAAA", bearer(tokA)), problem(400, "request.invalid_cursor")},
		{"cursor: standard base64 with padding", get("/api/v1/users?cursor="+curStdPadded, bearer(tokA)), problem(400, "request.invalid_cursor")},
		{"cursor: not base64", get("/api/v1/users?cursor="+strings.Repeat("%21", len(cur)), bearer(tokA)), problem(400, "request.invalid_cursor")},
		{"cursor: NUL", get("/api/v1/users?cursor=%00", bearer(tokA)), problem(400, "request.invalid_cursor")},
		{"cursor: SQL injection", get("/api/v1/users?cursor=%27%20OR%201%3D1--", bearer(tokA)), problem(400, "request.invalid_cursor")},
		{"cursor: limit above the maximum", get("/api/v1/users?limit=100000", bearer(tokA)), problem(400, "request.invalid")},
		{"cursor: negative limit", get("/api/v1/users?limit=-1", bearer(tokA)), problem(400, "request.invalid")},

		// ---- Method and verb tampering. ----
		{"method: POST on a GET route", call(http.MethodPost, "/api/v1/users", bearer(tokA)), problem(405, "request.method_not_allowed")},
		{"method: PUT on the tenant", call(http.MethodPut, "/api/v1/tenant", xtid("acme")), problem(405, "request.method_not_allowed")},
		{"method: DELETE own user", call(http.MethodDelete, "/api/v1/users/"+w.adaA.ID, bearer(tokA)), problem(405, "request.method_not_allowed")},
		{"method: DELETE another tenant's user answers the same", call(http.MethodDelete, "/api/v1/users/"+w.bobG.ID, bearer(tokA)), problem(405, "request.method_not_allowed")},
		{"method: PATCH /me", call(http.MethodPatch, "/api/v1/me", bearer(tokA)), problem(405, "request.method_not_allowed")},
		{"method: GET on the login route", call(http.MethodGet, "/api/v1/auth/token", xtid("acme")), problem(405, "request.method_not_allowed")},
		{"method: TRACE", call(http.MethodTrace, "/api/v1/tenant", xtid("acme")), problem(405, "request.method_not_allowed")},
		{"method: unknown method", call("PROPFIND", "/api/v1/users", bearer(tokA)), problem(405, "request.method_not_allowed")},
		{"method: methods are case-sensitive", call("get", "/api/v1/tenant", xtid("acme")), problem(405, "request.method_not_allowed")},
		{"method: override header cannot turn GET into DELETE", get("/api/v1/users/"+w.adaA.ID, bearer(tokA), "X-HTTP-Method-Override: DELETE", "X-HTTP-Method: DELETE", "X-Method-Override: DELETE"), ok("acme", w.adaA.ID)},
		{"method: override header cannot turn POST into GET", call(http.MethodPost, "/api/v1/users", bearer(tokA), "X-HTTP-Method-Override: GET"), problem(405, "request.method_not_allowed")},
		{"method: _method query cannot turn POST into GET", call(http.MethodPost, "/api/v1/users?_method=GET", bearer(tokA)), problem(405, "request.method_not_allowed")},
		{"method: HEAD on a GET route answers as GET without a body (RFC 9110 9.1)", call(http.MethodHead, "/api/v1/tenant", xtid("acme")), ok("acme")},
		{"method: HEAD still enforces the token's tenant", call(http.MethodHead, "/api/v1/users", bearer(tokA), xtid("globex")), problem(403, "tenant.mismatch")},
		{"method: OPTIONS reveals nothing of a tenant", call(http.MethodOptions, "/api/v1/users", bearer(tokA), xtid("globex")), expect{status: 204, extra: func(t *testing.T, r response) {
			assert.Contains(t, r.header.Get("Allow"), http.MethodGet)
		}}},
		{"method: OPTIONS * is answered by the service, not cacheable", call(http.MethodOptions, "*"), expect{status: 204, extra: func(t *testing.T, r response) {
			assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
			assert.NotEmpty(t, r.header.Get("X-Request-ID"))
			assert.Contains(t, r.header.Get("Allow"), http.MethodPost)
		}}},

		// ---- Login. ----
		{"login: control", loginRequest(sharedEmail, acmePassword, xtid("acme")), ok("acme")},
		{"login: acme email with the globex password in acme", loginRequest(sharedEmail, globexPass, xtid("acme")), problem(401, "auth.invalid_credentials")},
		{"login: acme credentials in globex", loginRequest(sharedEmail, acmePassword, xtid("globex")), problem(401, "auth.invalid_credentials")},
		{"login: acme credentials on the globex path", func() request {
			r := loginRequest(sharedEmail, acmePassword)
			r.target = "/t/globex/api/v1/auth/token"
			return r
		}(), problem(401, "auth.invalid_credentials")},
		{"login: globex-only user in acme", loginRequest("bob@globex.test", "globex password 789", xtid("acme")), problem(401, "auth.invalid_credentials")},
		{"login: upper-case email with the globex password in acme", loginRequest(strings.ToUpper(sharedEmail), globexPass, xtid("acme")), problem(401, "auth.invalid_credentials")},
		{"login: inactive tenant", loginRequest("sleepy@dormant.test", "dormant password 1", xtid("dormant")), problem(403, "tenant.inactive")},
		{"login: deactivated tenant", loginRequest("peter@kinetic.test", "kinetic password 1", xtid("kinetic")), problem(403, "tenant.inactive")},
		{"login: no tenant", loginRequest(sharedEmail, acmePassword), problem(400, "tenant.required")},
		{"login: header and host disagree", loginRequest(sharedEmail, acmePassword, xtid("acme"), host("globex.example.com")), problem(400, "tenant.ambiguous")},
		{"login: with a globex token for acme", loginRequest(sharedEmail, acmePassword, xtid("acme"), bearer(tokG)), problem(403, "tenant.mismatch")},
		{"login: text/plain", loginRaw(`{"email":"ada@shared.test","password":"acme password 123"}`, "Content-Type: text/plain", xtid("acme")), problem(415, "request.unsupported_media_type")},
		{"login: form encoding", loginRaw("email=ada%40shared.test&password=acme+password+123", "Content-Type: application/x-www-form-urlencoded", xtid("acme")), problem(415, "request.unsupported_media_type")},
		{"login: no content type", loginRaw(`{"email":"ada@shared.test","password":"acme password 123"}`, xtid("acme")), problem(415, "request.unsupported_media_type")},
		{"login: a JSON look-alike media type", loginRaw(`{"email":"ada@shared.test","password":"acme password 123"}`, "Content-Type: application/json-patch+json", xtid("acme")), problem(415, "request.unsupported_media_type")},
		{"login: extra tenant_id field", loginRaw(`{"email":"ada@shared.test","password":"globex password 456","tenant_id":"`+globex.ID+`"}`, "Content-Type: application/json", xtid("acme")), problem(400, "request.invalid")},
		{"login: extra tenant field", loginRaw(`{"email":"ada@shared.test","password":"acme password 123","tenant":"globex"}`, "Content-Type: application/json", xtid("acme")), problem(400, "request.invalid")},
		{"login: two JSON objects", loginRaw(`{"email":"ada@shared.test","password":"acme password 123"}{"email":"ada@shared.test","password":"globex password 456"}`, "Content-Type: application/json", xtid("acme")), problem(400, "request.invalid")},
		{"login: array", loginRaw(`[{"email":"ada@shared.test","password":"acme password 123"}]`, "Content-Type: application/json", xtid("acme")), problem(400, "request.invalid")},
		{"login: missing password", loginRaw(`{"email":"ada@shared.test"}`, "Content-Type: application/json", xtid("acme")), problem(400, "request.invalid")},
	}
}
