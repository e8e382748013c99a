package bootstrap_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// liveService is the real fx graph, like startService's, but the test decides when it stops and
// reads its warnings and errors from an in-memory log.
type liveService struct {
	*service
	app  *fxtest.App
	srv  *httpapi.Server
	logs *observer.ObservedLogs

	stopOnce sync.Once
	stopErr  error
}

// startLive starts the server with env as its whole environment. It is stopped at cleanup if the
// test has not stopped it.
func startLive(t *testing.T, env map[string]string) *liveService {
	t.Helper()
	cfg, err := bootstrap.LoadConfig(lookup(env))
	require.NoError(t, err)
	core, logs := observer.New(zapcore.WarnLevel)
	var srv *httpapi.Server
	app := fxtest.New(t, bootstrap.Server(cfg), fx.Populate(&srv), fx.NopLogger,
		fx.Decorate(func(*zap.Logger) *zap.Logger { return zap.New(core) }))
	ctx, cancel := context.WithTimeout(context.Background(), app.StartTimeout())
	defer cancel()
	require.NoError(t, app.Start(ctx))
	// A transport of its own: its connections and goroutines end with the test, and the load
	// tests keep their connections alive between requests.
	client := &http.Client{
		Timeout:   15 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
	}
	l := &liveService{
		service: &service{t: t, base: "http://" + srv.Addr(), env: env, client: client},
		app:     app, srv: srv, logs: logs,
	}
	t.Cleanup(func() { assert.NoError(t, l.stop()) })
	return l
}

// stop stops the application once and returns what Stop returned.
func (l *liveService) stop() error {
	l.stopOnce.Do(func() {
		// A connection the client dialled but never used counts as active to Shutdown for 5s.
		l.client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), l.app.StopTimeout())
		defer cancel()
		l.stopErr = l.app.Stop(ctx)
		l.client.CloseIdleConnections()
	})
	return l.stopErr
}

// adminCLI returns a service whose cli commands run against databaseURL directly.
func adminCLI(t *testing.T, env map[string]string, databaseURL string) *service {
	direct := maps.Clone(env)
	direct["DATABASE_URL"] = databaseURL
	return &service{t: t, env: direct}
}

// outcome is one request of a load, as the client saw it.
type outcome struct {
	path       string
	start, end time.Time
	status     int
	code       string
	retryAfter string
	err        error
}

func (o outcome) latency() time.Duration { return o.end.Sub(o.start) }

func (o outcome) String() string {
	return fmt.Sprintf("GET %s at %s: status %d code %q Retry-After %q err %v after %s",
		o.path, o.start.Format("15:04:05.000"), o.status, o.code, o.retryAfter, o.err, o.latency())
}

// get sends one GET without failing the test, so that load goroutines can call it.
func (l *liveService) get(path string, headers ...string) outcome {
	return l.getContext(context.Background(), path, headers...)
}

// getContext is get with a context, for tracing the request.
func (l *liveService) getContext(ctx context.Context, path string, headers ...string) outcome {
	o := outcome{path: path, start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.base+path, http.NoBody)
	if err != nil {
		o.err, o.end = err, time.Now()
		return o
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(name, strings.TrimSpace(value))
	}
	res, err := l.client.Do(req)
	if err != nil {
		o.err = err
		o.end = time.Now()
		return o
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	o.end = time.Now()
	o.status, o.err, o.retryAfter = res.StatusCode, err, res.Header.Get("Retry-After")
	if res.Header.Get("Content-Type") == httpapi.ProblemContentType {
		var p httpapi.Problem
		if jerr := json.Unmarshal(body, &p); jerr != nil {
			o.err = fmt.Errorf("problem body %q: %w", body, jerr)
		}
		o.code = p.Code
	}
	return o
}

// recorder collects the outcomes of load goroutines.
type recorder struct {
	mu  sync.Mutex
	all []outcome
}

func (r *recorder) add(o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, o)
}

