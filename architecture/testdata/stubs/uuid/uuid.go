// Package uuid is an empty stand-in so fixtures can import github.com/google/uuid without the network.
package uuid
