// Package pgx is a stand-in so fixtures can import github.com/jackc/pgx/v5 without the network.
package pgx

import "context"

// Conn is a stand-in for one connection.
type Conn struct{}

// ConnConfig is a stand-in for connection settings.
type ConnConfig struct{}

// Rows is a stand-in.
type Rows interface{ Close() }

// Row is a stand-in.
type Row interface{ Scan(dest ...any) error }

// Connect is a stand-in.
func Connect(ctx context.Context, connString string) (*Conn, error) { return &Conn{}, nil }

// ConnectConfig is a stand-in.
func ConnectConfig(ctx context.Context, connConfig *ConnConfig) (*Conn, error) { return &Conn{}, nil }

// Exec is a stand-in.
func (c *Conn) Exec(ctx context.Context, sql string, args ...any) (string, error) { return "", nil }

// Query is a stand-in.
func (c *Conn) Query(ctx context.Context, sql string, args ...any) (Rows, error) { return nil, nil }

// QueryRow is a stand-in.
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) Row { return nil }

// Identifier is a stand-in for a quoted SQL identifier.
type Identifier []string

// Sanitize is a stand-in.
func (i Identifier) Sanitize() string { return "" }
