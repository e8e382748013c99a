// Package architecture checks the module's real import graph against its layering rules;
// its tests fail the build when a package imports across a boundary it must not cross.
package architecture
