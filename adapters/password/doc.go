// Package password hashes passwords with Argon2id and stores each hash with its parameters in the
// PHC string format, so that raising the cost later never breaks verification of older hashes.
package password
