package tracing

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// errExporterShutdown is what an export returns once the exporter is shut down.
var errExporterShutdown = errors.New("otlp exporter is shut down")

// Backoff between attempts when the collector gives no Retry-After: doubling from
// retryInitialDelay up to retryMaxDelay, each delay drawn between half and all of it so that
// instances restarted together do not retry in step.
const (
	retryInitialDelay = time.Second
	retryMaxDelay     = 5 * time.Second
)

// What is read of a response: a success is drained for the connection's reuse, an error's body
// is read for its message and cut short in the error, which ends up in a log line.
const (
	drainLimit        = 64 << 10
	errorBodyLimit    = 4 << 10
	errorMessageRunes = 256
)

// otlpExporter sends the batcher's batches over OTLP/HTTP with protobuf bodies. Each export
// writes its request into a buffer kept for the next one; exports running at once each take their
// own.
type otlpExporter struct {
	url     string
	header  http.Header
	timeout time.Duration
	gzip    bool
	client  *http.Client
	// firstDelay is retryInitialDelay but in tests.
	firstDelay time.Duration

	mu       sync.Mutex
	idle     []*exportBuffer
	stopped  bool
	inflight sync.WaitGroup
	// abort cancels the exports in flight when Shutdown's context ends before they do.
	abortCtx context.Context
	abort    context.CancelFunc
}

// exportBuffer is what one export writes into.
type exportBuffer struct {
	enc spanEncoder
	gz  *gzip.Writer
	zip bytes.Buffer
}

func newOTLPExporter(endpoint string, x Export) (*otlpExporter, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("traces endpoint %q is not an http(s) URL", endpoint)
	}
	if x.TLS != nil && u.Scheme != "https" {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_CERTIFICATE, _CLIENT_CERTIFICATE, _CLIENT_KEY: set, but spans go to %s, which is not https", endpoint)
	}
	header := make(http.Header, len(x.Headers)+3)
	for k, v := range x.Headers {
		if !validHeaderName(k) || !validHeaderValue(v) {
			return nil, fmt.Errorf("export header %q is not a valid header name and value", k)
		}
		header.Set(k, v)
	}
	// Set last: a configured header must not change how the body is read.
	header.Set("Content-Type", "application/x-protobuf")
	header.Set("User-Agent", "tenantcore-otlp-exporter (Go)")
	if x.Gzip {
		header.Set("Content-Encoding", "gzip")
	} else {
		header.Del("Content-Encoding")
	}
	timeout := x.Timeout
	if timeout <= 0 {
		timeout = DefaultExportTimeout
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &otlpExporter{
		url:        u.String(),
		header:     header,
		timeout:    timeout,
		gzip:       x.Gzip,
		client:     &http.Client{Transport: newTransport(x.TLS)},
		firstDelay: retryInitialDelay,
		abortCtx:   ctx,
		abort:      cancel,
	}, nil
}

// newTransport is http.DefaultTransport's settings on a transport of our own, so that whatever
// else the process does to the default one does not reach the exporter.
func newTransport(tlsConf *tls.Config) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Cloned: the transport adds its protocols to the configuration it is given.
		TLSClientConfig: tlsConf.Clone(),
	}
}

