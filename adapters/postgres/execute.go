package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// statement is one SQL statement of a batch and what becomes of its result.
type statement struct {
	sql  string
	args []any
	// rows receives each row; nil discards them.
	rows func(scan func(dest ...any) error) error
	// affected, when set, receives the number of rows the statement touched.
	affected *int64
	// plain marks a statement with no parameters and no rows (BEGIN, COMMIT, SET LOCAL): it is
	// sent as is, without a description.
	plain bool
}

func utility(sql string) statement { return statement{sql: sql, plain: true} }

// send is the one way statements reach the server: all of stmts go out as one batch of extended-
// protocol messages ending in a single Sync, so a whole tenant transaction of one statement costs
// one network round trip. It stops at the first error; the server skips the rest up to the Sync.
func (db *DB) send(ctx context.Context, conn *pgx.Conn, stmts []statement) error {
	m := conn.TypeMap()
	batch := &pgconn.Batch{}
	for _, s := range stmts {
		if s.plain {
			batch.ExecParams(s.sql, nil, nil, nil, nil)
			continue
		}
		sd, err := db.describe(ctx, conn, s.sql)
		if err != nil {
			return err
		}
		if len(s.args) != len(sd.ParamOIDs) {
			return fmt.Errorf("statement needs %d arguments, got %d", len(sd.ParamOIDs), len(s.args))
		}
		params := make([][]byte, len(s.args))
		for j, a := range s.args {
			if params[j], err = m.Encode(sd.ParamOIDs[j], pgtype.TextFormatCode, a, nil); err != nil {
				return fmt.Errorf("encode argument %d: %w", j+1, err)
			}
		}
		formats := make([]int16, len(sd.Fields))
		for j, f := range sd.Fields {
			formats[j] = m.FormatCodeForOID(f.DataTypeOID)
		}
		if db.mode == ModePrepared {
			batch.ExecStatement(sd, params, nil, formats)
		} else {
			batch.ExecParams(s.sql, params, sd.ParamOIDs, nil, formats)
		}
	}

	mrr := conn.PgConn().ExecBatch(ctx, batch)
	err := readBatch(mrr, m, stmts)
	if closeErr := mrr.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		db.forgetStale(ctx, conn, stmts, err)
	}
	return err
}

func readBatch(mrr *pgconn.MultiResultReader, m *pgtype.Map, stmts []statement) error {
	for _, s := range stmts {
		if !mrr.NextResult() {
			return missingResult(mrr)
		}
		rr := mrr.ResultReader()
		if s.rows != nil {
			if err := readRows(rr, m, s.rows); err != nil {
				_, _ = rr.Close()
				return err
			}
		}
		tag, err := rr.Close()
		if err != nil {
			return err
		}
		if s.affected != nil {
			*s.affected = tag.RowsAffected()
		}
	}
	return nil
}

// readRows hands each row to sink, planning each column's decoding once per statement. The
// types are the ones the server sent with this result, not the cached description's.
func readRows(rr *pgconn.ResultReader, m *pgtype.Map, sink func(func(...any) error) error) error {
	fields := rr.FieldDescriptions()
	plans := make([]pgtype.ScanPlan, len(fields))
	var values [][]byte
	scan := func(dest ...any) error {
		if len(dest) != len(fields) {
			return fmt.Errorf("scan %d columns into %d destinations", len(fields), len(dest))
		}
		for i, d := range dest {
			if plans[i] == nil {
				plans[i] = m.PlanScan(fields[i].DataTypeOID, fields[i].Format, d)
			}
			if err := plans[i].Scan(values[i], d); err != nil {
				return fmt.Errorf("scan column %s: %w", fields[i].Name, err)
			}
		}
		return nil
	}
	for rr.NextRow() {
		values = rr.Values()
		if err := sink(scan); err != nil {
			return err
		}
	}
	return nil
}

// missingResult explains a batch that ended early: the server's error if there is one.
func missingResult(mrr *pgconn.MultiResultReader) error {
	if err := mrr.Close(); err != nil {
		return err
	}
	return errors.New("the database returned fewer results than statements sent")
}

// describe returns the statement's parameter and result types. In the prepared mode this prepares
// it on the connection (once per connection); in the unnamed mode the description is cached for
// the process and asked of the server with the unnamed statement on a miss, which leaves nothing
// behind on the connection.
func (db *DB) describe(ctx context.Context, conn *pgx.Conn, sql string) (*pgconn.StatementDescription, error) {
	if db.mode == ModePrepared {
		return conn.Prepare(ctx, sql, sql)
	}
	if sd := db.descriptions.get(sql); sd != nil {
		return sd, nil
	}
	sd, err := conn.PgConn().Prepare(ctx, "", sql, nil)
	if err != nil {
		return nil, err
	}
	db.descriptions.put(sql, sd)
	return sd, nil
}

// forgetStale drops what may no longer match the schema after a statement failed on it: the
// cached descriptions (unnamed mode) or the connection's prepared statements (prepared mode).
func (db *DB) forgetStale(ctx context.Context, conn *pgx.Conn, stmts []statement, err error) {
	if !staleStatement(err) {
		return
	}
	for _, s := range stmts {
		if s.plain {
			continue
		}
		if db.mode == ModePrepared {
			_ = conn.Deallocate(context.WithoutCancel(ctx), s.sql)
		} else {
			db.descriptions.drop(s.sql)
		}
	}
}

// staleStatement tells errors that mean a described or prepared statement no longer fits the
// schema: "cached plan must not change result type", an unknown prepared statement, a parameter
// count or type that no longer matches.
func staleStatement(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "0A000", "26000", "08P01", "42804", "42P08", "42883":
		return true
	}
	return false
}
