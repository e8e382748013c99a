package tracing_test

import (
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/tenantcore/tenantcore/adapters/tracing"
)

// received is one request a collector got.
type received struct {
	at     time.Time
	path   string
	header http.Header
	body   []byte // gunzipped when it came gzipped
}

// collector is an OTLP/HTTP receiver whose answer to the n-th request (from 0) is respond's.
type collector struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
	respond  func(n int, w http.ResponseWriter, r *http.Request)
}

func newCollector(t *testing.T, tlsServer bool, respond func(n int, w http.ResponseWriter, r *http.Request)) *collector {
	t.Helper()
	c := &collector{respond: respond}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := received{at: time.Now(), path: r.URL.Path, header: r.Header.Clone()}
		var src io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			src = zr
		}
		got.body, _ = io.ReadAll(src)
		c.mu.Lock()
		n := len(c.requests)
		c.requests = append(c.requests, got)
		c.mu.Unlock()
		if c.respond != nil {
			c.respond(n, w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	c.Server = httptest.NewUnstartedServer(h)
	// Handshakes refused on purpose are not worth a line in the test's output.
	c.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsServer {
		c.StartTLS()
	} else {
		c.Start()
	}
	t.Cleanup(c.Close)
	return c
}

func (c *collector) got() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.requests...)
}

// batch is a few real spans.
func batch(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	return recordSpans(t)[:3]
}

func newExporter(t *testing.T, url string, x tracing.Export) sdktrace.SpanExporter {
	t.Helper()
	exp, err := tracing.NewExporter(url, x, 10*time.Millisecond)
	require.NoError(t, err)
	t.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
	return exp
}

func countSpans(t *testing.T, body []byte) int {
	t.Helper()
	var req coltracepb.ExportTraceServiceRequest
	require.NoError(t, proto.Unmarshal(body, &req))
	n := 0
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	return n
}

func TestExportPostsProtobufWithTheConfiguredHeaders(t *testing.T) {
	c := newCollector(t, false, nil)
	exp := newExporter(t, c.URL+"/otlp/v1/traces", tracing.Export{Headers: map[string]string{
		"Authorization": "Bearer abc", "x-scope": "acme", "Content-Type": "text/plain",
	}})
	require.NoError(t, exp.ExportSpans(t.Context(), batch(t)))
	got := c.got()
	require.Len(t, got, 1)
	assert.Equal(t, "/otlp/v1/traces", got[0].path)
	assert.Equal(t, "application/x-protobuf", got[0].header.Get("Content-Type"), "a header setting cannot change the body's type")
	assert.Equal(t, "Bearer abc", got[0].header.Get("Authorization"))
	assert.Equal(t, "acme", got[0].header.Get("X-Scope"))
	assert.Empty(t, got[0].header.Get("Content-Encoding"))
	assert.Equal(t, 3, countSpans(t, got[0].body))
}

func TestExportCompressesWithGzip(t *testing.T) {
	c := newCollector(t, false, nil)
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{Gzip: true})
	for range 2 { // the second reuses the compressor
		require.NoError(t, exp.ExportSpans(t.Context(), batch(t)))
	}
	got := c.got()
	require.Len(t, got, 2)
	for _, r := range got {
		assert.Equal(t, "gzip", r.header.Get("Content-Encoding"))
		assert.Equal(t, 3, countSpans(t, r.body))
	}
}

func TestExportRetriesWhenTheCollectorSaysSo(t *testing.T) {
	c := newCollector(t, false, func(n int, w http.ResponseWriter, _ *http.Request) {
		switch n {
		case 0:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case 1:
			http.Error(w, "overloaded", http.StatusTooManyRequests)
		case 2:
			http.Error(w, "gateway", http.StatusBadGateway)
		}
	})
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{})
	require.NoError(t, exp.ExportSpans(t.Context(), batch(t)))
	got := c.got()
	require.Len(t, got, 4, "503, 429 and 502 are retried")
	assert.GreaterOrEqual(t, got[1].at.Sub(got[0].at), time.Second, "Retry-After: 1 is honoured")
	assert.Less(t, got[2].at.Sub(got[1].at), 500*time.Millisecond, "without Retry-After, the backoff")
	for _, r := range got {
		assert.Equal(t, 3, countSpans(t, r.body), "every attempt sends the whole body")
	}
}

func TestExportRetriesAConnectionDroppedByTheCollector(t *testing.T) {
	c := newCollector(t, false, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}
	})
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{})
	require.NoError(t, exp.ExportSpans(t.Context(), batch(t)))
	assert.Len(t, c.got(), 2)
}

