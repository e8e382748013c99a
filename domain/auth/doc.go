// Package auth describes who is calling: the Principal proven by a verified access token, bound to
// exactly one tenant.
package auth
