// Package echo is a stand-in so fixtures can import github.com/labstack/echo/v4 without the network.
package echo

// Context is a stand-in for a request's context.
type Context interface {
	QueryParam(name string) string
	Get(key string) any
}
