// Package errgroup is an empty stand-in so fixtures can import golang.org/x/sync/errgroup without the network.
package errgroup
