// Package trace is an empty stand-in so fixtures can import the OpenTelemetry SDK without the network.
package trace
