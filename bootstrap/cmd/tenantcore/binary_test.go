package main

// This file runs the real tenantcore binary as a black box: it builds it once, drives its
// operator commands as subprocesses, serves it on a loopback port and talks to it over raw TCP,
// so that requests Go's HTTP client would refuse or normalise reach the server byte for byte.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// binPath is the tenantcore binary TestMain builds.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "tenantcore-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create build directory:", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	binPath = filepath.Join(dir, "tenantcore")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The go of the toolchain running this test, so that the binary matches it.
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go") //nolint:staticcheck // SA1019: here the build-time root is exactly what is wanted
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build tenantcore: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// baseEnv is this process's environment without any tenantcore configuration variable, so that
// a developer's shell cannot change what the binary under test does.
func baseEnv(extra map[string]string) []string {
	configured := map[string]bool{}
	for _, v := range bootstrap.Variables {
		configured[v.Name] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !configured[name] {
			env = append(env, kv)
		}
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// cli runs one operator command of the binary against db and returns its standard output.
func cli(t *testing.T, db pgtest.Database, stdin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = baseEnv(map[string]string{"DATABASE_URL": db.URL, "LOG_LEVEL": "warn"})
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "tenantcore %s: %s", strings.Join(args, " "), stderr.String())
	return stdout.Bytes()
}

// syncBuffer collects a subprocess's output while tests read it.
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

// server is a running `tenantcore serve`.
type server struct {
	addr string // 127.0.0.1:port
	logs *syncBuffer
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// serve starts the binary's server with env (on top of the database) and waits until /readyz
// answers 200. At cleanup it sends SIGTERM and requires a clean exit (status 0).
func serve(t *testing.T, db pgtest.Database, env map[string]string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t), logs: &syncBuffer{}}
	all := map[string]string{
		// Serving connections through the pooler when the test run has one; administration direct.
		"DATABASE_URL":       db.ServingURL(t),
		"JOB_DATABASE_URL":   db.WorkersURL(t),
		"DATABASE_ADMIN_URL": db.URL,
		"HTTP_ADDR":          s.addr,
		"LOG_LEVEL":          "warn",
		"SHUTDOWN_TIMEOUT":   "5s",
	}
	for k, v := range env {
		all[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binPath, "serve")
	cmd.Env = baseEnv(all)
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	// Should the test end without the SIGTERM below (a failed start), the server is killed.
	cmd.WaitDelay = 10 * time.Second
	require.NoError(t, cmd.Start())

	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		defer cancel()
		select {
		case <-done:
			return // it never started serving; the test has failed already
		default:
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		select {
		case <-done:
			require.NoError(t, waitErr, "serve must exit with status 0 on SIGTERM; logs:\n%s", s.logs.String())
		case <-time.After(20 * time.Second):
			cancel()
			<-done
			t.Errorf("serve did not stop within 20s of SIGTERM; logs:\n%s", s.logs.String())
		}
	})

	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-done:
			t.Fatalf("serve exited before it was ready: %v\n%s", waitErr, s.logs.String())
		default:
		}
		if r, err := s.send(request{target: "/readyz"}); err == nil && r.status == http.StatusOK {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready within 20s; logs:\n%s", s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// request is one HTTP/1.1 request, written to the wire exactly as given.
type request struct {
	method string // GET when empty
	// target is the request-target, verbatim: origin form (/path?query) or absolute form.
	target string
	// headers are "Name: value" lines, written verbatim and in order. A "Host:" line replaces
	// the default Host (the server's address); several are all sent.
	headers []string
	body    string
}

func (r request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.methodOrGet(), r.target)
	for _, h := range r.headers {
		if len(h) > 120 {
			h = fmt.Sprintf("%s… (%d bytes)", h[:60], len(h))
		}
		fmt.Fprintf(&b, " | %q", h)
	}
	if r.body != "" {
		fmt.Fprintf(&b, " | body %q", r.body)
	}
	return b.String()
}

func (r request) methodOrGet() string {
	if r.method == "" {
		return http.MethodGet
	}
	return r.method
}

// response is a finished exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// wire renders r as bytes. Connection: close keeps every exchange on its own connection, so no
// idle keep-alive connection can delay the server's shutdown.
func (s *server) wire(r request) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", r.methodOrGet(), r.target)
	hasHost := false
	for _, h := range r.headers {
		if name, _, _ := strings.Cut(h, ":"); strings.EqualFold(strings.TrimSpace(name), "Host") {
			hasHost = true
		}
	}
	if !hasHost {
		fmt.Fprintf(&b, "Host: %s\r\n", s.addr)
	}
	for _, h := range r.headers {
		b.WriteString(h)
		b.WriteString("\r\n")
	}
	if r.body != "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.body))
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.WriteString(r.body)
	return b.Bytes()
}

// send writes r on a new connection and reads the response. The request is written by another
// goroutine while this one reads: a server refusing an oversized request answers before it has
// read it all, and the answer must be read before the connection is reset. The write side is
// never half-closed (see TestClientHalfCloseIsNotAServerError for why that matters).
func (s *server) send(r request) (response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return response{}, err
	}
	defer func() { _ = conn.Close() }()
	if err := conn.SetDeadline(time.Now().Add(15 * time.Second)); err != nil {
		return response{}, err
	}
	data := s.wire(r)
	go func() { _, _ = conn.Write(data) }()
	return readResponse(conn, r.methodOrGet())
}

// dialTCP connects to addr, for tests that need the TCP connection itself.
func dialTCP(addr string) (*net.TCPConn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tcp, ok := conn.(*net.TCPConn)
	if !ok {
		_ = conn.Close()
		return nil, fmt.Errorf("dial %s: got a %T", addr, conn)
	}
	return tcp, nil
}

func readResponse(conn net.Conn, method string) (response, error) {
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		return response{}, fmt.Errorf("read response: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return response{}, fmt.Errorf("read body: %w", err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}, nil
}

// do is send for tests: a transport failure fails the test.
func (s *server) do(t *testing.T, r request) response {
	t.Helper()
	res, err := s.send(r)
	require.NoError(t, err, "request: %s", r)
	return res
}
