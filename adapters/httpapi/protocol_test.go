package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
)

// These tests talk to a listening server over raw TCP: the inputs are ones Go's HTTP client
// would refuse to send, and what matters is what happens on the connection afterwards.

// listen starts the harness's server on a loopback port.
func (h *harness) listen() string {
	h.t.Helper()
	require.NoError(h.t, h.server.Start(h.t.Context()))
	h.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.server.Stop(ctx)
	})
	return h.server.Addr()
}

func onLoopback(c *httpapi.Config, _ *httpapi.Deps) { c.Addr = "127.0.0.1:0" }

// exchange writes raw on a new connection and reads every response the server sends until it
// closes the connection or falls silent; closed reports a close by the server.
func exchange(t *testing.T, addr, raw string) (responses []rawResponse, bodies []string, closed bool) {
	t.Helper()
	conn, err := (&net.Dialer{}).DialContext(t.Context(), "tcp", addr)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	go func() { _, _ = io.WriteString(conn, raw) }()
	r := bufio.NewReader(conn)
	for {
		// A kept-alive connection falls silent: the deadline ends the wait for more answers.
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(time.Second)))
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return responses, bodies, false
			}
			return responses, bodies, true // EOF or reset: the server closed
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		responses = append(responses, rawResponse{StatusCode: res.StatusCode, Header: res.Header})
		bodies = append(bodies, string(body))
	}
}

// rawResponse is what a test needs of one response read off the connection.
type rawResponse struct {
	StatusCode int
	Header     http.Header
}

func requireRawProblem(t *testing.T, res rawResponse, body string, status int, code string) {
	t.Helper()
	require.Equal(t, status, res.StatusCode, body)
	assert.Equal(t, httpapi.ProblemContentType, res.Header.Get("Content-Type"))
	var p httpapi.Problem
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	assert.Equal(t, code, p.Code)
	assert.Equal(t, status, p.Status)
	assert.Equal(t, http.StatusText(status), p.Title)
	assert.NotEmpty(t, p.Detail)
	assert.NotEmpty(t, p.RequestID)
	assert.Equal(t, p.RequestID, res.Header.Get(httpapi.HeaderRequestID))
	assert.Equal(t, "urn:tenantcore:request:"+p.RequestID, p.Instance)
}

const loginBody = `{"email":"alice@example.com","password":"alice-password-123"}`

// TestContentLengthWithTransferEncodingIsRefusedAndCloses feeds the smuggling primitive: a body
// framed both ways, followed by a second request hidden after the chunked terminator. The answer
// is one 400 problem and a closed connection; the hidden request is never served.
func TestContentLengthWithTransferEncodingIsRefusedAndCloses(t *testing.T) {
	addr := newHarness(t, onLoopback).listen()
	hidden := "GET /api/v1/tenant HTTP/1.1\r\nHost: example.com\r\nX-Tenant-ID: beta\r\n\r\n"
	for name, head := range map[string]string{
		"content-length first":       "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
		"transfer-encoding first":    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
		"lower-case names":           "content-length: 5\r\ntransfer-encoding: chunked\r\n",
		"content-length matches all": "Content-Length: " + strconv.Itoa(len("0\r\n\r\n"+hidden)) + "\r\nTransfer-Encoding: chunked\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			raw := "POST /api/v1/auth/token HTTP/1.1\r\nHost: example.com\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\n" +
				head + "\r\n0\r\n\r\n" + hidden
			responses, bodies, closed := exchange(t, addr, raw)
			require.Len(t, responses, 1, "the hidden request must not be answered: %q", bodies)
			requireRawProblem(t, responses[0], bodies[0], http.StatusBadRequest, "request.ambiguous_framing")
			assert.True(t, closed, "the server closes the connection after the answer")
		})
	}
}

func TestTransferEncodingInHTTP10IsRefused(t *testing.T) {
	addr := newHarness(t, onLoopback).listen()
	raw := "POST /api/v1/auth/token HTTP/1.0\r\nHost: example.com\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\n" +
		"Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n{}\n"
	responses, bodies, closed := exchange(t, addr, raw)
	require.Len(t, responses, 1)
	requireRawProblem(t, responses[0], bodies[0], http.StatusBadRequest, "request.ambiguous_framing")
	assert.True(t, closed)
}