func (r *recorder) outcomes() []outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]outcome(nil), r.all...)
}

// goroutineIgnores are the goroutines a stopped service may leave behind, on purpose.
func goroutineIgnores(current goleak.Option) []goleak.Option {
	return []goleak.Option{
		current,
		// tenantcache.New makes two expirable LRUs; each starts a goroutine that purges expired
		// entries and that golang-lru v2.0.7 has no way to stop (see tenantcache.Directory).
		goleak.IgnoreTopFunction("github.com/hashicorp/golang-lru/v2/expirable.NewLRU[...].func1"),
	}
}

// verifyNoLeaks waits a little for goroutines that are finishing (connections being torn down
// after Stop closed them) and then reports any that remain.
func verifyNoLeaks(t *testing.T, opts ...goleak.Option) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for goleak.Find(opts...) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	goleak.VerifyNone(t, opts...)
}

// TestDatabaseOutage takes PostgreSQL away under load and gives it back: while it is gone every
// request fails retryably (503 server.unavailable with Retry-After), none outlives its deadline,
// and the same process serves again once it is back. The database goes away in two ways: refusing
// connections (a stopped server) and answering nothing (a network partition, where only the
// service's own deadlines end the wait).
func TestDatabaseOutage(t *testing.T) {
	t.Run("connections refused", func(t *testing.T) { testOutage(t, (*pgProxy).Cut) })
	t.Run("no answer", func(t *testing.T) { testOutage(t, (*pgProxy).Stall) })
}

