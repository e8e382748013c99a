package httpapi

import (
	"bytes"
	"context"
	"net"
	"sync"
)

// Go's HTTP server hides two things this service must act on: it drops Content-Length when
// Transfer-Encoding is present (so a handler cannot see that a request was framed two ways), and
// it answers some malformed requests itself, in plain text, before any handler runs. Each
// accepted connection is therefore wrapped: reads note which framing headers the latest request
// head carried, and the server's own plain-text refusals are rewritten as problems on the way out.

// listener wraps every accepted connection.
type listener struct {
	net.Listener
	requestIDs func() string
}

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c, requestIDs: l.requestIDs}, nil
}

// framing is what the header fields of one request head said about its body.
type framing struct {
	contentLength, transferEncoding bool
}

// conn delivers what it reads in pieces that end at the end of a request head at the latest, so
// that when the server calls a handler the last complete head it read is this request's. Only
// body-less heads (a stray empty line) do not count as heads.
type conn struct {
	net.Conn
	requestIDs func() string

	// pending holds bytes read from the network but not yet handed to the server, and
	// pendingErr the error that came with them.
	pending    []byte
	pendingErr error

	mu sync.Mutex
	// The line being read: its length and its first bytes, lower-cased.
	lineLen    int
	linePrefix [len("transfer-encoding:")]byte
	lines      int     // non-empty lines in the current head
	current    framing // framing headers seen so far in the current head
	last       framing // those of the latest complete head
}

type connKey struct{}

// connContext makes the connection reachable from the requests read on it.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*conn); ok {
		return context.WithValue(ctx, connKey{}, fc)
	}
	return ctx
}

// lastFraming reports the framing headers of the latest request head read on the connection
// of ctx, and false outside a wrapped connection (tests that use the handler without a listener).
func lastFraming(ctx context.Context) (framing, bool) {
	c, ok := ctx.Value(connKey{}).(*conn)
	if !ok {
		return framing{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, true
}

func (c *conn) Read(p []byte) (int, error) {
	var n int
	var err error
	if len(c.pending) > 0 {
		n = copy(p, c.pending)
		c.pending = c.pending[n:]
		if len(c.pending) == 0 {
			err, c.pendingErr = c.pendingErr, nil
		}
	} else {
		n, err = c.Conn.Read(p)
	}
	if n == 0 {
		return n, err
	}
	c.mu.Lock()
	end := c.scan(p[:n])
	c.mu.Unlock()
	if end < n {
		// Keep what follows the head for the next read (rare: pipelined or early body bytes).
		c.pending = append(append([]byte(nil), p[end:n]...), c.pending...)
		if err != nil {
			c.pendingErr, err = err, nil
		}
		n = end
	}
	return n, err
}

// scan follows the lines of data and returns how many bytes go up to and including the end of
// the first request head in it (an empty line), or len(data) if no head ends in it.
func (c *conn) scan(data []byte) int {
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			c.addToLine(data[i:])
			return len(data)
		}
		c.addToLine(data[i : i+j])
		i += j + 1
		if c.endLine() {
			return i
		}
	}
	return len(data)
}

func (c *conn) addToLine(b []byte) {
	for _, ch := range b {
		if c.lineLen < len(c.linePrefix) {
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			c.linePrefix[c.lineLen] = ch
		}
		c.lineLen++
	}
}

// endLine closes the current line; it reports whether the line was empty, ending a head.
func (c *conn) endLine() bool {
	prefix := c.linePrefix[:min(c.lineLen, len(c.linePrefix))]
	c.lineLen = 0
	if len(prefix) == 0 || (len(prefix) == 1 && prefix[0] == '\r') {
		if c.lines > 0 {
			c.last = c.current
		}
		c.lines, c.current = 0, framing{}
		return true
	}
	c.lines++
	switch {
	case bytes.HasPrefix(prefix, []byte("content-length:")):
		c.current.contentLength = true
	case bytes.HasPrefix(prefix, []byte("transfer-encoding:")):
		c.current.transferEncoding = true
	}
	return false
}

func (c *conn) Write(p []byte) (int, error) {
	if problem, ok := rewriteServerRefusal(p, c.requestIDs); ok {
		if _, err := c.Conn.Write(problem); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite lets the server half-close, as it does after refusing oversized headers.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
