package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/application/tenancy"
	"github.com/tenantcore/tenantcore/domain/auth"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/ports"
)

// This file holds the router harness: the real server and use cases over small in-memory fakes,
// and an observed logger, so that tests go through exactly the middleware chain production uses.

const (
	tenantHeader  = "X-Tenant-ID"
	alicePassword = "alice-password-123"
	bobPassword   = "bob-password-456"
	bodyLimit     = 1024
)

// harness is one server with three tenants (acme and beta active, gone inactive) and one user in
// each active tenant.
type harness struct {
	t       *testing.T
	server  *httpapi.Server
	handler http.Handler
	logs    *observer.ObservedLogs

	dir      *fakeDirectory
	users    *fakeUsers
	ready    *fakeReadiness
	observed *fakeObserver

	acme, beta, gone tenant.Tenant
	alice, bob       user.User // alice is in acme, bob in beta
}

// option adjusts the configuration or dependencies before the server is built.
type option func(*httpapi.Config, *httpapi.Deps)

func withStrategies(s ...string) option {
	return func(c *httpapi.Config, _ *httpapi.Deps) { c.Tenant.Strategies = s }
}

func withRequestTimeout(d time.Duration) option {
	return func(c *httpapi.Config, _ *httpapi.Deps) { c.RequestTimeout = d }
}

func withRoute(method, path string, h http.HandlerFunc) option {
	return func(_ *httpapi.Config, d *httpapi.Deps) {
		d.Routes = append(d.Routes, httpapi.PlainRoute(method, path, h))
	}
}

func newHarness(t *testing.T, opts ...option) *harness {
	t.Helper()
	h := &harness{
		t:        t,
		acme:     mustTenant(t, "Acme", "acme"),
		beta:     mustTenant(t, "Beta", "beta"),
		ready:    &fakeReadiness{},
		observed: &fakeObserver{},
	}
	now := time.Now()
	h.gone = tenant.UnmarshalFromDatabase(uuid.Must(uuid.NewV7()), "Gone", "gone", false, now, now)
	h.alice = user.UnmarshalFromDatabase(uuid.Must(uuid.NewV7()), h.acme.ID(), "alice@example.com", hashPrefix+alicePassword, true, now, now)
	h.bob = user.UnmarshalFromDatabase(uuid.Must(uuid.NewV7()), h.beta.ID(), "bob@example.com", hashPrefix+bobPassword, true, now, now)
	h.dir = newFakeDirectory(h.acme, h.beta, h.gone)
	h.users = newFakeUsers(h.alice, h.bob)

	core, logs := observer.New(zapcore.DebugLevel)
	h.logs = logs
	login, err := identity.NewLogin(h.users, fakeHasher{}, fakeTokens{})
	require.NoError(t, err)

	cfg := httpapi.Config{
		RequestTimeout: 10 * time.Second,
		BodyLimit:      bodyLimit,
		Tenant: httpapi.TenantConfig{
			Strategies:     []string{httpapi.StrategyHeader, httpapi.StrategySubdomain, httpapi.StrategyPath, httpapi.StrategyToken},
			Header:         tenantHeader,
			BaseDomain:     "example.com",
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		},
	}
	deps := httpapi.Deps{
		Directory:    h.dir,
		Current:      tenancy.NewCurrent(h.dir),
		Login:        login,
		Authenticate: identity.NewAuthenticate(fakeTokens{}),
		Readiness:    h.ready,
		Routes:       httpapi.UserRoutes(identity.NewUsers(h.users)),
		JWKS:         []byte(`{"keys":[]}`),
		Observer:     h.observed,
		Log:          zap.New(core),
	}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	srv, err := httpapi.New(cfg, deps)
	require.NoError(t, err)
	h.server, h.handler = srv, srv.Handler()
	return h
}

// request builds a request with the test's context. Host defaults to one that names no tenant.
func (h *harness) request(method, target string, body io.Reader) *http.Request {
	req := httptest.NewRequestWithContext(h.t.Context(), method, target, body)
	req.Host = "example.com"
	return req
}