// TestWellFramedRequestsKeepTheConnection: a chunked body alone, a Content-Length body and
// pipelined requests are served one after the other on one connection, as before.
func TestWellFramedRequestsKeepTheConnection(t *testing.T) {
	addr := newHarness(t, onLoopback).listen()
	chunked := "POST /api/v1/auth/token HTTP/1.1\r\nHost: example.com\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(loginBody)), 16) + "\r\n" + loginBody + "\r\n0\r\n\r\n"
	sized := "POST /api/v1/auth/token HTTP/1.1\r\nHost: example.com\r\nX-Tenant-ID: acme\r\nContent-Type: application/json\r\n" +
		"Content-Length: " + strconv.Itoa(len(loginBody)) + "\r\n\r\n" + loginBody
	plain := "GET /api/v1/tenant HTTP/1.1\r\nHost: example.com\r\nX-Tenant-ID: beta\r\n\r\n"
	responses, bodies, closed := exchange(t, addr, chunked+sized+plain+chunked)
	require.Len(t, responses, 4, "%q", bodies)
	for i, want := range []int{200, 200, 200, 200} {
		assert.Equal(t, want, responses[i].StatusCode, bodies[i])
	}
	assert.Contains(t, bodies[2], `"slug":"beta"`)
	assert.False(t, closed, "a well-framed exchange keeps the connection open")
}

// TestServerRefusalsAreProblems feeds what Go's server refuses before any handler runs; each
// answer is now a problem document, and the connection still closes.
func TestServerRefusalsAreProblems(t *testing.T) {
	addr := newHarness(t, onLoopback).listen()
	get := func(headers string) string {
		return "GET /api/v1/tenant HTTP/1.1\r\n" + headers + "\r\n"
	}
	for _, tc := range []struct {
		name, raw string
		status    int
		code      string
	}{
		{"two Host headers", get("Host: acme.example.com\r\nHost: beta.example.com\r\n"), 400, "request.malformed"},
		{"no Host header", get(""), 400, "request.malformed"},
		{"non-ASCII Host", get("Host: \u0430cme.example.com\r\n"), 400, "request.malformed"},
		{"control byte in a header value", get("Host: example.com\r\nX-Tenant-ID: ac\x01me\r\n"), 400, "request.malformed"},
		{"NUL in a header value", get("Host: example.com\r\nX-Tenant-ID: acme\x00\r\n"), 400, "request.malformed"},
		{"space in a header name", get("Host: example.com\r\nX Tenant: acme\r\n"), 400, "request.malformed"},
		{"headers over the limit", get("Host: example.com\r\nX-Tenant-ID: " + strings.Repeat("a", 200<<10) + "\r\n"), 431, "request.headers_too_large"},
		{"malformed Content-Length", "POST /api/v1/auth/token HTTP/1.1\r\nHost: example.com\r\nContent-Length: 12abc\r\n\r\n", 400, "request.malformed"},
		{"two different Content-Lengths", "POST /api/v1/auth/token HTTP/1.1\r\nHost: example.com\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "request.malformed"},
		{"unknown transfer coding", "POST /api/v1/auth/token HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "request.unsupported_transfer_encoding"},
		{"chunked twice", "POST /api/v1/auth/token HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501, "request.unsupported_transfer_encoding"},
		{"unsupported HTTP version", "GET /healthz HTTP/2.5\r\nHost: example.com\r\n\r\n", 505, "request.unsupported_version"},
		{"garbage request line", "HELLO\r\n\r\n", 400, "request.malformed"},
		{"unsupported expectation", get("Host: example.com\r\nExpect: 200-ok\r\n"), 417, "request.expectation_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			responses, bodies, closed := exchange(t, addr, tc.raw)
			require.Len(t, responses, 1, "%q", bodies)
			requireRawProblem(t, responses[0], bodies[0], tc.status, tc.code)
			assert.Equal(t, "no-store", responses[0].Header.Get("Cache-Control"))
			assert.True(t, closed)
		})
	}
}

// TestServerWideOptionsIsNotCacheable sends `OPTIONS *` on the wire, as the review did: Go's server
// used to answer it itself, without Cache-Control: no-store or a request ID. It is now answered
// like every other request: 204, no-store, a request ID and the methods the server routes.
func TestServerWideOptionsIsNotCacheable(t *testing.T) {
	addr := newHarness(t, onLoopback).listen()
	responses, bodies, _ := exchange(t, addr, "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n")
	require.Len(t, responses, 1, "%q", bodies)
	res := responses[0]
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	assert.NotEmpty(t, res.Header.Get(httpapi.HeaderRequestID))
	assert.Equal(t, "GET, HEAD, OPTIONS, POST", res.Header.Get("Allow"))
	assert.Empty(t, bodies[0])

	// An OPTIONS request for a resource is still the router's, with that resource's methods.
	responses, bodies, _ = exchange(t, addr, "OPTIONS /api/v1/auth/token HTTP/1.1\r\nHost: example.com\r\n\r\n")
	require.Len(t, responses, 1, "%q", bodies)
	assert.Equal(t, "no-store", responses[0].Header.Get("Cache-Control"))
	assert.NotContains(t, responses[0].Header.Get("Allow"), http.MethodGet)
}
