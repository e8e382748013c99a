package main

// Protocol-level attacks on the real binary: ambiguous request framing (smuggling), requests the
// HTTP server refuses before routing, forged tokens that a lenient parser would accept, and the
// cache headers of tenant-scoped answers.

import (
	"bufio"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdversarialProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against PostgreSQL")
	}
	w := newWorld(t)

	t.Run("smuggling: Content-Length and Transfer-Encoding together", func(t *testing.T) {
		w.smuggling(t)
	})

	for _, c := range w.protocolCases(t) {
		t.Run(c.name, func(t *testing.T) {
			r := w.srv.do(t, c.req)
			if c.want.status == http.StatusNotImplemented {
				// The one 5xx a client can cause on purpose: RFC 9112 §6.1 asks for 501 when the
				// transfer coding is unknown. It is still a problem, and never a server failure.
				require.Equal(t, c.want.status, r.status, "request: %s\n%s", c.req, r.body)
				checkProblem(t, c, r, fmt.Sprintf("request: %s\nbody: %s", c.req, r.body))
			} else {
				w.check(t, c, r)
			}
			assert.Equal(t, "no-store", r.header.Get("Cache-Control"), "request: %s", c.req)
		})
	}
}

// smuggling sends a login framed both ways with a request for globex's tenant hidden after the
// chunked terminator. A front proxy framing by Content-Length would see one request; the server
// must not see two: it answers one 400 problem and closes the connection.
func (w *world) smuggling(t *testing.T) {
	hidden := "GET /api/v1/tenant HTTP/1.1\r\nHost: " + w.srv.addr + "\r\nX-Tenant-ID: globex\r\n\r\n"
	body := "0\r\n\r\n" + hidden
	raw := "POST /api/v1/auth/token HTTP/1.1\r\nHost: " + w.srv.addr + "\r\nX-Tenant-ID: acme\r\n" +
		"Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n" + body

	conn, err := dialTCP(w.srv.addr)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = io.WriteString(conn, raw)
	require.NoError(t, err)

	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, &http.Request{Method: http.MethodPost})
	require.NoError(t, err)
	first, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	_ = res.Body.Close()
	r := response{status: res.StatusCode, header: res.Header, body: first}
	w.check(t, tcase{name: "smuggling", req: request{method: http.MethodPost, target: "/api/v1/auth/token"},
		want: problem(http.StatusBadRequest, "request.ambiguous_framing")}, r)

	// Nothing more: the connection ends without a second answer (EOF or reset, not a timeout).
	second, err := http.ReadResponse(br, nil)
	if err == nil {
		_ = second.Body.Close()
	}
	require.Error(t, err, "the hidden request was answered")
	var ne net.Error
	assert.False(t, errors.As(err, &ne) && ne.Timeout(), "the server kept the connection open: %v", err)
}

