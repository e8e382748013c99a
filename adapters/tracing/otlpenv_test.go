package tracing_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/tracing"
)

func mapLookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestExportFromEnv(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		want tracing.Export
	}{
		{name: "nothing set", env: map[string]string{}, want: tracing.Export{}},
		{
			name: "for all signals",
			env: map[string]string{
				"OTEL_EXPORTER_OTLP_HEADERS":     " api-key = s3cr%3Dt , x-b=a%2Cb%20c,",
				"OTEL_EXPORTER_OTLP_TIMEOUT":     "2500",
				"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
				"OTEL_EXPORTER_OTLP_PROTOCOL":    "http/protobuf",
			},
			want: tracing.Export{Headers: map[string]string{"api-key": "s3cr=t", "x-b": "a,b c"}, Timeout: 2500 * time.Millisecond, Gzip: true},
		},
		{
			name: "the traces variables win",
			env: map[string]string{
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":    "https://collector:4318",
				"OTEL_EXPORTER_OTLP_HEADERS":            "a=1,b=2",
				"OTEL_EXPORTER_OTLP_TRACES_HEADERS":     "c=3",
				"OTEL_EXPORTER_OTLP_TIMEOUT":            "2500",
				"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT":     "100",
				"OTEL_EXPORTER_OTLP_COMPRESSION":        "gzip",
				"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "none",
				"OTEL_EXPORTER_OTLP_PROTOCOL":           "grpc",
				"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL":    "http/protobuf",
			},
			want: tracing.Export{TracesEndpoint: "https://collector:4318/", Headers: map[string]string{"c": "3"}, Timeout: 100 * time.Millisecond},
		},
		{
			name: "empty is unset",
			env: map[string]string{
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":    "",
				"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT":     " ",
				"OTEL_EXPORTER_OTLP_TIMEOUT":            "300",
				"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "",
				"OTEL_EXPORTER_OTLP_COMPRESSION":        "GZIP",
				"OTEL_EXPORTER_OTLP_HEADERS":            "",
				"OTEL_EXPORTER_OTLP_CERTIFICATE":        "",
			},
			want: tracing.Export{Timeout: 300 * time.Millisecond, Gzip: true},
		},
		{
			name: "a traces endpoint is used as it is",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/custom/path?x=1"},
			want: tracing.Export{TracesEndpoint: "http://collector:4318/custom/path?x=1"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, err := tracing.ExportFromEnv(mapLookup(c.env))
			require.NoError(t, err)
			assert.Equal(t, c.want, x)
		})
	}
}

func TestExportFromEnvRefusesBadValuesNamingTheVariable(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	missing := filepath.Join(dir, "missing.pem")
	for _, c := range []struct {
		env     map[string]string
		culprit string
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=1,Authorization: Bearer s3cret"}, "OTEL_EXPORTER_OTLP_HEADERS"},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%0As3cret"}, "OTEL_EXPORTER_OTLP_HEADERS"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "0"}, "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "-5"}, "OTEL_EXPORTER_OTLP_TIMEOUT"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "100", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "1e3"}, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"},
		{map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "zstd"}, "OTEL_EXPORTER_OTLP_COMPRESSION"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "deflate"}, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "novalue"}, "OTEL_EXPORTER_OTLP_HEADERS"},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=%zz"}, "OTEL_EXPORTER_OTLP_HEADERS"},
		{map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=b%0Ac"}, "OTEL_EXPORTER_OTLP_HEADERS"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "bad key=1"}, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": ","}, "OTEL_EXPORTER_OTLP_TRACES_HEADERS"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4318"}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "grpc://collector:4317"}, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"},
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"},
		{map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": missing}, "OTEL_EXPORTER_OTLP_CERTIFICATE"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": notPEM}, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"},
		{map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": notPEM}, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY": notPEM}, "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"},
		{map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": notPEM, "OTEL_EXPORTER_OTLP_CLIENT_KEY": notPEM}, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY"},
	} {
		_, err := tracing.ExportFromEnv(mapLookup(c.env))
		if assert.Error(t, err, "%v", c.env) {
			assert.Regexp(t, "^"+c.culprit+": ", err.Error())
			assert.NotContains(t, err.Error(), "s3cret", "a header value may be a credential")
		}
	}
}

// A bad value is refused when the provider is built, which serve does at start.
func TestNewRefusesABadEnvironment(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "5s")
	_, err := tracing.New(t.Context(), tracing.Config{Endpoint: "http://127.0.0.1:4318", ServiceName: "x"})
	assert.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_TIMEOUT: ")

	_, err = tracing.New(t.Context(), tracing.Config{Endpoint: "http://127.0.0.1:4318", ServiceName: "x",
		Export: &tracing.Export{Timeout: time.Second}})
	assert.NoError(t, err, "a configuration given in code is not read from the environment")

	tlsServer := httptest.NewTLSServer(nil)
	defer tlsServer.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", writePEM(t, "ca.pem", "CERTIFICATE", tlsServer.Certificate().Raw))
	_, err = tracing.New(t.Context(), tracing.Config{Endpoint: "http://127.0.0.1:4318", ServiceName: "x"})
	assert.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_CERTIFICATE", "a certificate for a plain http endpoint is a mistake")
	_, err = tracing.New(t.Context(), tracing.Config{Endpoint: "https://127.0.0.1:4318", ServiceName: "x"})
	assert.NoError(t, err)
}
