// Package txlend is the key that lends a tenant transaction to the job runner.
package txlend
