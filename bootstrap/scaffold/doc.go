// Package scaffold writes the files of a new tenant-scoped feature (tenantcore new feature NAME):
// each in a package directory of its own per layer, plus its one line in the module list.
package scaffold