func TestExportGivesUpWhenRetryAfterOutlastsTheTimeout(t *testing.T) {
	c := newCollector(t, false, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "later", http.StatusServiceUnavailable)
	})
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{Timeout: 2 * time.Second})
	start := time.Now()
	err := exp.ExportSpans(t.Context(), batch(t))
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second, "no waiting for a retry that cannot happen")
	assert.Contains(t, err.Error(), "503 Service Unavailable: later")
	assert.Contains(t, err.Error(), "(attempt 1; the next, in 1m0s, would be past the export timeout)")
	assert.Len(t, c.got(), 1)
}

// rpcStatus is a google.rpc.Status, as a collector answers a refused export.
func rpcStatus(code int32, msg string) []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(code))
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendString(b, msg)
}

func TestExportFailsOnARefusal(t *testing.T) {
	huge := "bad span: " + strings.Repeat("x", 100_000)
	c := newCollector(t, false, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(rpcStatus(3, huge))
	})
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{})
	err := exp.ExportSpans(t.Context(), batch(t))
	require.Error(t, err)
	assert.Len(t, c.got(), 1, "a 400 is not retried")
	assert.Contains(t, err.Error(), c.URL+"/v1/traces: 400 Bad Request: bad span: xxx")
	assert.Less(t, len(err.Error()), 600, "the collector's message is cut short")

	plain := newCollector(t, false, func(_ int, w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no\x00such\nthing", http.StatusNotFound)
	})
	err = newExporter(t, plain.URL+"/v1/traces", tracing.Export{}).ExportSpans(t.Context(), batch(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "404 Not Found: no such thing", "control characters do not reach the log")
}

func TestExportTimeoutIsHonoured(t *testing.T) {
	c := newCollector(t, false, func(_ int, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{Timeout: 300 * time.Millisecond})
	start := time.Now()
	err := exp.ExportSpans(t.Context(), batch(t))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Len(t, c.got(), 1, "a timed-out export is not retried past its timeout")
}

func TestShutdown(t *testing.T) {
	release := make(chan struct{})
	c := newCollector(t, false, func(n int, _ http.ResponseWriter, r *http.Request) {
		if n == 1 {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}
	})
	defer close(release)
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{})
	require.NoError(t, exp.ExportSpans(t.Context(), batch(t)))

	// An export still in flight when Shutdown's context ends is canceled.
	exported := make(chan error, 1)
	go func() { exported <- exp.ExportSpans(context.Background(), batch(t)) }()
	require.Eventually(t, func() bool { return len(c.got()) == 2 }, 5*time.Second, 5*time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := exp.Shutdown(ctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
	select {
	case err := <-exported:
		assert.Error(t, err)
	case <-time.After(2 * time.Second):
		t.Fatal("the export in flight was not canceled")
	}

	err = exp.ExportSpans(t.Context(), batch(t))
	assert.ErrorContains(t, err, "shut down")
	assert.Len(t, c.got(), 2, "nothing is sent after Shutdown")
	assert.NoError(t, exp.Shutdown(t.Context()))
}

func TestExportsMayRunConcurrently(t *testing.T) {
	c := newCollector(t, false, nil)
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{Gzip: true})
	spans := batch(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				assert.NoError(t, exp.ExportSpans(context.Background(), spans))
			}
		})
	}
	wg.Wait()
	got := c.got()
	require.Len(t, got, 80)
	for _, r := range got {
		assert.Equal(t, 3, countSpans(t, r.body))
	}
}

func writePEM(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	return path
}

// Configured the standard way, the provider sends to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT alone, over
// https trusting OTEL_EXPORTER_OTLP_CERTIFICATE, with the headers and compression of the environment.
func TestProviderExportsOverTLSConfiguredByTheEnvironment(t *testing.T) {
	c := newCollector(t, true, nil)
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", c.URL+"/custom/traces")
	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", writePEM(t, "ca.pem", "CERTIFICATE", c.Certificate().Raw))
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20abc,x-tenant=acme")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip")
	p, err := tracing.New(t.Context(), tracing.Config{ServiceName: "svc"})
	require.NoError(t, err)
	require.True(t, p.Enabled(), "the traces endpoint alone turns tracing on")
	_, span := p.TracerProvider().Tracer("test").Start(context.Background(), "x", trace.WithAttributes(attribute.Int("n", 1)))
	span.End()
	require.NoError(t, p.Shutdown(t.Context()))

	got := c.got()
	require.Len(t, got, 1)
	assert.Equal(t, "/custom/traces", got[0].path, "the traces endpoint is used as it is")
	assert.Equal(t, "Bearer abc", got[0].header.Get("Authorization"))
	assert.Equal(t, "acme", got[0].header.Get("X-Tenant"))
	assert.Equal(t, "gzip", got[0].header.Get("Content-Encoding"))
	var req coltracepb.ExportTraceServiceRequest
	require.NoError(t, proto.Unmarshal(got[0].body, &req))
	assert.Contains(t, req.String(), `string_value:"svc"`)
}