func (h *harness) get(target string, headers ...string) *httptest.ResponseRecorder {
	req := h.request(http.MethodGet, target, nil)
	require.Zero(h.t, len(headers)%2, "headers come in name, value pairs")
	for i := 0; i < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return h.do(req)
}

func (h *harness) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// accessLine returns the one access-log line of the response's request.
func (h *harness) accessLine(rec *httptest.ResponseRecorder) observer.LoggedEntry {
	h.t.Helper()
	id := rec.Header().Get(httpapi.HeaderRequestID)
	require.NotEmpty(h.t, id)
	lines := h.logs.FilterMessage("request").FilterField(zap.String("request_id", id)).All()
	require.Len(h.t, lines, 1, "exactly one access-log line per request")
	return lines[0]
}

// tokenFor is a bearer token the fake verifier accepts for u.
func tokenFor(u user.User) string {
	return "Bearer " + fakeTokens{}.value(auth.Principal{UserID: u.ID(), TenantID: u.TenantID()})
}

// problemFields are the members every problem document carries.
var problemFields = []string{"type", "title", "status", "detail", "instance", "code", "request_id"}

// requireProblem checks that rec is a complete RFC 9457 problem with the status and code, tied to
// the request by its ID, and returns it.
func requireProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) httpapi.Problem {
	t.Helper()
	require.Equal(t, status, rec.Code, "body: %s", rec.Body.String())
	assert.Equal(t, httpapi.ProblemContentType, rec.Header().Get("Content-Type"))

	var raw map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw), "body: %s", rec.Body.String())
	for _, f := range problemFields {
		assert.NotEmpty(t, raw[f], "problem member %q", f)
	}
	var p httpapi.Problem
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p))
	assert.Equal(t, code, p.Code)
	assert.Equal(t, status, p.Status)
	assert.Equal(t, "urn:tenantcore:problem:"+code, p.Type)
	assert.Equal(t, http.StatusText(status), p.Title)
	assert.Equal(t, rec.Header().Get(httpapi.HeaderRequestID), p.RequestID, "the problem quotes the request ID")
	assert.Contains(t, p.Instance, p.RequestID)
	return p
}

func decodeBody[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), "body: %s", rec.Body.String())
	return v
}

func mustTenant(t *testing.T, name, slug string) tenant.Tenant {
	t.Helper()
	tn, err := tenant.New(name, slug)
	require.NoError(t, err)
	return tn
}

// Fakes.

// fakeDirectory is an in-memory ports.TenantDirectory.
type fakeDirectory struct {
	mu      sync.Mutex
	tenants []tenant.Tenant
}

var _ ports.TenantDirectory = (*fakeDirectory)(nil)

func newFakeDirectory(ts ...tenant.Tenant) *fakeDirectory { return &fakeDirectory{tenants: ts} }

func (d *fakeDirectory) find(match func(tenant.Tenant) bool) (tenant.Tenant, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range d.tenants {
		if match(t) {
			return t, nil
		}
	}
	return tenant.Tenant{}, tenant.ErrNotFound
}

func (d *fakeDirectory) TenantBySlug(_ context.Context, slug tenant.Slug) (tenant.Tenant, error) {
	return d.find(func(t tenant.Tenant) bool { return t.Slug() == slug })
}

func (d *fakeDirectory) TenantByID(_ context.Context, id uuid.UUID) (tenant.Tenant, error) {
	return d.find(func(t tenant.Tenant) bool { return t.ID() == id })
}

// fakeUsers is an in-memory ports.UserRepository that honours tenant isolation.
type fakeUsers struct {
	mu    sync.Mutex
	users []user.User
}

var _ ports.UserRepository = (*fakeUsers)(nil)

func newFakeUsers(us ...user.User) *fakeUsers { return &fakeUsers{users: us} }

