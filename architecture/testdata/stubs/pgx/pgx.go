// Package pgx is an empty stand-in so fixtures can import github.com/jackc/pgx/v5 without the network.
package pgx
