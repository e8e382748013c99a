package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// otlpReceiver is a collector speaking OTLP/HTTP with protobuf bodies, as the specification
// describes it: POST /v1/traces with an ExportTraceServiceRequest. It keeps every span it gets.
type otlpReceiver struct {
	url   string
	mu    sync.Mutex
	spans []*tracepb.Span
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "want POST /v1/traces with application/x-protobuf", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var export coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &export); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rs := range export.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				r.spans = append(r.spans, ss.GetSpans()...)
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

// waitFor returns the received spans once match finds what it needs among them.
func (r *otlpReceiver) waitFor(t *testing.T, what string, match func([]*tracepb.Span) bool) []*tracepb.Span {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r.mu.Lock()
		spans := append([]*tracepb.Span(nil), r.spans...)
		r.mu.Unlock()
		if match(spans) {
			return spans
		}
		if time.Now().After(deadline) {
			names := make([]string, 0, len(spans))
			for _, s := range spans {
				names = append(names, s.GetName())
			}
			t.Fatalf("the collector did not receive %s within 20s; it has: %v", what, names)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func spanAttr(s *tracepb.Span, key string) string {
	for _, kv := range s.GetAttributes() {
		if kv.GetKey() != key {
			continue
		}
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			return v.StringValue
		case *commonpb.AnyValue_BoolValue:
			return strconv.FormatBool(v.BoolValue)
		case *commonpb.AnyValue_IntValue:
			return strconv.FormatInt(v.IntValue, 10)
		}
	}
	return ""
}

func find(spans []*tracepb.Span, match func(*tracepb.Span) bool) *tracepb.Span {
	for _, s := range spans {
		if match(s) {
			return s
		}
	}
	return nil
}

func named(name string) func(*tracepb.Span) bool {
	return func(s *tracepb.Span) bool { return s.GetName() == name }
}

func childrenOf(spans []*tracepb.Span, parent *tracepb.Span) map[string]*tracepb.Span {
	out := map[string]*tracepb.Span{}
	for _, s := range spans {
		if bytes.Equal(s.GetTraceId(), parent.GetTraceId()) && bytes.Equal(s.GetParentSpanId(), parent.GetSpanId()) {
			out[s.GetName()] = s
		}
	}
	return out
}

// logTree logs the spans under root, indented, with the attributes a reader looks for first: the
// sample trace of the README comes from here.
func logTree(t *testing.T, spans []*tracepb.Span, root *tracepb.Span) {
	t.Helper()
	var b strings.Builder
	var walk func(s *tracepb.Span, depth int)
	walk = func(s *tracepb.Span, depth int) {
		fmt.Fprintf(&b, "%s%s [%s %.2f ms]", strings.Repeat("  ", depth), s.GetName(),
			strings.TrimPrefix(s.GetKind().String(), "SPAN_KIND_"), float64(s.GetEndTimeUnixNano()-s.GetStartTimeUnixNano())/1e6)
		for _, kv := range s.GetAttributes() {
			switch kv.GetKey() {
			case "tenant.id", "tenant.cache", "tenant.resolution.source", "db.mode", "tenantcore.unit_of_work.joined",
				"http.response.status_code", "tenantcore.job.attempt", "tenantcore.job.outcome":
				fmt.Fprintf(&b, " %s=%s", kv.GetKey(), spanAttr(s, kv.GetKey()))
			}
		}
		for _, l := range s.GetLinks() {
			fmt.Fprintf(&b, " link=%s/%s", hex.EncodeToString(l.GetTraceId()), hex.EncodeToString(l.GetSpanId()))
		}
		b.WriteString("\n")
		var children []*tracepb.Span
		for _, c := range spans {
			if bytes.Equal(c.GetTraceId(), s.GetTraceId()) && bytes.Equal(c.GetParentSpanId(), s.GetSpanId()) {
				children = append(children, c)
			}
		}
		// In the order they started, whatever order the batches brought them in.
		slices.SortFunc(children, func(a, b *tracepb.Span) int {
			return cmp.Compare(a.GetStartTimeUnixNano(), b.GetStartTimeUnixNano())
		})
		for _, c := range children {
			walk(c, depth+1)
		}
	}
	fmt.Fprintf(&b, "trace %s\n", hex.EncodeToString(root.GetTraceId()))
	walk(root, 0)
	t.Log(b.String())
}

// cliTraced runs one command of the binary with extra environment.
func cliTraced(t *testing.T, db pgtest.Database, env map[string]string, stdin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all := map[string]string{"DATABASE_URL": db.URL, "LOG_LEVEL": "warn"}
	for k, v := range env {
		all[k] = v
	}
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = baseEnv(all)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "tenantcore %s: %s", strings.Join(args, " "), stderr.String())
	return stdout.Bytes()
}

