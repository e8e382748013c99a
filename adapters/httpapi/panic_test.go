package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/zap/zapcore"
)

// A panicking handler answers a generic 500: the panic value and the stack may hold internals
// (SQL, file paths, secrets) and belong in the log line of the request, not in the response.
func TestPanicBecomesInternalProblem(t *testing.T) {
	const secret = "kaboom: password=hunter2-secret"
	h := newHarness(t, withRoute(http.MethodGet, "/boom", func(http.ResponseWriter, *http.Request) {
		panic(secret)
	}))

	rec := h.get("/boom", "Authorization", tokenFor(h.alice))

	p := requireProblem(t, rec, http.StatusInternalServerError, "server.internal")
	body := rec.Body.String()
	for _, leak := range []string{"kaboom", "hunter2", "goroutine", ".go:", "panic"} {
		assert.NotContains(t, body, leak)
	}
	assert.NotContains(t, p.Detail, secret)

	line := h.accessLine(rec)
	assert.Equal(t, zapcore.ErrorLevel, line.Level, "a 5xx is logged as an error")
	fields := line.ContextMap()
	assert.Equal(t, int64(http.StatusInternalServerError), fields["status"])
	assert.Equal(t, "server.internal", fields["code"])
	assert.Contains(t, fields["error"], secret, "the panic value is logged")
	assert.Contains(t, fields["error"], "goroutine", "with the stack")
}

// The server keeps working after a panic: the next request is served normally.
func TestPanicDoesNotPoisonTheServer(t *testing.T) {
	h := newHarness(t, withRoute(http.MethodGet, "/boom", func(http.ResponseWriter, *http.Request) {
		panic("first request fails")
	}))
	assert.Equal(t, http.StatusInternalServerError, h.get("/boom", "Authorization", tokenFor(h.alice)).Code)
	assert.Equal(t, http.StatusOK, h.get("/healthz").Code)
}

// http.ErrAbortHandler is net/http's way to abort a response silently; recovering it would turn
// a deliberate abort into a 500, so it must keep propagating.
func TestAbortHandlerPanicPropagates(t *testing.T) {
	h := newHarness(t, withRoute(http.MethodGet, "/abort", func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { h.get("/abort", "Authorization", tokenFor(h.alice)) })
}
