// Package httpapi is the HTTP adapter (echo): middleware, tenant resolution at the request edge,
// bearer authentication, the versioned /api/v1 routes, and the one mapper from errors to problems.
package httpapi
