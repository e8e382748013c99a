// Package bootstrap wires the application: configuration from the environment, one fx module per
// area, and the commands of the tenantcore binary. It is the only package that sees every layer.
package bootstrap
