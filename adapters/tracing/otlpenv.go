package tracing

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultExportTimeout bounds an export, its retries included, when no timeout is configured: the
// specification's 10 s.
const DefaultExportTimeout = 10 * time.Second

// Export is how spans are sent to the collector: the OTEL_EXPORTER_OTLP_* variables other than
// OTEL_EXPORTER_OTLP_ENDPOINT, as ExportFromEnv reads them.
type Export struct {
	// TracesEndpoint is OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the URL spans are posted to, used as it
	// is. It wins over Config.Endpoint and, set alone, turns tracing on.
	TracesEndpoint string
	// Headers are sent with every export (OTEL_EXPORTER_OTLP_[TRACES_]HEADERS).
	Headers map[string]string
	// Timeout bounds an export, its retries included (OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT).
	// Zero: DefaultExportTimeout.
	Timeout time.Duration
	// Gzip compresses request bodies (OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION=gzip).
	Gzip bool
	// TLS is the client configuration of an https endpoint: the roots of
	// OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE and the key pair of
	// OTEL_EXPORTER_OTLP_[TRACES_]CLIENT_CERTIFICATE and _CLIENT_KEY. Nil: the system's roots.
	TLS *tls.Config
}

// ExportFromEnv reads the OTLP exporter variables through lookup (os.LookupEnv, or a map in a
// test). Each setting may be given for all signals (OTEL_EXPORTER_OTLP_X) or for traces only
// (OTEL_EXPORTER_OTLP_TRACES_X), which wins; an empty value counts as unset, as the specification
// says. A value that cannot be used is an error naming its variable: the exporter would otherwise
// send somewhere else, or without the credentials, than the operator meant.
func ExportFromEnv(lookup func(string) (string, bool)) (Export, error) {
	var x Export
	env := otlpEnv{lookup: lookup}
	if name, v, ok := env.tracesOnly("ENDPOINT"); ok {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Export{}, fmt.Errorf("%s: %q is not an http(s) URL such as http://127.0.0.1:4318/v1/traces", name, v)
		}
		if u.Path == "" {
			u.Path = "/"
		}
		x.TracesEndpoint = u.String()
	}
	if name, v, ok := env.get("PROTOCOL"); ok && v != "http/protobuf" {
		return Export{}, fmt.Errorf("%s: %q is not supported; spans are sent as http/protobuf", name, v)
	}
	if name, v, ok := env.get("HEADERS"); ok {
		h, err := parseHeaders(v)
		if err != nil {
			return Export{}, fmt.Errorf("%s: %w", name, err)
		}
		x.Headers = h
	}
	if name, v, ok := env.get("TIMEOUT"); ok {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms <= 0 || ms > int64(time.Hour/time.Millisecond) {
			return Export{}, fmt.Errorf("%s: %q is not a number of milliseconds between 1 and 3600000", name, v)
		}
		x.Timeout = time.Duration(ms) * time.Millisecond
	}
	if name, v, ok := env.get("COMPRESSION"); ok {
		switch strings.ToLower(v) {
		case "gzip":
			x.Gzip = true
		case "none":
		default:
			return Export{}, fmt.Errorf("%s: %q is neither gzip nor none", name, v)
		}
	}
	tlsConf, err := env.tls()
	if err != nil {
		return Export{}, err
	}
	x.TLS = tlsConf
	return x, nil
}

type otlpEnv struct {
	lookup func(string) (string, bool)
}

// get returns the traces variable of setting if set, else the one for all signals, with the name
// of the variable it came from.
func (e otlpEnv) get(setting string) (name, value string, ok bool) {
	if name, value, ok = e.tracesOnly(setting); ok {
		return name, value, ok
	}
	name = "OTEL_EXPORTER_OTLP_" + setting
	value, ok = e.nonEmpty(name)
	return name, value, ok
}

func (e otlpEnv) tracesOnly(setting string) (name, value string, ok bool) {
	name = "OTEL_EXPORTER_OTLP_TRACES_" + setting
	value, ok = e.nonEmpty(name)
	return name, value, ok
}

func (e otlpEnv) nonEmpty(name string) (string, bool) {
	v, ok := e.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// tls reads the certificate variables; nil when none is set, so that the transport keeps its
// defaults.
func (e otlpEnv) tls() (*tls.Config, error) {
	caName, caFile, hasCA := e.get("CERTIFICATE")
	certName, certFile, hasCert := e.get("CLIENT_CERTIFICATE")
	keyName, keyFile, hasKey := e.get("CLIENT_KEY")
	if !hasCA && !hasCert && !hasKey {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if hasCA {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", caName, err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s: %s holds no PEM certificate", caName, caFile)
		}
	}
	switch {
	case hasCert && !hasKey:
		return nil, fmt.Errorf("%s: set without OTEL_EXPORTER_OTLP_CLIENT_KEY or OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY, the key of the certificate", certName)
	case hasKey && !hasCert:
		return nil, fmt.Errorf("%s: set without OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE or OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE, the certificate of the key", keyName)
	case hasCert:
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %w", certName, keyName, err)
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	return conf, nil
}

// parseHeaders reads the W3C baggage-like list the specification uses: key=value pairs separated
// by commas, each value percent-encoded. Errors name entries by position and key only: a value
// may be a credential, and the error is logged.
func parseHeaders(list string) (map[string]string, error) {
	h := make(map[string]string)
	entry := 0
	for pair := range strings.SplitSeq(list, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		entry++
		k, v, found := strings.Cut(pair, "=")
		if !found {
			return nil, fmt.Errorf("entry %d is not a key=value pair", entry)
		}
		k = strings.TrimSpace(k)
		if !validHeaderName(k) {
			return nil, fmt.Errorf("entry %d: %q is not a header name", entry, k)
		}
		decoded, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil || !validHeaderValue(decoded) {
			return nil, fmt.Errorf("the value of %s is not a percent-encoded header value", k)
		}
		h[k] = decoded
	}
	if len(h) == 0 {
		return nil, errors.New("no key=value pair")
	}
	return h, nil
}

// validHeaderName reports whether k is an RFC 9110 token.
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range []byte(k) {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// validHeaderValue refuses the control characters that would split or corrupt a request.
func validHeaderValue(v string) bool {
	for _, c := range []byte(v) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
