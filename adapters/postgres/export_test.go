package postgres

import (
	"context"
	"slices"
)

// PreparedOnServer acquires one connection of db and returns the names of the statements this
// package remembers as prepared on it, and which of them the server knows by that name.
func PreparedOnServer(ctx context.Context, db *DB) (remembered, onServer []string, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Release()
	for _, sd := range preparedOn(conn.Conn()) {
		remembered = append(remembered, sd.Name)
	}
	slices.Sort(remembered)
	rows, err := conn.Query(ctx, `SELECT name FROM pg_prepared_statements WHERE name = ANY($1) ORDER BY name`, remembered)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, nil, err
		}
		onServer = append(onServer, name)
	}
	return remembered, onServer, rows.Err()
}
