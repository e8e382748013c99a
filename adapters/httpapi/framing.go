package httpapi

import (
	"errors"

	"github.com/labstack/echo/v4"
)

// errAmbiguousFraming refuses a request whose head carries both Content-Length and
// Transfer-Encoding, or Transfer-Encoding in HTTP/1.0: a proxy in front may have framed its body
// differently, so the bytes that follow cannot be trusted to be the next request (RFC 9112 §6.1).
var errAmbiguousFraming = errors.New("request framed by both Content-Length and Transfer-Encoding")

// codeAmbiguousFraming is the problem code of errAmbiguousFraming.
const codeAmbiguousFraming = "request.ambiguous_framing"

// refuseAmbiguousFraming answers such a request 400 and closes the connection after the answer,
// without reading its body.
func refuseAmbiguousFraming() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			f, ok := lastFraming(r.Context())
			if ok && f.transferEncoding && (f.contentLength || !r.ProtoAtLeast(1, 1)) {
				c.Response().Header().Set(echo.HeaderConnection, "close")
				return errAmbiguousFraming
			}
			return next(c)
		}
	}
}
