// Package echo is an empty stand-in so fixtures can import github.com/labstack/echo/v4 without the network.
package echo
