// Package zap is an empty stand-in so fixtures can import go.uber.org/zap without the network.
package zap
