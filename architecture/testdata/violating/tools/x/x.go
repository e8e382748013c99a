// Package x belongs to no layer.
package x
