package bootstrap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// service is the real fx graph serving on a loopback port, against a fresh database.
type service struct {
	t      *testing.T
	base   string
	env    map[string]string
	client *http.Client
	server *httpapi.Server
	db     pgtest.Database
}

func startService(t *testing.T, extraEnv map[string]string) *service {
	t.Helper()
	return launch(t, pgtest.New(t), extraEnv)
}

// startServiceWith starts the service with more fx options, such as a fixture module.
func startServiceWith(t *testing.T, extraEnv map[string]string, opts ...fx.Option) *service {
	t.Helper()
	return launch(t, pgtest.New(t), extraEnv, opts...)
}

// startServiceOn is startService on a database the test prepared.
func startServiceOn(t *testing.T, db pgtest.Database, extraEnv map[string]string) *service {
	t.Helper()
	return launch(t, db, extraEnv)
}

func launch(t *testing.T, db pgtest.Database, extraEnv map[string]string, opts ...fx.Option) *service {
	t.Helper()
	env := map[string]string{
		"DATABASE_URL":       db.ServingURL(t),
		"JOB_DATABASE_URL":   db.WorkersURL(t),
		"DATABASE_ADMIN_URL": db.URL,
		"HTTP_ADDR":          "127.0.0.1:0",
		"LOG_LEVEL":          "error",
		"TENANT_BASE_DOMAIN": "example.com",
		"SHUTDOWN_TIMEOUT":   "5s",
	}
	for k, v := range extraEnv {
		env[k] = v
	}
	cfg, err := bootstrap.LoadConfig(lookup(env))
	require.NoError(t, err)
	var srv *httpapi.Server
	app := fxtest.New(t, append([]fx.Option{bootstrap.Server(cfg), fx.Populate(&srv), fx.NopLogger}, opts...)...)
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	client := &http.Client{Timeout: 15 * time.Second}
	// Runs before the stop above: a connection the client dialled but never used counts as active
	// to http.Server.Shutdown for five seconds, which would stall every test's teardown.
	t.Cleanup(client.CloseIdleConnections)
	return &service{t: t, base: "http://" + srv.Addr(), env: env, client: client, server: srv, db: db}
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

// cli runs a tenantcore command in-process against the service's database.
func (s *service) cli(stdin string, args ...string) string {
	s.t.Helper()
	var out, errOut bytes.Buffer
	code := bootstrap.CLI{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Lookup: lookup(s.env)}.Main(args)
	require.Equal(s.t, 0, code, "tenantcore %v: %s", args, errOut.String())
	return out.String()
}

type created struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

func (s *service) createTenant(slug string) created {
	var c created
	require.NoError(s.t, json.Unmarshal([]byte(s.cli("", "tenant", "create", "--slug", slug, "--name", strings.ToUpper(slug))), &c))
	return c
}

func (s *service) createUser(slug, email, password string) created {
	var c created
	require.NoError(s.t, json.Unmarshal([]byte(s.cli(password+"\n", "user", "create", "--tenant", slug, "--email", email, "--password-stdin")), &c))
	return c
}

// response is a finished exchange with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problemCode(t *testing.T) string {
	t.Helper()
	require.Equal(t, httpapi.ProblemContentType, r.header.Get("Content-Type"), "body: %s", r.body)
	var p httpapi.Problem
	require.NoError(t, json.Unmarshal(r.body, &p))
	require.Equal(t, r.status, p.Status)
	require.NotEmpty(t, p.RequestID)
	require.Equal(t, r.header.Get(httpapi.HeaderRequestID), p.RequestID)
	return p.Code
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// do sends a request; headers are "Name: value" strings, and "Host: x" sets the Host.
func (s *service) do(method, path, body string, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.base+path, rd)
	require.NoError(s.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		require.True(s.t, ok, "header %q", h)
		value = strings.TrimSpace(value)
		if strings.EqualFold(name, "Host") {
			req.Host = value
			continue
		}
		req.Header.Add(name, value)
	}
	res, err := s.client.Do(req)
	require.NoError(s.t, err)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	require.NoError(s.t, err)
	validateAgainstOpenAPI(s.t, req, res, b)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (s *service) login(slug, email, password string) string {
	s.t.Helper()
	r := s.do(http.MethodPost, "/api/v1/auth/token", `{"email":"`+email+`","password":"`+password+`"}`, "X-Tenant-ID: "+slug)
	require.Equal(s.t, http.StatusOK, r.status, "login: %s", r.body)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	r.decode(s.t, &tok)
	require.Equal(s.t, "Bearer", tok.TokenType)
	require.Positive(s.t, tok.ExpiresIn)
	return tok.AccessToken
}
