package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tenantcore/tenantcore/domain/fault"
)

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// problemTypePrefix makes each code a URI, as RFC 9457 wants "type" to be.
const problemTypePrefix = "urn:tenantcore:problem:"

// Problem is an RFC 9457 problem document with the extension members code and request_id.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Instance  string `json:"instance"`
	Code      string `json:"code"`
	RequestID string `json:"request_id"`
}

// Codes of problems that originate in HTTP itself rather than in the domain.
const (
	codeRouteNotFound    = "route.not_found"
	codeMethodNotAllowed = "request.method_not_allowed"
	codeTooLarge         = "request.too_large"
	codeUnsupportedMedia = "request.unsupported_media_type"
	codeInternal         = "server.internal"
	codeCanceled         = "request.canceled"
)

// statusClientClosedRequest is the conventional (nginx) status for a request the client abandoned.
const statusClientClosedRequest = 499

var kindStatus = map[fault.Kind]int{
	fault.Invalid:         http.StatusBadRequest,
	fault.Unauthenticated: http.StatusUnauthorized,
	fault.Forbidden:       http.StatusForbidden,
	fault.NotFound:        http.StatusNotFound,
	fault.Conflict:        http.StatusConflict,
	fault.Unavailable:     http.StatusServiceUnavailable,
	fault.Internal:        http.StatusInternalServerError,
}

// toProblem maps any error to its problem. It is the only place that decides statuses and codes;
// 5xx problems carry a generic detail, never the error's text.
func toProblem(err error) Problem {
	var fe *fault.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &fe):
		status := kindStatus[fe.Kind()]
		if status == http.StatusInternalServerError {
			return newProblem(status, codeInternal, "the server failed to handle the request; quote the request_id when reporting it")
		}
		return newProblem(status, fe.Code(), fe.Detail())
	case errors.Is(err, errAmbiguousFraming):
		return newProblem(http.StatusBadRequest, codeAmbiguousFraming, "send either Content-Length or Transfer-Encoding: chunked, not both")
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this answer, and it is no server failure.
		return newProblem(statusClientClosedRequest, codeCanceled, "the client closed the request")
	case errors.Is(err, context.DeadlineExceeded):
		return newProblem(http.StatusServiceUnavailable, fault.ErrUnavailable.Code(), "the request did not complete in time, retry later")
	case errors.As(err, &he):
		return httpProblem(he)
	default:
		return newProblem(http.StatusInternalServerError, codeInternal, "the server failed to handle the request; quote the request_id when reporting it")
	}
}

func httpProblem(he *echo.HTTPError) Problem {
	switch he.Code {
	case http.StatusNotFound:
		return newProblem(he.Code, codeRouteNotFound, "no route matches the request path")
	case http.StatusMethodNotAllowed:
		return newProblem(he.Code, codeMethodNotAllowed, "the route does not support this method; see the Allow header")
	case http.StatusRequestEntityTooLarge:
		return newProblem(he.Code, codeTooLarge, "the request body is too large")
	case http.StatusUnsupportedMediaType:
		return newProblem(he.Code, codeUnsupportedMedia, "send the body as application/json")
	}
	if he.Code >= 400 && he.Code < 500 {
		return newProblem(he.Code, fault.ErrInvalidInput.Code(), fault.ErrInvalidInput.Detail())
	}
	return newProblem(http.StatusInternalServerError, codeInternal, "the server failed to handle the request; quote the request_id when reporting it")
}

func newProblem(status int, code, detail string) Problem {
	title := http.StatusText(status)
	if status == statusClientClosedRequest {
		title = "Client Closed Request"
	}
	return Problem{
		Type:   problemTypePrefix + code,
		Title:  title,
		Status: status,
		Detail: detail,
		Code:   code,
	}
}

// handleError is echo's HTTPErrorHandler: it writes the problem and records the outcome for the
// access-log line, which is the one log line of a failed request.
func handleError(err error, c echo.Context) {
	p := toProblem(err)
	st := state(c)
	if st != nil {
		st.code = p.Code
		st.err = err
		p.RequestID = st.id
	}
	p.Instance = "urn:tenantcore:request:" + p.RequestID
	if c.Response().Committed {
		return
	}
	h := c.Response().Header()
	switch p.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="tenantcore"`)
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	}
	h.Set(echo.HeaderContentType, ProblemContentType)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	_ = c.JSON(p.Status, p)
}

// retryAfterSeconds is what a 503 asks clients to wait: short, because most outages that reach
// clients are a database restart or failover.
const retryAfterSeconds = 2
