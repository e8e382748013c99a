// Package token issues and verifies access tokens as JWTs signed with Ed25519 (EdDSA), with keys
// named by kid so that a new signing key can be rolled out while tokens of the old one still verify.
package token
