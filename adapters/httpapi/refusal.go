package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// serverRefusalHeaders is how Go's HTTP server frames the plain-text answers it writes itself,
// before any handler, to a request it cannot read (net/http's errorHeaders). A response written
// through a handler never looks like this: its headers are sorted and carry a Date.
const serverRefusalHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// Codes of the requests Go's server refuses before routing.
const (
	codeMalformed           = "request.malformed"
	codeHeadersTooLarge     = "request.headers_too_large"
	codeUnsupportedEncoding = "request.unsupported_transfer_encoding"
	codeUnsupportedVersion  = "request.unsupported_version"
	codeExpectationFailed   = "request.expectation_failed"
)

// maxRefusalStatusLine bounds where the refusal's headers may start: past a short status line,
// the bytes are some other response.
const maxRefusalStatusLine = 128

// rewriteServerRefusal recognises one of the server's own plain-text refusals in p and returns
// the same status as a problem document, still closing the connection.
func rewriteServerRefusal(p []byte, requestIDs func() string) ([]byte, bool) {
	if bytes.HasPrefix(p, []byte(expectationFailed)) {
		// The server's answer to an Expect other than 100-continue: no route answers 417.
		return problemResponse(http.StatusExpectationFailed, "", requestIDs)
	}
	if !bytes.HasPrefix(p, []byte("HTTP/1.1 ")) {
		return nil, false
	}
	end := bytes.Index(p, []byte(serverRefusalHeaders))
	if end < 0 || end > maxRefusalStatusLine {
		return nil, false
	}
	statusLine := string(p[len("HTTP/1.1 "):end]) // "400 Bad Request: missing required Host header"
	if len(statusLine) < 3 {
		return nil, false
	}
	status, err := strconv.Atoi(statusLine[:3])
	if err != nil || status < 400 || status > 599 {
		return nil, false
	}
	reason := ""
	if _, text, ok := bytes.Cut([]byte(statusLine), []byte(": ")); ok {
		reason = string(text) // one of net/http's fixed texts, never the client's input
	}
	return problemResponse(status, reason, requestIDs)
}

// expectationFailed starts the server's own answer to an unsupported Expect header.
const expectationFailed = "HTTP/1.1 417 Expectation Failed\r\n"

// problemResponse renders a whole HTTP/1.1 response carrying the refusal's problem.
func problemResponse(status int, reason string, requestIDs func() string) ([]byte, bool) {
	prob := serverRefusalProblem(status, reason)
	prob.RequestID = requestIDs()
	prob.Instance = "urn:tenantcore:request:" + prob.RequestID
	body, err := json.Marshal(prob)
	if err != nil {
		return nil, false
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	fmt.Fprintf(&b, "Cache-Control: no-store\r\nConnection: close\r\nContent-Length: %d\r\n", len(body))
	fmt.Fprintf(&b, "Content-Type: %s\r\n%s: %s\r\n\r\n", ProblemContentType, HeaderRequestID, prob.RequestID)
	b.Write(body)
	return b.Bytes(), true
}

func serverRefusalProblem(status int, reason string) Problem {
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		return newProblem(status, codeHeadersTooLarge, "the request headers are too large")
	case http.StatusNotImplemented:
		return newProblem(status, codeUnsupportedEncoding, "the only transfer coding accepted is a single chunked")
	case http.StatusExpectationFailed:
		return newProblem(status, codeExpectationFailed, "the only expectation supported is 100-continue")
	case http.StatusHTTPVersionNotSupported:
		return newProblem(status, codeUnsupportedVersion, "send HTTP/1.1 (or HTTP/1.0)")
	}
	if reason == "" {
		reason = "the request is not well-formed HTTP/1.1"
	}
	return newProblem(status, codeMalformed, reason)
}
