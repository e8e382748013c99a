package bootstrap_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pgProxy is a TCP proxy in front of PostgreSQL, for simulating outages and slow networks without
// touching the shared server. Cut closes its listener and every connection, so that the service
// sees what it would see if the database went away: broken connections and refused dials. Stall
// is the nastier outage of a network partition: nothing is closed, nothing gets through. Restore
// ends either. Delay holds back each chunk PostgreSQL sends.
//
// Every goroutine it starts has ended once Cut or the test's cleanup returns.
type pgProxy struct {
	t      testing.TB
	target string // PostgreSQL's host:port
	addr   string // the proxy's host:port, fixed by the first listen

	delay    atomic.Int64 // time.Duration added to each chunk from PostgreSQL
	stalled  atomic.Bool  // chunks are held, in both directions, until their connection closes
	queries  atomic.Int64 // chunks forwarded to PostgreSQL, to tell when requests reach it
	accepted atomic.Int64 // client connections accepted, stalled or not

	mu     sync.Mutex
	ln     net.Listener
	conns  map[*proxyPair]struct{}
	closed bool
	wg     sync.WaitGroup
}

// proxyPair is one client connection and its upstream connection.
type proxyPair struct {
	client, upstream net.Conn
	done             chan struct{} // closed when the pair is torn down; interrupts delays
	once             sync.Once
}

func (p *proxyPair) close() {
	p.once.Do(func() {
		close(p.done)
		_ = p.client.Close()
		_ = p.upstream.Close()
	})
}

// newPGProxy starts a proxy to the host:port of databaseURL.
func newPGProxy(t testing.TB, databaseURL string) *pgProxy {
	t.Helper()
	u, err := url.Parse(databaseURL)
	require.NoError(t, err)
	p := &pgProxy{t: t, target: u.Host, addr: "127.0.0.1:0", conns: map[*proxyPair]struct{}{}}
	p.listen()
	t.Cleanup(p.Close)
	return p
}

// URL returns databaseURL with its host:port replaced by the proxy's.
func (p *pgProxy) URL(databaseURL string) string {
	p.t.Helper()
	u, err := url.Parse(databaseURL)
	require.NoError(p.t, err)
	u.Host = p.addr
	return u.String()
}

// Delay makes each chunk forwarded from PostgreSQL wait d; zero forwards at once.
func (p *pgProxy) Delay(d time.Duration) { p.delay.Store(int64(d)) }

// Queries is how many chunks clients have sent to PostgreSQL through the proxy.
func (p *pgProxy) Queries() int64 { return p.queries.Load() }

// Accepted is how many client connections the proxy has accepted, during a stall too.
func (p *pgProxy) Accepted() int64 { return p.accepted.Load() }

// Cut stops accepting, closes every connection and waits for its goroutines to end. Dials to the
// proxy's address are refused until Restore.
func (p *pgProxy) Cut() {
	p.mu.Lock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Stall stops forwarding without closing anything: bytes already on their way are held, and new
// connections are accepted (and dialled upstream, as a load balancer would) but get no answer.
func (p *pgProxy) Stall() { p.stalled.Store(true) }

// Restore ends an outage. After Cut it listens again on the same address. After Stall it closes
// every connection that lived through the stall, as the TCP resets that end a partition would, and
// forwards again.
func (p *pgProxy) Restore() {
	p.t.Helper()
	p.mu.Lock()
	if p.stalled.Swap(false) {
		for c := range p.conns {
			c.close()
		}
	}
	up := p.ln != nil || p.closed
	p.mu.Unlock()
	if !up {
		p.listen()
	}
}

// Close cuts the proxy for good; it is idempotent and runs at cleanup.
func (p *pgProxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Cut()
}

func (p *pgProxy) listen() {
	p.t.Helper()
	var ln net.Listener
	// The port was ours a moment ago; Go listeners set SO_REUSEADDR, so only another process
	// taking it in between could make this fail, which the retries make unlikely to matter.
	require.Eventually(p.t, func() bool {
		var err error
		ln, err = (&net.ListenConfig{}).Listen(context.Background(), "tcp", p.addr)
		return err == nil
	}, 5*time.Second, 20*time.Millisecond, "proxy: listen on %s", p.addr)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln = ln
	p.addr = ln.Addr().String()
	p.wg.Add(1)
	go p.accept(ln)
}

func (p *pgProxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		client, err := ln.Accept()
		if err != nil {
			return // closed by Cut
		}
		p.accepted.Add(1)
		upstream, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(context.Background(), "tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		pair := &proxyPair{client: client, upstream: upstream, done: make(chan struct{})}
		p.mu.Lock()
		if p.ln != ln {
			// Cut ran between Accept and here.
			p.mu.Unlock()
			pair.close()
			return
		}
		p.conns[pair] = struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(pair, pair.upstream, pair.client, false)
		go p.pipe(pair, pair.client, pair.upstream, true)
	}
}

// pipe copies src to dst until either side fails, then tears the pair down.
func (p *pgProxy) pipe(pair *proxyPair, dst io.Writer, src io.Reader, fromClient bool) {
	defer p.wg.Done()
	defer func() {
		pair.close()
		p.mu.Lock()
		delete(p.conns, pair)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && p.stalled.Load() {
			<-pair.done // held until Restore or Cut closes the connection
			return
		}
		if n > 0 {
			if fromClient {
				p.queries.Add(1)
			} else if d := time.Duration(p.delay.Load()); d > 0 {
				timer := time.NewTimer(d)
				select {
				case <-timer.C:
				case <-pair.done:
					timer.Stop()
					return
				}
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				p.t.Logf("proxy: %v", err)
			}
			return
		}
	}
}