// exportBatch sends the spans of a batch in one request, retried on the answers and errors that
// say the collector may take it later, within the export timeout and ctx.
func (x *otlpExporter) exportBatch(ctx context.Context, batch *spanBatch) error {
	b, err := x.acquire()
	if err != nil {
		return err
	}
	defer x.release(b)
	body := b.enc.request(batch)
	if body == nil {
		return nil
	}
	if x.gzip {
		if body, err = b.compress(body); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	stop := context.AfterFunc(x.abortCtx, cancel)
	defer stop()
	return x.send(ctx, body)
}

func (x *otlpExporter) acquire() (*exportBuffer, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.stopped {
		return nil, errExporterShutdown
	}
	x.inflight.Add(1)
	if n := len(x.idle); n > 0 {
		b := x.idle[n-1]
		x.idle = x.idle[:n-1]
		return b, nil
	}
	return &exportBuffer{}, nil
}

func (x *otlpExporter) release(b *exportBuffer) {
	x.mu.Lock()
	x.idle = append(x.idle, b)
	x.mu.Unlock()
	x.inflight.Done()
}

func (b *exportBuffer) compress(body []byte) ([]byte, error) {
	b.zip.Reset()
	if b.gz == nil {
		b.gz = gzip.NewWriter(&b.zip)
	} else {
		b.gz.Reset(&b.zip)
	}
	if _, err := b.gz.Write(body); err != nil {
		return nil, fmt.Errorf("otlp gzip: %w", err)
	}
	if err := b.gz.Close(); err != nil {
		return nil, fmt.Errorf("otlp gzip: %w", err)
	}
	return b.zip.Bytes(), nil
}

// Shutdown refuses further exports and waits for those in flight, until ctx ends: then it cancels
// them.
func (x *otlpExporter) Shutdown(ctx context.Context) error {
	x.mu.Lock()
	x.stopped = true
	x.mu.Unlock()
	done := make(chan struct{})
	go func() {
		x.inflight.Wait()
		close(done)
	}()
	defer x.client.CloseIdleConnections()
	select {
	case <-done:
		x.abort()
		return nil
	case <-ctx.Done():
		x.abort()
		return fmt.Errorf("otlp exporter shutdown: %w", ctx.Err())
	}
}

// send posts body until the collector takes it, a failure is final, or waiting for another
// attempt would outlast ctx.
func (x *otlpExporter) send(ctx context.Context, body []byte) error {
	for attempt := 0; ; attempt++ {
		retryAfter, err := x.post(ctx, body)
		if err == nil {
			return nil
		}
		var again retryableError
		if !errors.As(err, &again) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		delay := max(retryAfter, x.backoff(attempt))
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < delay {
			return fmt.Errorf("%w (attempt %d; the next, in %s, would be past the export timeout)", err, attempt+1, delay.Round(time.Millisecond))
		}
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
	}
}

// backoff is the delay before attempt+1 when the collector did not say how long to wait.
func (x *otlpExporter) backoff(attempt int) time.Duration {
	d := retryMaxDelay
	if attempt < 16 {
		d = min(x.firstDelay<<attempt, retryMaxDelay)
	}
	return d/2 + rand.N(d/2+1) //nolint:gosec // jitter needs no cryptographic randomness
}

// retryableError is a failure the collector or the network may not repeat.
type retryableError struct{ err error }

func (e retryableError) Error() string { return e.err.Error() }
func (e retryableError) Unwrap() error { return e.err }

// post makes one attempt. It returns the delay a 429 or 503 asked for.
func (x *otlpExporter) post(ctx context.Context, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.url, http.NoBody)
	if err != nil {
		return 0, fmt.Errorf("otlp export: %w", err)
	}
	src := &requestBody{buf: body}
	defer src.release()
	req.Body = src.reader()
	req.GetBody = func() (io.ReadCloser, error) { return src.reader(), nil }
	req.ContentLength = int64(len(body))
	req.Header = x.header.Clone()
	resp, err := x.client.Do(req)
	if err != nil {
		err = fmt.Errorf("otlp export to %s: %w", x.url, unwrapURLError(err))
		if ctx.Err() != nil || refusedTLS(err) {
			return 0, err
		}
		return 0, retryableError{err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// The body may report a partial success, which nothing would act upon.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainLimit))
		return 0, nil
	}
	err = fmt.Errorf("otlp export to %s: %s%s", x.url, resp.Status, errorMessage(resp))
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return retryAfter(resp.Header.Get("Retry-After")), retryableError{err}
	}
	return 0, err
}

// refusedTLS reports a certificate refused, the collector's by us or ours by the collector (a TLS
// alert, which crypto/tls reports as a "remote error"): it stays refused until someone changes one.
func refusedTLS(err error) bool {
	var verify *tls.CertificateVerificationError
	var op *net.OpError
	return errors.As(err, &verify) || errors.As(err, &op) && op.Op == "remote error"
}

// unwrapURLError drops the *url.Error layer, whose message repeats the method and the URL.
func unwrapURLError(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		return u.Err
	}
	return err
}

// retryAfter reads Retry-After, seconds or an HTTP date; 0 when absent or unreadable.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// errorMessage is ": " and the message of a failed export's body, if any, short and printable:
// the google.rpc.Status of a protobuf body, the text of another.
func errorMessage(resp *http.Response) string {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	msg := string(raw)
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-protobuf") || strings.HasPrefix(ct, "application/protobuf") {
		msg = rpcStatusMessage(raw)
	}
	msg = strings.Join(strings.FieldsFunc(msg, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
	if msg == "" {
		return ""
	}
	if utf8.RuneCountInString(msg) > errorMessageRunes {
		msg = string([]rune(msg)[:errorMessageRunes]) + "…"
	}
	return ": " + msg
}

// rpcStatusMessage is the message (field 2) of a google.rpc.Status, empty if b is not one. The body
// read may have been cut short: then so is the message.
func rpcStatusMessage(b []byte) string {
	var msg string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return msg
		}
		b = b[n:]
		if num == 2 && typ == protowire.BytesType {
			size, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return msg
			}
			b = b[m:]
			end := int(min(size, uint64(len(b)))) //nolint:gosec // bounded by len(b)
			msg, b = string(b[:end]), b[end:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return msg
		}
		b = b[m:]
	}
	return msg
}

// requestBody lends the encoded bytes to the transport for one attempt. The transport may still
// be writing a request in its own goroutine after the response arrived, and the bytes belong to
// the next export once this one returns: after release, reads fail instead of racing with it.
type requestBody struct {
	mu  sync.Mutex
	buf []byte
}

func (b *requestBody) reader() io.ReadCloser { return &bodyReader{src: b} }

func (b *requestBody) release() {
	b.mu.Lock()
	b.buf = nil
	b.mu.Unlock()
}

type bodyReader struct {
	src *requestBody
	off int
}

var errBodyReleased = errors.New("otlp request body read after its attempt ended")

func (r *bodyReader) Read(p []byte) (int, error) {
	r.src.mu.Lock()
	defer r.src.mu.Unlock()
	if r.src.buf == nil {
		return 0, errBodyReleased
	}
	if r.off >= len(r.src.buf) {
		return 0, io.EOF
	}
	n := copy(p, r.src.buf[r.off:])
	r.off += n
	return n, nil
}

func (*bodyReader) Close() error { return nil }