func (r *fakeUsers) scoped(tc tenant.Context, match func(user.User) bool) ([]user.User, error) {
	if err := tc.Validate(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []user.User
	for _, u := range r.users {
		if tc.Owns(u.TenantID()) && match(u) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (r *fakeUsers) first(tc tenant.Context, match func(user.User) bool) (user.User, error) {
	found, err := r.scoped(tc, match)
	if err != nil {
		return user.User{}, err
	}
	if len(found) == 0 {
		return user.User{}, user.ErrNotFound
	}
	return found[0], nil
}

func (r *fakeUsers) ListForTenant(_ context.Context, tc tenant.Context, page ports.PageRequest) (ports.Page[user.User], error) {
	found, err := r.scoped(tc, func(user.User) bool { return true })
	if err != nil {
		return ports.Page[user.User]{}, err
	}
	return ports.Page[user.User]{Items: found[:min(len(found), page.Limit)]}, nil
}

func (r *fakeUsers) GetForTenant(_ context.Context, tc tenant.Context, id uuid.UUID) (user.User, error) {
	return r.first(tc, func(u user.User) bool { return u.ID() == id })
}

func (r *fakeUsers) UserByEmail(_ context.Context, tc tenant.Context, email user.Email) (user.User, error) {
	return r.first(tc, func(u user.User) bool { return u.Email() == email })
}

func (r *fakeUsers) CreateForTenant(_ context.Context, tc tenant.Context, u user.User) (user.User, error) {
	if !tc.Owns(u.TenantID()) {
		return user.User{}, tenant.ErrCrossTenant
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, u)
	return u, nil
}

func (r *fakeUsers) UpdateForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID, change func(user.User) (user.User, error)) (user.User, error) {
	u, err := r.GetForTenant(ctx, tc, id)
	if err != nil {
		return user.User{}, err
	}
	return change(u)
}

func (r *fakeUsers) DeleteForTenant(ctx context.Context, tc tenant.Context, id uuid.UUID) error {
	if _, err := r.GetForTenant(ctx, tc, id); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = slices.DeleteFunc(r.users, func(u user.User) bool { return u.ID() == id })
	return nil
}

const hashPrefix = "hash:"

// fakeHasher "hashes" by prefixing: cheap, deterministic and obviously not the plaintext.
type fakeHasher struct{}

func (fakeHasher) Hash(_ context.Context, pw string) (string, error) { return hashPrefix + pw, nil }

func (fakeHasher) Matches(_ context.Context, hash, pw string) (bool, error) {
	return hash == hashPrefix+pw, nil
}

// fakeTokens issues and verifies readable tokens "tok.<user>.<tenant>".
type fakeTokens struct{}

func (fakeTokens) value(p auth.Principal) string {
	return "tok." + p.UserID.String() + "." + p.TenantID.String()
}

func (f fakeTokens) Issue(p auth.Principal) (auth.Token, error) {
	return auth.Token{Value: f.value(p), ExpiresAt: time.Now().Add(15 * time.Minute)}, nil
}

func (fakeTokens) Verify(raw string) (auth.Principal, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || parts[0] != "tok" {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	userID, err1 := uuid.Parse(parts[1])
	tenantID, err2 := uuid.Parse(parts[2])
	if err1 != nil || err2 != nil {
		return auth.Principal{}, auth.ErrUnauthenticated
	}
	return auth.Principal{UserID: userID, TenantID: tenantID}, nil
}

// fakeReadiness answers with err or, when hang is set, waits for the request's deadline like a
// dependency that stopped answering.
type fakeReadiness struct {
	mu   sync.Mutex
	err  error
	hang bool
}

func (r *fakeReadiness) hangUntilDeadline() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hang = true
}

func (r *fakeReadiness) set(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

func (r *fakeReadiness) Check(ctx context.Context) error {
	r.mu.Lock()
	hang, err := r.hang, r.err
	r.mu.Unlock()
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

// fakeObserver records the metric labels the server emits.
type fakeObserver struct {
	mu          sync.Mutex
	requests    []string // "route status"
	resolutions []string // "strategy outcome"
}

func (o *fakeObserver) ObserveRequest(route string, status int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, fmt.Sprintf("%s %d", route, status))
}

func (o *fakeObserver) ObserveResolution(strategy, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.resolutions = append(o.resolutions, strategy+" "+outcome)
}

func (o *fakeObserver) snapshot() (requests, resolutions []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.requests), slices.Clone(o.resolutions)
}
