package bootstrap_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// slowEnv is the environment of a server on databaseURL (a proxy to be slowed down) whose every
// request reaches the database.
func slowEnv(databaseURL string) map[string]string {
	return map[string]string{
		"DATABASE_URL":     databaseURL,
		"HTTP_ADDR":        "127.0.0.1:0",
		"LOG_LEVEL":        "warn",
		"SHUTDOWN_TIMEOUT": "15s",
		// Tiny, so that tenant resolution reads the database too.
		"TENANT_CACHE_TTL":    "1ms",
		"TENANT_NEGATIVE_TTL": "1ms",
	}
}

// wroteRequest returns a context whose request reports, on wrote, that it has been sent whole.
func wroteRequest(wrote *atomic.Int32) context.Context {
	return httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Add(1)
			}
		},
	})
}

// TestGracefulShutdownDrainsInFlight stops the application while requests are waiting on a slow
// database: Stop waits for every one of them, each completes with 200, and the port is closed to
// new connections as soon as the drain begins.
func TestGracefulShutdownDrainsInFlight(t *testing.T) {
	const n = 50
	const delay = 300 * time.Millisecond
	db := pgtest.New(t)
	proxy := newPGProxy(t, db.URL)
	env := slowEnv(proxy.URL(db.URL))
	admin := adminCLI(t, env, db.URL)
	admin.createTenant("acme")
	admin.createUser("acme", "ada@example.com", "acme password 123")
	s := startLive(t, env)
	auth := "Authorization: Bearer " + s.login("acme", "ada@example.com", "acme password 123")

	proxy.Delay(delay)
	queriesBefore := proxy.Queries()
	var wrote, completed atomic.Int32
	results := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.getContext(wroteRequest(&wrote), "/api/v1/users", auth)
			completed.Add(1)
		}()
	}
	// Every request is on the wire and the first ones have reached the database.
	require.Eventually(t, func() bool { return wrote.Load() == n && proxy.Queries() > queriesBefore },
		10*time.Second, time.Millisecond)
	time.Sleep(50 * time.Millisecond) // for the server to accept the last connections
	inFlight := n - completed.Load()
	require.Positive(t, inFlight, "every request finished before Stop: the test proves nothing")

	stopStart := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()

	// The listener closes as soon as the drain begins, while requests are still running.
	var inFlightWhenRefused int32
	require.Eventually(t, func() bool {
		inFlightWhenRefused = n - completed.Load()
		return dialRefused(s.srv.Addr())
	}, 5*time.Second, 5*time.Millisecond, "new connections are accepted while draining")

	var stopErr error
	select {
	case stopErr = <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return")
	}
	stopTook := time.Since(stopStart)
	wg.Wait()
	require.NoError(t, stopErr)

	var slowest time.Duration
	for _, o := range results {
		slowest = max(slowest, o.latency())
		if assert.NoError(t, o.err, "%s", o) {
			assert.Equal(t, http.StatusOK, o.status, "%s", o)
		}
	}
	assert.True(t, dialRefused(s.srv.Addr()), "new connections are accepted after Stop")
	t.Logf("%d requests, %d in flight at Stop and %d when the port was found closed; Stop took %s; slowest request %s",
		n, inFlight, inFlightWhenRefused, stopTook, slowest)
}

