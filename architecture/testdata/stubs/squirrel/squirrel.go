// Package squirrel is an empty stand-in so fixtures can import github.com/Masterminds/squirrel without the network.
package squirrel
