package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
)

func TestRequestID(t *testing.T) {
	tests := []struct {
		name     string
		incoming []string // X-Request-ID values sent
		kept     bool     // whether the single incoming value is echoed as is
	}{
		{name: "sane id is kept", incoming: []string{"req-42_a.b:c"}, kept: true},
		{name: "uuid is kept", incoming: []string{"0192f5e4-7c1a-7d3e-9a4b-1c2d3e4f5a6b"}, kept: true},
		{name: "128 characters is kept", incoming: []string{strings.Repeat("a", 128)}, kept: true},
		{name: "none"},
		{name: "empty", incoming: []string{""}},
		// Anything that could forge or split a log line, or bloat it, is replaced.
		{name: "129 characters", incoming: []string{strings.Repeat("a", 129)}},
		{name: "spaces", incoming: []string{"req 42"}},
		{name: "newline", incoming: []string{"req-42\nlevel=error msg=forged"}},
		{name: "control character", incoming: []string{"req-\x0142"}},
		{name: "quote", incoming: []string{`req-"42"`}},
		{name: "non-ascii", incoming: []string{"req-\u00e942"}},
		{name: "html", incoming: []string{"<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			req := h.request(http.MethodGet, "/nope", nil)
			for _, v := range tt.incoming {
				req.Header.Add(httpapi.HeaderRequestID, v)
			}

			rec := h.do(req)

			got := rec.Header().Get(httpapi.HeaderRequestID)
			if tt.kept {
				assert.Equal(t, tt.incoming[0], got)
			} else {
				_, err := uuid.Parse(got)
				assert.NoError(t, err, "a generated id replaces %q, got %q", tt.incoming, got)
			}
			// The same id ties together the response header, the problem and the log line.
			p := requireProblem(t, rec, http.StatusNotFound, "route.not_found")
			assert.Equal(t, got, p.RequestID)
			assert.Equal(t, got, h.accessLine(rec).ContextMap()["request_id"])
		})
	}
}

func TestRequestIDsAreUnique(t *testing.T) {
	h := newHarness(t)
	seen := map[string]bool{}
	for range 20 {
		id := h.get("/healthz").Header().Get(httpapi.HeaderRequestID)
		require.NotEmpty(t, id)
		assert.False(t, seen[id], "id %s reused", id)
		seen[id] = true
	}
	assert.Len(t, h.logs.FilterMessage("request").FilterFieldKey("request_id").All(), 20)
	assert.Empty(t, h.logs.FilterField(zap.String("request_id", "")).All(), "no line without an id")
}