func TestTLSCertificatesAreChecked(t *testing.T) {
	c := newCollector(t, true, nil)
	exp := newExporter(t, c.URL+"/v1/traces", tracing.Export{})
	start := time.Now()
	err := exp.ExportSpans(t.Context(), batch(t))
	var verify *tls.CertificateVerificationError
	require.ErrorAs(t, err, &verify, "the test server's certificate is not among the system's roots")
	assert.Less(t, time.Since(start), 2*time.Second, "an untrusted certificate is not retried")
	assert.Empty(t, c.got())
}

func TestClientCertificateFromTheEnvironment(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tenantcore"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	clientCert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)

	var mu sync.Mutex
	var peers []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		peers = append(peers, r.TLS.PeerCertificates[0].Subject.CommonName)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	pool := x509.NewCertPool()
	pool.AddCert(clientCert)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()

	env := map[string]string{
		"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE":  writePEM(t, "ca.pem", "CERTIFICATE", srv.Certificate().Raw),
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE":  writePEM(t, "client.pem", "CERTIFICATE", der),
		"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY":   writePEM(t, "client.key", "PRIVATE KEY", keyDER),
		"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT":      "5000",
		"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION":  "none",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL":     "http/protobuf",
		"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "unknown values of other signals are not ours to judge",
	}
	x, err := tracing.ExportFromEnv(mapLookup(env))
	require.NoError(t, err)
	require.NoError(t, newExporter(t, srv.URL+"/v1/traces", x).ExportSpans(t.Context(), batch(t)))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"tenantcore"}, peers)

	delete(env, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE")
	delete(env, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY")
	x, err = tracing.ExportFromEnv(mapLookup(env))
	require.NoError(t, err)
	start := time.Now()
	err = newExporter(t, srv.URL+"/v1/traces", x).ExportSpans(t.Context(), batch(t))
	require.ErrorContains(t, err, "remote error: tls:", "without the key pair the collector refuses the connection")
	assert.Less(t, time.Since(start), 2*time.Second, "a refused certificate is not retried")
}

// What an export allocates is the HTTP request's: the same for 64 spans as for 512.
func TestExportAllocatesPerRequestNotPerSpan(t *testing.T) {
	spans := typicalBatch(t)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	for _, gzip := range []bool{false, true} {
		exp, err := tracing.NewExporter(srv.URL+"/v1/traces", tracing.Export{Gzip: gzip}, time.Second)
		require.NoError(t, err)
		allocs := func(n int) float64 {
			require.NoError(t, exp.ExportSpans(t.Context(), spans[:n]))
			return testing.AllocsPerRun(20, func() { require.NoError(t, exp.ExportSpans(t.Context(), spans[:n])) })
		}
		few, many := allocs(64), allocs(512)
		t.Logf("gzip %t: %.0f allocations exporting 64 spans, %.0f exporting 512", gzip, few, many)
		assert.Less(t, (many-few)/(512-64), 0.02, "allocations per span")
		require.NoError(t, exp.Shutdown(t.Context()))
	}
}

// BenchmarkExportSpans: ExportSpans of a batch of 512 spans to a local receiver, by this package's
// exporter and by the OpenTelemetry one it replaces.
func BenchmarkExportSpans(b *testing.B) {
	spans := typicalBatch(b)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	ours, err := tracing.NewExporter(srv.URL+"/v1/traces", tracing.Export{}, time.Second)
	require.NoError(b, err)
	stock, err := otlptracehttp.New(b.Context(), otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"))
	require.NoError(b, err)
	for _, x := range []struct {
		name string
		exp  sdktrace.SpanExporter
	}{{"ours", ours}, {"otlptracehttp", stock}} {
		b.Run(x.name, func(b *testing.B) {
			require.NoError(b, x.exp.ExportSpans(b.Context(), spans)) // connection and buffers in place
			b.ReportAllocs()
			for b.Loop() {
				if err := x.exp.ExportSpans(b.Context(), spans); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(spans)), "ns/span")
		})
		require.NoError(b, x.exp.Shutdown(b.Context()))
	}
}
