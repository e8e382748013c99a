// Package assert is an empty stand-in so fixtures can import github.com/stretchr/testify/assert without the network.
package assert
