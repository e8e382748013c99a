package postgres_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
)

// cancelRequestCode is the protocol code of a CancelRequest, the whole first message (16 bytes)
// of a connection opened only to carry it.
const cancelRequestCode = 80877102

// cancelCounter is a TCP proxy in front of PostgreSQL that tells the connections carrying a
// CancelRequest from the sessions, and counts both.
type cancelCounter struct {
	ln     net.Listener
	target string // PostgreSQL's host:port

	cancels                        atomic.Int64
	sessionsStarted, sessionsEnded atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]struct{} // nil once closed
	wg    sync.WaitGroup
}

func newCancelCounter(t *testing.T, databaseURL string) *cancelCounter {
	t.Helper()
	u, err := url.Parse(databaseURL)
	require.NoError(t, err)
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &cancelCounter{ln: ln, target: u.Host, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// url is databaseURL through the proxy.
func (p *cancelCounter) url(t *testing.T, databaseURL string) string {
	t.Helper()
	u, err := url.Parse(databaseURL)
	require.NoError(t, err)
	u.Host = p.ln.Addr().String()
	return u.String()
}

func (p *cancelCounter) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *cancelCounter) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *cancelCounter) serve(client net.Conn) {
	defer p.wg.Done()
	defer func() { _ = client.Close() }()
	if !p.track(client) {
		return
	}
	// Every first message starts with its length and a code: a startup message, an SSLRequest,
	// or a CancelRequest.
	first := make([]byte, 8)
	if _, err := io.ReadFull(client, first); err != nil {
		return
	}
	isCancel := binary.BigEndian.Uint32(first[0:4]) == 16 && binary.BigEndian.Uint32(first[4:8]) == cancelRequestCode
	if isCancel {
		p.cancels.Add(1)
	} else {
		p.sessionsStarted.Add(1)
		defer p.sessionsEnded.Add(1)
	}
	upstream, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", p.target)
	if err != nil {
		return
	}
	defer func() { _ = upstream.Close() }()
	if !p.track(upstream) {
		return
	}
	if _, err := upstream.Write(first); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(upstream, client)
	go pipe(client, upstream)
	<-done // either side closing ends the pair
	_ = client.Close()
	_ = upstream.Close()
	<-done
}

func (p *cancelCounter) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// A request whose context ends mid-statement closes its connection and sends no CancelRequest:
// through a pooler, a cancel request names the pooler's connection rather than the statement, and
// meeting a server connection the server has just terminated has made PgBouncer 1.18 exit. The
// pool then serves the next statement on a new connection. pgx's own default, on the same proxy,
// does send one: the proxy can see what this test requires to be absent.
func TestCanceledStatementSendsNoCancelRequest(t *testing.T) {
	db := pgtest.New(t)
	a, _ := seedTwoTenants(t, db.OwnerPool(t))
	tc := tenanttest.Context(t, a)

	t.Run("tenant transaction", func(t *testing.T) {
		proxy := newCancelCounter(t, db.ServingURL(t))
		serving, err := postgres.Open(context.Background(), postgres.Config{
			URL: proxy.url(t, db.ServingURL(t)), MaxConns: 2, ConnectTimeout: 5 * time.Second,
			StatementTimeout: 30 * time.Second, Role: postgres.AppRole,
		})
		require.NoError(t, err)
		t.Cleanup(serving.Close)
		repo := postgres.NewScopedRepository(serving, usersTable())
		// Connected first: a deadline that ended while a loaded server was still accepting the
		// connection would cancel nothing, and leave a connection in the pool that never closes.
		_, err = repo.Count(context.Background(), tc, nil)
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err = repo.Count(ctx, tc, sq.Expr("pg_sleep(2) IS NOT NULL"))
		require.Error(t, err, "the statement outlives its request")
		assert.ErrorIs(t, err, context.DeadlineExceeded)

		n, err := repo.Count(context.Background(), tc, nil)
		require.NoError(t, err, "the pool serves the next statement")
		assert.Equal(t, int64(1), n)

		// A CancelRequest, if any, is sent and answered before its session connection is closed:
		// once the canceled session has ended, the count is final.
		require.Eventually(t, func() bool { return proxy.sessionsEnded.Load() >= 1 }, 10*time.Second, 10*time.Millisecond,
			"the canceled statement's connection is closed")
		assert.Zero(t, proxy.cancels.Load(), "CancelRequests sent")
		assert.GreaterOrEqual(t, proxy.sessionsStarted.Load(), int64(2), "the next statement ran on a new connection")
	})

	t.Run("statement outside a tenant transaction", func(t *testing.T) {
		proxy := newCancelCounter(t, db.URL)
		pool := pgtest.PoolAt(t, proxy.url(t, db.URL))
		var one int
		require.NoError(t, pool.QueryRow(context.Background(), "SELECT 1").Scan(&one), "connected first")
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := pool.Exec(ctx, "SELECT pg_sleep(2)")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, pool.QueryRow(context.Background(), "SELECT 1").Scan(&one), "the pool serves the next statement")
		require.Eventually(t, func() bool { return proxy.sessionsEnded.Load() >= 1 }, 10*time.Second, 10*time.Millisecond,
			"the canceled statement's connection is closed")
		assert.Zero(t, proxy.cancels.Load(), "CancelRequests sent")
	})

	t.Run("pgx default, for contrast", func(t *testing.T) {
		proxy := newCancelCounter(t, db.URL)
		conn, err := pgx.Connect(context.Background(), proxy.url(t, db.URL))
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close(context.Background()) })
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err = conn.Exec(ctx, "SELECT pg_sleep(2)")
		require.Error(t, err)
		require.Eventually(t, func() bool { return proxy.cancels.Load() == 1 }, 10*time.Second, 10*time.Millisecond,
			"pgx's default sends a CancelRequest when the context ends mid-statement")
	})
}