// dialRefused reports whether a TCP connection to addr is refused.
func dialRefused(addr string) bool {
	conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(context.Background(), "tcp", addr)
	if err == nil {
		_ = conn.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// TestServeExitsZeroOnSIGTERM runs the tenantcore binary and sends it SIGTERM while a request is
// waiting on a slow database: the request completes and the process exits 0.
func TestServeExitsZeroOnSIGTERM(t *testing.T) {
	bin := buildTenantcore(t)
	db := pgtest.New(t)
	proxy := newPGProxy(t, db.URL)
	env := slowEnv(proxy.URL(db.URL))
	env["LOG_LEVEL"] = "info" // for the "http server listening" line, which has the address
	admin := adminCLI(t, env, db.URL)
	admin.createTenant("acme")
	admin.createUser("acme", "ada@example.com", "acme password 123")

	p := startProcess(t, bin, env, "serve")
	var addr string
	select {
	case addr = <-p.stdout.addr:
	case <-p.exited:
		t.Fatalf("serve exited early: %v; stderr: %s", p.err, p.stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not report its address; stdout: %s", p.stdout.String())
	}
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	s := &liveService{service: &service{t: t, base: "http://" + addr, env: env, client: client}}
	auth := "Authorization: Bearer " + s.login("acme", "ada@example.com", "acme password 123")
	// The transport must dial afresh: an idle keep-alive connection would be closed by the
	// drain, and the request is to be one in flight, not one that races a closing connection.
	client.CloseIdleConnections()

	const delay = 500 * time.Millisecond
	proxy.Delay(delay)
	var wrote atomic.Int32
	result := make(chan outcome, 1)
	go func() { result <- s.getContext(wroteRequest(&wrote), "/api/v1/users", auth) }()
	require.Eventually(t, func() bool { return wrote.Load() == 1 }, 10*time.Second, time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	signalled := time.Now()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))

	var o outcome
	select {
	case o = <-result:
	case <-time.After(30 * time.Second):
		t.Fatal("the in-flight request did not complete")
	}
	require.NoError(t, o.err, "%s", o)
	assert.Equal(t, http.StatusOK, o.status, "%s", o)
	assert.True(t, o.end.After(signalled), "the request was not in flight at SIGTERM: %s", o)

	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM; stdout: %s", p.stdout.String())
	}
	assert.Equal(t, 0, p.cmd.ProcessState.ExitCode(), "stderr: %s", p.stderr.String())
	assert.Empty(t, p.stderr.String())
	assert.Contains(t, p.stdout.String(), "http server drained")
	t.Logf("request took %s; SIGTERM came %s into it; the process exited %s after SIGTERM",
		o.latency(), signalled.Sub(o.start), p.exitedAt.Sub(signalled))
}

// TestOneSIGTERMDuringStartStopsServe sends serve one SIGTERM while it starts: while the database
// does not answer (a stalled network: the self-check waits on its first connection), and while the
// self-check runs its statements on a database that answers each chunk a second late. Left alone,
// either start would wait on the database for many minutes; after the signal the process exits 0
// within SHUTDOWN_TIMEOUT, without a second signal and without an error line.
func TestOneSIGTERMDuringStartStopsServe(t *testing.T) {
	bin := buildTenantcore(t)
	db := pgtest.New(t)
	const shutdownTimeout = 5 * time.Second
	for _, tc := range []struct {
		name string
		// slow makes the database slow or unreachable; startedCheck tells that serve is inside
		// the self-check.
		slow         func(*pgProxy)
		startedCheck func(*pgProxy) bool
	}{
		{"database stalled while serve connects",
			func(p *pgProxy) { p.Stall() },
			func(p *pgProxy) bool { return p.Accepted() > 0 }},
		// With no idle connections kept, the second chunk sent is the self-check's first statement,
		// sent once its connection is up.
		{"self-check running on a slow database",
			func(p *pgProxy) { p.Delay(time.Second) },
			func(p *pgProxy) bool { return p.Queries() >= 2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := newPGProxy(t, db.URL)
			tc.slow(proxy)
			p := startProcess(t, bin, map[string]string{
				"DATABASE_URL":         proxy.URL(db.URL),
				"DATABASE_ADMIN_URL":   db.URL,
				"HTTP_ADDR":            "127.0.0.1:0",
				"LOG_LEVEL":            "warn",
				"DB_MIN_CONNS":         "0",
				"DB_CONNECT_TIMEOUT":   "10m",
				"DB_STATEMENT_TIMEOUT": "10m",
				"SHUTDOWN_TIMEOUT":     shutdownTimeout.String(),
			}, "serve")
			require.Eventually(t, func() bool { return tc.startedCheck(proxy) }, 30*time.Second, 5*time.Millisecond,
				"serve never reached the database; stderr: %s", p.stderr.String())
			select {
			case <-p.exited:
				t.Fatalf("serve exited before the signal: %v; stderr: %s", p.err, p.stderr.String())
			default:
			}

			signalled := time.Now()
			require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			select {
			case <-p.exited:
			case <-time.After(shutdownTimeout + 10*time.Second):
				t.Fatalf("serve still runs %s after one SIGTERM during its start; stdout: %s", time.Since(signalled), p.stdout.String())
			}
			assert.Equal(t, 0, p.cmd.ProcessState.ExitCode(), "stderr: %s", p.stderr.String())
			assert.Empty(t, p.stderr.String())
			t.Logf("serve exited %s after SIGTERM", p.exitedAt.Sub(signalled))
		})
	}
}

// TestServeRefusesUnsafeDatabase: serve refuses to start, with one line saying why, on a database
// where tenant isolation is not enforced and on a configuration that names no database.
func TestServeRefusesUnsafeDatabase(t *testing.T) {
	bin := buildTenantcore(t)

	t.Run("row-level security not forced on users", func(t *testing.T) {
		db := pgtest.New(t)
		owner := db.OwnerPool(t)
		_, err := owner.Exec(context.Background(), "ALTER TABLE users NO FORCE ROW LEVEL SECURITY")
		require.NoError(t, err)
		owner.Close()

		p := runProcess(t, bin, map[string]string{"DATABASE_URL": db.URL, "HTTP_ADDR": "127.0.0.1:0"}, "serve")
		assert.Equal(t, 1, p.cmd.ProcessState.ExitCode())
		line := oneStderrLine(t, p)
		assert.Contains(t, line, "self-check")
		assert.Contains(t, line, "users")
	})

	t.Run("DATABASE_URL is not a URL", func(t *testing.T) {
		p := runProcess(t, bin, map[string]string{"DATABASE_URL": "nonsense", "HTTP_ADDR": "127.0.0.1:0"}, "serve")
		assert.Equal(t, 2, p.cmd.ProcessState.ExitCode())
		assert.Contains(t, oneStderrLine(t, p), "DATABASE_URL")
	})
}

// TestServeRefusesOutOfRangeConfiguration runs the binary with values that used to panic with a
// goroutine trace, fail deep in serve's wiring or silently mean no statement timeout: each now stops
// it with exit code 2 and exactly one line naming the variable and what it accepts, before
// anything is logged or opened.
func TestServeRefusesOutOfRangeConfiguration(t *testing.T) {
	bin := buildTenantcore(t)
	for _, tc := range []struct {
		env  map[string]string
		line string
	}{
		{map[string]string{"TENANT_CACHE_TTL": "99ns"}, `TENANT_CACHE_TTL: "99ns" is not a duration from 1ms to 24h`},
		{map[string]string{"TENANT_NEGATIVE_TTL": "50ns"}, `TENANT_NEGATIVE_TTL: "50ns" is not a duration from 1ms to 24h`},
		{map[string]string{"JOB_POLL_INTERVAL": "500us"}, `JOB_POLL_INTERVAL: "500us" is not a duration from 10ms to 1h`},
		{map[string]string{"DB_CONNECT_TIMEOUT": "1ns"}, `DB_CONNECT_TIMEOUT: "1ns" is not a duration from 100ms to 10m`},
		{map[string]string{"DB_STATEMENT_TIMEOUT": "500us"}, `DB_STATEMENT_TIMEOUT: "500us" is not a duration from 1ms to 24h`},
		{map[string]string{"JWT_KEYS_DIR": "/nonexistent/keys", "JWT_ACTIVE_KID": "k1"}, `JWT_KEYS_DIR: "/nonexistent/keys" is not a readable directory (no such file or directory)`},
		{map[string]string{"JWT_KEYS_DIR": t.TempDir(), "JWT_ACTIVE_KID": "k1"}, `JWT_ACTIVE_KID: no readable key file k1.pem in `},
	} {
		name, _, _ := strings.Cut(tc.line, ":")
		t.Run(name, func(t *testing.T) {
			tc.env["HTTP_ADDR"] = "127.0.0.1:0"
			p := runProcess(t, bin, tc.env, "serve")
			assert.Equal(t, 2, p.cmd.ProcessState.ExitCode())
			line := oneStderrLine(t, p)
			assert.True(t, strings.HasPrefix(line, "tenantcore: configuration: "+tc.line), "got %q", line)
			assert.Empty(t, p.stdout.String(), "nothing is logged before the configuration is valid")
		})
	}
}

func oneStderrLine(t *testing.T, p *process) string {
	t.Helper()
	out := p.stderr.String()
	require.True(t, strings.HasSuffix(out, "\n") && strings.Count(out, "\n") == 1,
		"want exactly one line on stderr, got %q", out)
	return out
}

// buildTenantcore builds the tenantcore binary into the test's temporary directory.
func buildTenantcore(t *testing.T) string {
	t.Helper()
	// go test puts its own GOROOT/bin first in PATH, so this is the toolchain running the test.
	goBin, err := exec.LookPath("go")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "tenantcore")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin,
		"github.com/tenantcore/tenantcore/bootstrap/cmd/tenantcore").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// process is a running tenantcore command.