// protocolCases are requests answered before or around routing; each answer is a problem.
func (w *world) protocolCases(t *testing.T) []tcase {
	exp := strconv.FormatInt(time.Now().Add(10*time.Minute).Unix(), 10)
	post := func(headers ...string) request {
		return request{method: http.MethodPost, target: "/api/v1/auth/token", headers: append([]string{xtid("acme")}, headers...)}
	}
	return []tcase{
		{"framing: unknown transfer coding", post("Transfer-Encoding: gzip"), problem(501, "request.unsupported_transfer_encoding")},
		{"framing: chunked listed twice", post("Transfer-Encoding: chunked, chunked"), problem(501, "request.unsupported_transfer_encoding")},
		{"framing: malformed Content-Length", post("Content-Length: 12abc"), problem(400, "request.malformed")},
		{"framing: negative Content-Length", post("Content-Length: -1"), problem(400, "request.malformed")},
		{"framing: two different Content-Lengths", post("Content-Length: 1", "Content-Length: 2"), problem(400, "request.malformed")},
		{"header: name with a space", get("/api/v1/tenant", "X Tenant: acme"), problem(400, "request.malformed")},

		// Tokens signed with the real key whose JSON a lenient parser reads one way and a reader
		// of the first value another: each is refused as a whole.
		{"token: exp as a string", get("/api/v1/me", bearer(w.signRaw(t, validHeader, w.rawClaims(w.adaA.ID, `"tid":"`+w.acme.ID+`","exp":"`+exp+`"`)))), problem(401, "auth.unauthenticated")},
		{"token: tid in braces", get("/api/v1/me", bearer(w.signRaw(t, validHeader, w.rawClaims(w.adaA.ID, `"tid":"{`+w.acme.ID+`}","exp":`+exp)))), problem(401, "auth.unauthenticated")},
		{"token: tid as urn:uuid", get("/api/v1/me", bearer(w.signRaw(t, validHeader, w.rawClaims(w.adaA.ID, `"tid":"urn:uuid:`+w.acme.ID+`","exp":`+exp)))), problem(401, "auth.unauthenticated")},
		{"token: duplicate tid, globex last", get("/api/v1/users", bearer(w.signRaw(t, validHeader, w.rawClaims(w.adaG.ID, `"tid":"`+w.acme.ID+`","tid":"`+w.globex.ID+`","exp":`+exp)))), problem(401, "auth.unauthenticated")},
		{"token: duplicate kid in the header", get("/api/v1/me", bearer(w.signRaw(t, `{"alg":"EdDSA","kid":"k0","kid":"k1"}`, w.rawClaims(w.adaA.ID, `"tid":"`+w.acme.ID+`","exp":`+exp)))), problem(401, "auth.unauthenticated")},
		{"token: unknown crit extension", get("/api/v1/me", bearer(w.signRaw(t, `{"alg":"EdDSA","kid":"k1","crit":["x-tenant"],"x-tenant":"globex"}`, w.rawClaims(w.adaA.ID, `"tid":"`+w.acme.ID+`","exp":`+exp)))), problem(401, "auth.unauthenticated")},
		{"token: control, same construction", get("/api/v1/me", bearer(w.signRaw(t, validHeader, w.rawClaims(w.adaA.ID, `"tid":"`+w.acme.ID+`","exp":`+exp)))), ok("acme", w.adaA.ID)},

		// A shared cache keyed on the URL alone must keep none of these.
		{"cache: tenant by header", get("/api/v1/tenant", xtid("acme")), ok("acme", w.acme.ID)},
		{"cache: tenant by subdomain", get("/api/v1/tenant", host("globex.example.com")), ok("globex", w.globex.ID)},
		{"cache: tenant by path", get("/t/acme/api/v1/tenant"), ok("acme", w.acme.ID)},
		{"cache: me", get("/api/v1/me", bearer(w.tokA)), ok("acme", w.adaA.ID)},
		{"cache: users", get("/api/v1/users", bearer(w.tokG)), ok("globex", w.adaG.ID)},
		{"cache: one user", get("/api/v1/users/"+w.carolA.ID, bearer(w.tokA)), ok("acme", w.carolA.ID)},
		{"cache: login", loginRequest(sharedEmail, acmePassword, xtid("acme")), ok("acme")},
		{"cache: problem, other tenant's user", get("/api/v1/users/"+w.bobG.ID, bearer(w.tokA)), problem(404, "resource.not_found")},
		{"cache: problem, token of another tenant", get("/api/v1/users", bearer(w.tokA), xtid("globex")), problem(403, "tenant.mismatch")},
		{"cache: problem, unknown tenant", get("/api/v1/tenant", xtid("nobody")), problem(404, "tenant.not_found")},
		{"cache: problem, no token", get("/api/v1/me", xtid("acme")), problem(401, "auth.unauthenticated")},
	}
}

const validHeader = `{"alg":"EdDSA","typ":"JWT","kid":"k1"}`

// rawClaims is the JSON text of valid claims for sub, with rest (tid and exp) written verbatim.
func (w *world) rawClaims(sub, rest string) string {
	now := strconv.FormatInt(time.Now().Unix(), 10)
	return `{"iss":"` + issuer + `","aud":"` + audience + `","sub":"` + sub + `","iat":` + now + `,"nbf":` + now +
		`,"jti":"` + uuid.NewString() + `",` + rest + `}`
}

// signRaw signs header and claims given as JSON text with the server's key k1.
func (w *world) signRaw(t *testing.T, header, claims string) string {
	t.Helper()
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	return input + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(w.k1, []byte(input)))
}
