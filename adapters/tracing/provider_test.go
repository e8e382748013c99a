package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/tracing"
)

func TestWithoutEndpointNothingRecords(t *testing.T) {
	p, err := tracing.New(t.Context(), tracing.Config{ServiceName: "tenantcore"})
	require.NoError(t, err)
	_, span := p.TracerProvider().Tracer("test").Start(context.Background(), "x")
	assert.False(t, span.IsRecording(), "no endpoint: a no-op tracer")
	span.End()
	assert.NoError(t, p.Shutdown(t.Context()))
}

func TestWithEndpointSpansAreExportedOnShutdown(t *testing.T) {
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/base/v1/traces" {
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	p, err := tracing.New(t.Context(), tracing.Config{Endpoint: srv.URL + "/base/", ServiceName: "tenantcore"})
	require.NoError(t, err)
	_, span := p.TracerProvider().Tracer("test").Start(context.Background(), "x")
	assert.True(t, span.IsRecording())
	span.End()
	require.NoError(t, p.Shutdown(t.Context()))
	assert.Equal(t, int32(1), posts.Load(), "the buffered span is flushed to <endpoint>/v1/traces")
}

func TestConfigurationIsValidated(t *testing.T) {
	for _, name := range tracing.Samplers {
		_, err := tracing.ParseSampler(name, "0.25")
		assert.NoError(t, err, name)
	}
	_, err := tracing.ParseSampler("sometimes", "")
	assert.ErrorContains(t, err, `sampler "sometimes" is not one of parentbased_always_on`)
	for _, arg := range []string{"2", "-0.1", "half"} {
		_, err := tracing.ParseSampler("traceidratio", arg)
		assert.ErrorContains(t, err, "is not a ratio between 0 and 1", arg)
	}
	for _, endpoint := range []string{"collector:4318", "ftp://collector", "http://"} {
		_, err := tracing.TracesURL(endpoint)
		assert.ErrorContains(t, err, "is not an http(s) URL", endpoint)
		_, err = tracing.New(t.Context(), tracing.Config{Endpoint: endpoint})
		assert.Error(t, err, endpoint)
	}
	u, err := tracing.TracesURL("https://collector:4318")
	require.NoError(t, err)
	assert.Equal(t, "https://collector:4318/v1/traces", u)
}

// While the collector hangs, the spans past the export queue's limit are dropped and counted.
func TestDroppedSpansAreCounted(t *testing.T) {
	arrived, release := make(chan struct{}, 16), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		<-release
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	p, err := tracing.New(t.Context(), tracing.Config{Endpoint: srv.URL, ServiceName: "tenantcore",
		Batch: &tracing.Batch{MaxQueue: 2, MaxExport: 1, Delay: time.Hour}})
	require.NoError(t, err)
	tracer := p.TracerProvider().Tracer("test")
	end := func() {
		_, span := tracer.Start(context.Background(), "x")
		span.End()
	}
	end() // sent, and held by the collector
	<-arrived
	for range 5 {
		end() // two wait, three are dropped
	}
	assert.Equal(t, int64(3), p.DroppedSpans())
	close(release)
	require.NoError(t, p.Shutdown(t.Context()))
	assert.Equal(t, int64(3), p.DroppedSpans(), "what waited was sent, not dropped")
}