func testOutage(t *testing.T, outage func(*pgProxy)) {
	leaks := goleak.IgnoreCurrent()
	const requestTimeout = 3 * time.Second
	hangBound := requestTimeout + 2*time.Second

	db := pgtest.New(t)
	proxy := newPGProxy(t, db.URL)
	env := map[string]string{
		"DATABASE_URL":         proxy.URL(db.URL),
		"HTTP_ADDR":            "127.0.0.1:0",
		"LOG_LEVEL":            "warn",
		"SHUTDOWN_TIMEOUT":     "5s",
		"DB_CONNECT_TIMEOUT":   "1s",
		"DB_STATEMENT_TIMEOUT": "2s",
		"REQUEST_TIMEOUT":      requestTimeout.String(),
		// Short enough that requests keep reaching the database instead of the cache.
		"TENANT_CACHE_TTL":    "100ms",
		"TENANT_NEGATIVE_TTL": "100ms",
	}
	admin := adminCLI(t, env, db.URL)
	admin.createTenant("acme")
	admin.createUser("acme", "ada@example.com", "acme password 123")
	s := startLive(t, env)
	auth := "Authorization: Bearer " + s.login("acme", "ada@example.com", "acme password 123")
	require.Equal(t, http.StatusOK, s.get("/readyz").status)
	require.Equal(t, http.StatusOK, s.get("/api/v1/users", auth).status)

	var rec recorder
	stopLoad := make(chan struct{})
	var wg sync.WaitGroup
	worker := func(path string, headers ...string) {
		defer wg.Done()
		for {
			select {
			case <-stopLoad:
				return
			case <-time.After(2 * time.Millisecond):
			}
			rec.add(s.get(path, headers...))
		}
	}
	for range 8 {
		wg.Add(1)
		go worker("/api/v1/users", auth)
	}
	for range 2 {
		wg.Add(1)
		go worker("/readyz")
	}
	loadStopped := false
	stop := func() {
		if !loadStopped {
			loadStopped = true
			close(stopLoad)
			wg.Wait()
		}
	}
	defer stop()

	time.Sleep(300 * time.Millisecond)
	outageStart := time.Now()
	outage(proxy)
	down := time.Now()

	// Longer than twice REQUEST_TIMEOUT: a request stuck for the whole outage would show, and
	// even when the database stalls (every request then takes REQUEST_TIMEOUT), each worker
	// completes at least one request that starts and ends inside the outage.
	time.Sleep(2*requestTimeout + time.Second)
	r := s.get("/readyz")
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "readyz during the outage")
	assert.Equal(t, "server.unavailable", r.code)

	restore := time.Now()
	proxy.Restore()
	var recovered time.Time
	require.Eventually(t, func() bool {
		if s.get("/readyz").status != http.StatusOK || s.get("/api/v1/users", auth).status != http.StatusOK {
			return false
		}
		recovered = time.Now()
		return true
	}, 15*time.Second, 50*time.Millisecond, "the service did not recover after the database came back")
	// Keep the load on past recovery, to see that it stays recovered.
	time.Sleep(time.Second + 500*time.Millisecond)
	stop()

	all := rec.outcomes()
	require.NotEmpty(t, all)
	var (
		maxLatency, maxOutageLatency time.Duration
		during, afterRecovery        = map[string]map[int]int{}, map[string]map[int]int{}
	)
	for _, o := range all {
		maxLatency = max(maxLatency, o.latency())
		if o.end.After(outageStart) && o.start.Before(restore) {
			maxOutageLatency = max(maxOutageLatency, o.latency())
		}
		if !assert.NoError(t, o.err, "%s", o) {
			continue
		}
		assert.Less(t, o.latency(), hangBound, "no request may hang: %s", o)
		switch o.status {
		case http.StatusOK:
		case http.StatusServiceUnavailable:
			assert.Equal(t, "server.unavailable", o.code, "%s", o)
			assert.NotEmpty(t, o.retryAfter, "a 503 must say when to retry: %s", o)
		default:
			t.Errorf("only 200 and 503 are acceptable while the database comes and goes: %s", o)
		}
		switch {
		case o.start.After(down) && o.end.Before(restore):
			count(during, o.path, o.status)
			assert.Equal(t, http.StatusServiceUnavailable, o.status, "the database is unreachable: %s", o)
		case o.start.After(recovered.Add(time.Second)):
			count(afterRecovery, o.path, o.status)
			assert.Equal(t, http.StatusOK, o.status, "the database is back: %s", o)
		}
	}
	assert.NotEmpty(t, during["/api/v1/users"], "no users request ran during the outage")
	assert.NotEmpty(t, during["/readyz"], "no readiness request ran during the outage")
	assert.NotEmpty(t, afterRecovery["/api/v1/users"], "no users request ran after recovery")
	t.Logf("%d requests; during the outage (path -> status -> count): %v; after recovery: %v",
		len(all), during, afterRecovery)
	t.Logf("max latency: %s overall, %s for requests overlapping the outage (bound %s); recovery took %s after Restore",
		maxLatency, maxOutageLatency, hangBound, recovered.Sub(restore))
	t.Logf("log lines at warn or above: %d from the tenant change feed, %d access-log errors; first feed warning: %s",
		s.logs.FilterMessage("tenant change feed").Len(), s.logs.FilterMessage("request").Len(),
		firstMessage(s.logs.FilterMessage("tenant change feed")))
	for _, e := range s.logs.FilterMessage("request").All() {
		if code := e.ContextMap()["code"]; code != "server.unavailable" {
			t.Errorf("access log: %s %v", e.Message, e.ContextMap())
		}
	}
	assert.Zero(t, s.logs.FilterMessage("tenant change feed stopped").Len(), "the change feed must outlive the outage")

	require.NoError(t, s.stop())
	proxy.Close()
	verifyNoLeaks(t, goroutineIgnores(leaks)...)
}

func count(m map[string]map[int]int, path string, status int) {
	if m[path] == nil {
		m[path] = map[int]int{}
	}
	m[path][status]++
}

func firstMessage(logs *observer.ObservedLogs) string {
	all := logs.All()
	if len(all) == 0 {
		return "none"
	}
	fields := all[0].ContextMap()
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{all[0].Level.String(), all[0].Message}
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, fields[k]))
	}
	return strings.Join(parts, " ")
}
