package bootstrap_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// privatePooler is a PgBouncer of one test's own, started by bootstrap/dev/pgbouncer.sh with a
// state file of its own, so that the test may kill it: the phase's shared PgBouncer serves the
// other packages meanwhile.
type privatePooler struct {
	t    *testing.T
	addr string // host:port it listens on
	dir  string // its directory: configuration, pid file, log
}

func startPrivatePooler(t *testing.T) *privatePooler {
	t.Helper()
	if _, err := exec.LookPath("pgbouncer"); err != nil {
		t.Skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
	}
	state := filepath.Join(t.TempDir(), "pgbouncer.state")
	env := append(os.Environ(), "PGBOUNCER_STATE="+state, "DATABASE_URL="+pgtest.ServerURL())
	script := func(arg string) *exec.Cmd {
		cmd := exec.CommandContext(context.Background(), "dev/pgbouncer.sh", arg)
		cmd.Env = env
		return cmd
	}
	out, err := script("start").Output()
	require.NoError(t, err, "start a private pgbouncer: %s", exitStderr(err))
	t.Cleanup(func() { _ = script("stop").Run() })
	dir, err := os.ReadFile(state)
	require.NoError(t, err)
	return &privatePooler{t: t, addr: strings.TrimSpace(string(out)), dir: strings.TrimSpace(string(dir))}
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok { //nolint:errorlint // Output returns it unwrapped
		return string(ee.Stderr)
	}
	return ""
}

// url is databaseURL through this pooler.
func (p *privatePooler) url(databaseURL string) string {
	p.t.Helper()
	u, err := url.Parse(databaseURL)
	require.NoError(p.t, err)
	u.Host = p.addr
	return u.String()
}

// kill ends the process with SIGKILL, as a crash would: no connection is closed politely.
func (p *privatePooler) kill() {
	p.t.Helper()
	raw, err := os.ReadFile(filepath.Join(p.dir, "pgbouncer.pid"))
	require.NoError(p.t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	require.NoError(p.t, err)
	require.NoError(p.t, syscall.Kill(pid, syscall.SIGKILL))
	require.Eventually(p.t, func() bool { return !p.answers() }, 5*time.Second, 10*time.Millisecond,
		"pgbouncer still listens after SIGKILL")
}

// restart starts pgbouncer again with the same configuration, hence on the same port, as a
// supervisor would.
func (p *privatePooler) restart() {
	p.t.Helper()
	// A killed process leaves its pid file behind, and a pid file naming a process that still
	// exists (an unreaped one) would stop the new instance.
	_ = os.Remove(filepath.Join(p.dir, "pgbouncer.pid"))
	args := []string{"-d"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "nobody") // it refuses to run as root
	}
	args = append(args, filepath.Join(p.dir, "pgbouncer.ini"))
	out, err := exec.CommandContext(context.Background(), "pgbouncer", args...).CombinedOutput()
	require.NoError(p.t, err, "restart pgbouncer: %s", out)
	require.Eventually(p.t, p.answers, 5*time.Second, 10*time.Millisecond, "pgbouncer does not listen again")
}