type process struct {
	cmd      *exec.Cmd
	stdout   *logWatcher
	stderr   *syncBuffer
	exited   chan struct{}
	exitedAt time.Time
	err      error
}

// startProcess runs bin with args and exactly the configuration in env (variables tenantcore
// reads are removed from the inherited environment). The process is killed at cleanup if it is
// still running.
func startProcess(t *testing.T, bin string, env map[string]string, args ...string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	known := map[string]bool{}
	for _, v := range bootstrap.Variables {
		known[v.Name] = true
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !known[name] {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{cmd: cmd, stdout: &logWatcher{addr: make(chan string, 1)}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		p.err = cmd.Wait()
		p.exitedAt = time.Now()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cancel() // kills the process if it still runs
		<-p.exited
	})
	return p
}

// runProcess runs bin to completion, which must come within a minute.
func runProcess(t *testing.T, bin string, env map[string]string, args ...string) *process {
	t.Helper()
	p := startProcess(t, bin, env, args...)
	select {
	case <-p.exited:
	case <-time.After(time.Minute):
		t.Fatalf("tenantcore %v did not exit; stderr: %s", args, p.stderr.String())
	}
	return p
}

// syncBuffer is a bytes.Buffer safe for a process to write while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logWatcher keeps a process's JSON log and sends the address of its "http server listening"
// line on addr.
type logWatcher struct {
	syncBuffer
	addr    chan string
	partial []byte
}

func (w *logWatcher) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(w.partial[:i], &line) == nil && line.Msg == "http server listening" {
			select {
			case w.addr <- line.Addr:
			default:
			}
		}
		w.partial = w.partial[i+1:]
	}
	return n, err
}
