package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"
)

// HeaderRequestID carries the request ID in both directions.
const HeaderRequestID = "X-Request-ID"

const stateKey = "tenantcore.request"

// requestState is what one request accumulates for its log line and its problem responses.
type requestState struct {
	id       string
	tenantID string
	code     string
	err      error
}

func state(c echo.Context) *requestState {
	st, _ := c.Get(stateKey).(*requestState)
	return st
}

// requestID keeps a sane incoming X-Request-ID, so a request can be followed across services,
// and otherwise makes a new one. It is echoed in the response.
func requestID() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header.Get(HeaderRequestID)
			if !saneRequestID(id) {
				id = uuid.NewString()
			}
			c.Set(stateKey, &requestState{id: id})
			c.Response().Header().Set(HeaderRequestID, id)
			return next(c)
		}
	}
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := range len(id) {
		if !isRequestIDByte(id[i]) {
			return false
		}
	}
	return true
}

// isRequestIDByte admits what tracing systems use in IDs and nothing that could forge log lines.
func isRequestIDByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	default:
		return c == '-' || c == '_' || c == '.' || c == ':'
	}
}

// accessLog writes exactly one line per request, after the response, with the outcome and the
// request's tenant. It logs no header and no body: tokens and passwords cannot reach the log.
func accessLog(log *zap.Logger, observe func(route string, status int, elapsed time.Duration)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			elapsed := time.Since(start)
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			status := c.Response().Status
			if observe != nil {
				observe(route, status, elapsed)
			}
			st := state(c)
			level := zap.InfoLevel
			if status >= 500 {
				level = zap.ErrorLevel
			}
			// Checked first: with access logs off (LOG_LEVEL=warn), a request builds no field.
			entry := log.Check(level, "request")
			if entry == nil {
				return nil
			}
			fields := make([]zap.Field, 0, 11)
			fields = append(fields,
				zap.String("request_id", st.id),
				zap.String("method", c.Request().Method),
				zap.String("route", route),
				zap.Int("status", status),
				zap.Float64("latency_ms", float64(elapsed.Microseconds())/1000),
			)
			if st.tenantID != "" {
				fields = append(fields, zap.String("tenant_id", st.tenantID))
			}
			fields = append(fields, traceFields(c.Request().Context())...)
			switch {
			case status >= 500:
				fields = append(fields, zap.String("code", st.code), zap.Error(st.err))
			case st.code != "":
				fields = append(fields, zap.String("code", st.code))
			}
			entry.Write(fields...)
			return nil
		}
	}
}

// recoverPanic turns a panic into a 500 problem; the stack goes to the log line, not the client.
func recoverPanic() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				r := recover()
				if r == nil {
					return
				}
				if r == http.ErrAbortHandler { //nolint:errorlint // the sentinel is panicked as is, never wrapped
					panic(r)
				}
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}()
			return next(c)
		}
	}
}

// deadline bounds every request, so that a slow dependency yields a 503 instead of a hang.
func deadline(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			err := next(c)
			if err == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !c.Response().Committed {
				return ctx.Err()
			}
			return err
		}
	}
}

// noStore keeps every answer out of shared caches: tenant-scoped answers vary by header, host,
// path and bearer token, and a cache keyed on the URL alone would hand one tenant's data to
// another. A handler whose answer is public (the JWKS) overrides it.
func noStore() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
			return next(c)
		}
	}
}