func (p *privatePooler) answers() bool {
	c, err := (&net.Dialer{Timeout: time.Second}).DialContext(context.Background(), "tcp", p.addr)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// TestPoolerCrash: the PgBouncer in front of PostgreSQL dies (SIGKILL). Every request that needs
// the database is answered 503 server.unavailable with Retry-After, never 500; /readyz says 503
// and /healthz 200, so that an orchestrator takes the instance out of rotation without restarting
// it. Once the pooler is back on its port, the same instance serves again.
func TestPoolerCrash(t *testing.T) {
	requirePooler(t) // the PgBouncer phase: a pooler of its own, besides the shared one
	db := pgtest.New(t)
	pooler := startPrivatePooler(t)
	env := map[string]string{
		"DATABASE_URL":       pooler.url(db.URL),
		"DATABASE_ADMIN_URL": db.URL,
		"HTTP_ADDR":          "127.0.0.1:0",
		"LOG_LEVEL":          "warn",
		"SHUTDOWN_TIMEOUT":   "5s",
		"DB_CONNECT_TIMEOUT": "1s",
		"REQUEST_TIMEOUT":    "3s",
		// Short, so that requests reach the database rather than the cache.
		"TENANT_CACHE_TTL":    "100ms",
		"TENANT_NEGATIVE_TTL": "100ms",
	}
	admin := adminCLI(t, env, db.URL)
	admin.createTenant("acme")
	ada := admin.createUser("acme", "ada@example.com", "acme password 123")
	s := startLive(t, env)
	auth := "Authorization: Bearer " + s.login("acme", "ada@example.com", "acme password 123")

	type request struct {
		method, path, body string
		headers            []string
	}
	data := []request{
		{http.MethodGet, "/api/v1/tenant", "", []string{"X-Tenant-ID: acme"}},
		{http.MethodPost, "/api/v1/auth/token", `{"email":"ada@example.com","password":"acme password 123"}`, []string{"X-Tenant-ID: acme"}},
		{http.MethodGet, "/api/v1/me", "", []string{auth}},
		{http.MethodGet, "/api/v1/users", "", []string{auth}},
		{http.MethodGet, "/api/v1/users/" + ada.ID, "", []string{auth}},
	}
	send := func(r request) outcome { return s.send(r.method, r.path, r.body, r.headers...) }
	for _, r := range data {
		require.Equal(t, http.StatusOK, send(r).status, "%s %s before the crash", r.method, r.path)
	}
	require.Equal(t, http.StatusOK, s.get("/readyz").status)

	pooler.kill()
	time.Sleep(200 * time.Millisecond) // past TENANT_CACHE_TTL: /api/v1/tenant answers from the cache until then
	for round := range 3 {
		for _, r := range data {
			o := send(r)
			require.NoError(t, o.err, "%s %s", r.method, r.path)
			assert.Equal(t, http.StatusServiceUnavailable, o.status, "round %d, pooler down: %s %s", round, r.method, r.path)
			assert.Equal(t, "server.unavailable", o.code, "round %d, pooler down: %s %s", round, r.method, r.path)
			assert.NotEmpty(t, o.retryAfter, "a 503 says when to retry: %s %s", r.method, r.path)
		}
	}
	ready := s.get("/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, ready.status, "readyz with the pooler down")
	assert.Equal(t, "server.unavailable", ready.code)
	assert.Equal(t, http.StatusOK, s.get("/healthz").status, "the process itself is alive: no restart")

	pooler.restart()
	require.Eventually(t, func() bool {
		return s.get("/readyz").status == http.StatusOK && s.get("/api/v1/users", auth).status == http.StatusOK
	}, 15*time.Second, 50*time.Millisecond, "the instance serves again once the pooler is back")
	for _, r := range data {
		assert.Equal(t, http.StatusOK, send(r).status, "%s %s after the pooler came back", r.method, r.path)
	}

	for _, e := range s.logs.FilterMessage("request").All() {
		if code := e.ContextMap()["code"]; code != "server.unavailable" {
			t.Errorf("access log: %s %v", e.Message, e.ContextMap())
		}
	}
}

// send is get for any method, with an optional JSON body.
func (l *liveService) send(method, path, body string, headers ...string) outcome {
	if method == http.MethodGet && body == "" {
		return l.get(path, headers...)
	}
	o := outcome{path: path, start: time.Now()}
	req, err := http.NewRequestWithContext(context.Background(), method, l.base+path, strings.NewReader(body))
	if err != nil {
		o.err, o.end = err, time.Now()
		return o
	}
	req.Header.Set("Content-Type", "application/json")
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(name, strings.TrimSpace(value))
	}
	res, err := l.client.Do(req)
	o.end = time.Now()
	if err != nil {
		o.err = err
		return o
	}
	defer func() { _ = res.Body.Close() }()
	o.status, o.retryAfter = res.StatusCode, res.Header.Get("Retry-After")
	var p struct {
		Code string `json:"code"`
	}
	if json.NewDecoder(res.Body).Decode(&p) == nil {
		o.code = p.Code
	}
	return o
}