// A real serve process and a real command export their spans over OTLP/HTTP. One request yields
// the tree server → authentication, tenant resolution, tenant transaction, each with tenant.id;
// the welcome job enqueued by `user create` runs in serve, in a span linked to the command's.
func TestTracesReachAnOTLPCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against PostgreSQL")
	}
	receiver := newOTLPReceiver(t)
	db := pgtest.New(t)
	otel := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
		"OTEL_SERVICE_NAME":           "tenantcore-test",
		// The SDK's batch processor reads this itself: export every 100 ms rather than 5 s.
		"OTEL_BSP_SCHEDULE_DELAY": "100",
	}
	var acme struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(cli(t, db, "", "tenant", "create", "--slug", "acme", "--name", "Acme"), &acme))

	srvEnv := map[string]string{"JOB_POLL_INTERVAL": "100ms", "LOG_LEVEL": "info"}
	for k, v := range otel {
		srvEnv[k] = v
	}
	srv := serve(t, db, srvEnv)

	const email, password = "ada@acme.test", "acme password 123"
	var ada struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(cliTraced(t, db, otel, password+"\n",
		"user", "create", "--tenant", "acme", "--email", email, "--password-stdin"), &ada))

	r := srv.do(t, loginRequest(email, password, "X-Tenant-ID: acme"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal(r.body, &tok))
	const requestID = "trace-tree-request"
	r = srv.do(t, get("/api/v1/users?limit=5", bearer(tok.AccessToken), xtid("acme"), "X-Request-ID: "+requestID))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	isRequest := func(s *tracepb.Span) bool { return spanAttr(s, "tenantcore.request_id") == requestID }
	spans := receiver.waitFor(t, "the request's spans and the welcome job's run", func(spans []*tracepb.Span) bool {
		server := find(spans, isRequest)
		return server != nil && len(childrenOf(spans, server)) >= 3 && find(spans, named("process identity.welcome")) != nil &&
			find(spans, named("send identity.welcome")) != nil
	})

	t.Run("one request's tree", func(t *testing.T) {
		server := find(spans, isRequest)
		logTree(t, spans, server)
		assert.Equal(t, "GET /api/v1/users", server.GetName())
		assert.Equal(t, tracepb.Span_SPAN_KIND_SERVER, server.GetKind())
		assert.Equal(t, acme.ID, spanAttr(server, "tenant.id"))
		assert.Equal(t, "/api/v1/users", spanAttr(server, "http.route"))
		assert.Empty(t, server.GetParentSpanId(), "no trusted proxy: the request starts its trace")

		children := childrenOf(spans, server)
		require.Contains(t, children, "authenticate")
		require.Contains(t, children, "tenant.resolve")
		require.Contains(t, children, "SELECT users")
		resolve := children["tenant.resolve"]
		assert.Equal(t, "header", spanAttr(resolve, "tenant.resolution.source"))
		assert.Contains(t, []string{"hit", "miss"}, spanAttr(resolve, "tenant.cache"))
		assert.Equal(t, acme.ID, spanAttr(resolve, "tenant.id"))
		assert.Equal(t, acme.ID, spanAttr(children["authenticate"], "tenant.id"))

		tx := children["SELECT users"]
		assert.Equal(t, tracepb.Span_SPAN_KIND_CLIENT, tx.GetKind())
		assert.Equal(t, "postgresql", spanAttr(tx, "db.system.name"))
		assert.Equal(t, "postgresql", spanAttr(tx, "db.system"))
		assert.Equal(t, "SELECT", spanAttr(tx, "db.operation.name"))
		assert.Equal(t, "users", spanAttr(tx, "db.collection.name"))
		assert.Contains(t, []string{"prepared", "unnamed"}, spanAttr(tx, "db.mode"), "the mode statements were sent in")
		assert.Equal(t, "false", spanAttr(tx, "tenantcore.unit_of_work.joined"))
		assert.Equal(t, acme.ID, spanAttr(tx, "tenant.id"))

		// The access-log line of the request names its trace and span.
		traceID := hex.EncodeToString(server.GetTraceId())
		var line map[string]any
		for _, l := range strings.Split(srv.logs.String(), "\n") {
			if strings.Contains(l, `"request_id":"`+requestID+`"`) {
				require.NoError(t, json.Unmarshal([]byte(l), &line))
			}
		}
		require.NotNil(t, line, "no access-log line for the request")
		assert.Equal(t, traceID, line["trace_id"])
		assert.Equal(t, hex.EncodeToString(server.GetSpanId()), line["span_id"])
	})

	t.Run("the job run is linked to the command that enqueued it", func(t *testing.T) {
		send := find(spans, named("send identity.welcome"))
		assert.Equal(t, tracepb.Span_SPAN_KIND_PRODUCER, send.GetKind())
		assert.Equal(t, acme.ID, spanAttr(send, "tenant.id"))
		command := find(spans, func(s *tracepb.Span) bool {
			return s.GetName() == "tenantcore user create" && bytes.Equal(s.GetTraceId(), send.GetTraceId())
		})
		require.NotNil(t, command, "the enqueue belongs to the command's trace")
		logTree(t, spans, command)
		assert.Equal(t, acme.ID, spanAttr(command, "tenant.id"))

		run := find(spans, named("process identity.welcome"))
		logTree(t, spans, run)
		assert.Equal(t, tracepb.Span_SPAN_KIND_CONSUMER, run.GetKind())
		assert.Equal(t, acme.ID, spanAttr(run, "tenant.id"))
		assert.Equal(t, "completed", spanAttr(run, "tenantcore.job.outcome"))
		require.Len(t, run.GetLinks(), 1)
		assert.Equal(t, send.GetTraceId(), run.GetLinks()[0].GetTraceId())
		assert.Equal(t, send.GetSpanId(), run.GetLinks()[0].GetSpanId())
		assert.Contains(t, childrenOf(spans, run), "INSERT notifications", "the job's tenant transactions are children of its run")
	})

	t.Run("no span carries a statement argument", func(t *testing.T) {
		for _, s := range spans {
			for _, kv := range s.GetAttributes() {
				v := kv.GetValue().GetStringValue()
				assert.NotContains(t, v, ada.ID, "span %s attribute %s", s.GetName(), kv.GetKey())
				assert.NotContains(t, v, email, "span %s attribute %s", s.GetName(), kv.GetKey())
			}
		}
	})
}

// A collector's refusal reaches the command's log as a JSON line naming the failure, not the
// standard library's logger.
func TestTracingFailuresReachTheLog(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against PostgreSQL")
	}
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "quota exceeded", http.StatusBadRequest)
	}))
	t.Cleanup(refusing.Close)
	db := pgtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, "tenant", "list")
	cmd.Env = baseEnv(map[string]string{"DATABASE_URL": db.URL, "LOG_LEVEL": "warn", "OTEL_EXPORTER_OTLP_ENDPOINT": refusing.URL})
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &entry), "every line is JSON: %s", line)
		if entry["msg"] == "tracing failure" {
			found = true
			assert.Contains(t, entry["error"], "400", line)
		}
	}
	assert.True(t, found, "no tracing failure logged: %s", stderr.String())
}
