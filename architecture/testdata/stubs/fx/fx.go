// Package fx is an empty stand-in so fixtures can import go.uber.org/fx without the network.
package fx
