package http

// Breaks operator-only-in-bootstrap: a handler that lists every tenant to find one to serve.
import _ "github.com/tenantcore/tenantcore/application/operator"
