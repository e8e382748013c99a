// Package pgxpool is a stand-in for github.com/jackc/pgx/v5/pgxpool.
package pgxpool

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Pool is a stand-in.
type Pool struct{}

// Config is a stand-in.
type Config struct{}

// New is a stand-in.
func New(ctx context.Context, connString string) (*Pool, error) { return &Pool{}, nil }

// NewWithConfig is a stand-in.
func NewWithConfig(ctx context.Context, config *Config) (*Pool, error) { return &Pool{}, nil }

// ParseConfig is a stand-in; it connects nowhere.
func ParseConfig(connString string) (*Config, error) { return &Config{}, nil }

// Exec is a stand-in.
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (string, error) { return "", nil }

// Query is a stand-in.
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) { return nil, nil }

// QueryRow is a stand-in.
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row { return nil }
