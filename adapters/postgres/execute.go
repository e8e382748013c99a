package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/google/uuid"
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
	// setup marks the statements that open a transaction (BEGIN, the tenant and the timeout):
	// a statement never seen before is described after them, with the transaction's settings.
	// Their arguments are strings.
	setup bool
}

func utility(sql string) statement { return statement{sql: sql, plain: true} }

// send is the one way statements reach the server: all of stmts go out as one batch of extended-
// protocol messages ending in a single Sync, so a whole tenant transaction of one statement costs
// one network round trip. It stops at the first error; the server skips the rest up to the Sync.
//
// A statement this connection (prepared mode) or this process (pooler-safe mode) has not yet
// described costs one more round trip first: the setup statements and the description, in the
// same transaction, so that parsing runs with the tenant, the role and the statement timeout too.
func (db *DB) send(ctx context.Context, conn *pgx.Conn, stmts []statement) error {
	mode := db.Mode()
	descs := make([]*pgconn.StatementDescription, len(stmts))
	var cold []int
	for i, s := range stmts {
		if s.plain {
			continue
		}
		if descs[i] = db.described(conn, mode, s.sql); descs[i] == nil {
			cold = append(cold, i)
		}
	}
	if len(cold) > 0 {
		ran, err := db.describe(ctx, conn, mode, stmts, descs, cold)
		if err != nil {
			db.forgetStale(conn, stmts, err)
			return err
		}
		stmts, descs = stmts[ran:], descs[ran:]
	}

	m := conn.TypeMap()
	batch := &pgconn.Batch{}
	for i, s := range stmts {
		if s.plain {
			batch.ExecParams(s.sql, nil, nil, nil, nil)
			continue
		}
		sd := descs[i]
		params, formats, err := encodeArgs(m, sd, s.args)
		if err != nil {
			return err
		}
		results := resultFormats(m, sd)
		if sd.Name != "" {
			batch.ExecStatement(sd, params, formats, results)
		} else {
			batch.ExecParams(s.sql, params, sd.ParamOIDs, formats, results)
		}
	}

	mrr := conn.PgConn().ExecBatch(ctx, batch)
	err := readBatch(mrr, m, stmts)
	if closeErr := mrr.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		db.forgetStale(conn, stmts, err)
	}
	return err
}

// encodeArgs encodes each argument in the format its type prefers (binary for uuid, integers,
// timestamps, arrays; text for strings), falling back to the other format when the Go value can
// only be written in that one, as pgx's own query path does.
func encodeArgs(m *pgtype.Map, sd *pgconn.StatementDescription, args []any) ([][]byte, []int16, error) {
	if len(args) != len(sd.ParamOIDs) {
		return nil, nil, fmt.Errorf("statement needs %d arguments, got %d", len(sd.ParamOIDs), len(args))
	}
	params := make([][]byte, len(args))
	formats := make([]int16, len(args))
	// One buffer for every argument: each is a slice of it. It starts non-nil, because Encode
	// returns the buffer it was given for an empty value and nil only for NULL: an empty string
	// encoded into a nil buffer would be sent as NULL.
	buf := make([]byte, 0, 64*len(args))
	for j, a := range args {
		if u, ok := a.(uuid.UUID); ok {
			// uuid.UUID reaches pgx as a driver.Valuer of text: as pgtype's own type it is
			// written in binary, without a failed attempt first.
			a = pgtype.UUID{Bytes: u, Valid: true}
		}
		oid := sd.ParamOIDs[j]
		format := m.FormatCodeForOID(oid)
		if _, isString := a.(string); isString {
			format = pgtype.TextFormatCode
		}
		start := len(buf)
		out, err := m.Encode(oid, format, a, buf)
		if err != nil {
			other := int16(pgtype.TextFormatCode)
			if format == pgtype.TextFormatCode {
				other = pgtype.BinaryFormatCode
			}
			var otherErr error
			if out, otherErr = m.Encode(oid, other, a, buf); otherErr != nil {
				return nil, nil, fmt.Errorf("encode argument %d: %w", j+1, err)
			}
			format = other
		}
		formats[j] = format
		if out == nil {
			continue // NULL
		}
		params[j] = out[start:len(out):len(out)]
		buf = out
	}
	return params, formats, nil
}

func resultFormats(m *pgtype.Map, sd *pgconn.StatementDescription) []int16 {
	formats := make([]int16, len(sd.Fields))
	for j, f := range sd.Fields {
		formats[j] = m.FormatCodeForOID(f.DataTypeOID)
	}
	return formats
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
				plans[i] = planScan(m, fields[i], d)
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

// maxPreparedPerConn bounds the statements one connection prepares: the statements of a process
// are the code's, but one built with a variable number of placeholders (an IN list) is a new text
// per length. Past the bound, statements run as the unnamed statement.
const maxPreparedPerConn = 1024

// preparedKey is where a connection keeps the statements it has prepared (pgconn's CustomData,
// which lives and dies with the connection).
const preparedKey = "tenantcore.prepared"

func preparedOn(conn *pgx.Conn) map[string]*pgconn.StatementDescription {
	data := conn.PgConn().CustomData()
	if m, ok := data[preparedKey].(map[string]*pgconn.StatementDescription); ok {
		return m
	}
	m := make(map[string]*pgconn.StatementDescription)
	data[preparedKey] = m
	return m
}

// statementName names a prepared statement by its text's digest: PostgreSQL cuts names at 63
// bytes, so the text itself would make two long statements with a common beginning collide.
func statementName(sql string) string {
	digest := sha256.Sum256([]byte(sql))
	return "tenantcore_" + hex.EncodeToString(digest[:16])
}

// described returns what is known of sql on conn in mode, nil when it needs describing.
func (db *DB) described(conn *pgx.Conn, mode ExecMode, sql string) *pgconn.StatementDescription {
	if mode == ModePrepared {
		prepared := preparedOn(conn)
		if sd := prepared[sql]; sd != nil {
			return sd
		}
		if len(prepared) < maxPreparedPerConn {
			return nil
		}
	}
	return db.descriptions.get(sql)
}

// describe sends, in one round trip, the setup statements at the head of stmts (executed, so that
// the transaction's settings apply) and a Parse and Describe of each statement in cold, then a
// Sync. It fills descs and returns how many statements of stmts it has run: the setup, when it
// opened an explicit transaction that stays open past the Sync; none when the setup must run
// again with the statements (an implicit transaction ends at the Sync).
func (db *DB) describe(ctx context.Context, conn *pgx.Conn, mode ExecMode, stmts []statement, descs []*pgconn.StatementDescription, cold []int) (int, error) {
	setup := 0
	for setup < len(stmts) && stmts[setup].setup {
		setup++
	}
	explicit := setup > 0 && stmts[0].plain && stmts[0].sql == "BEGIN"
	prepared := preparedOn(conn)
	named := mode == ModePrepared && len(prepared)+len(cold) <= maxPreparedPerConn

	p := conn.PgConn().StartPipeline(ctx)
	for i := range setup {
		s := stmts[i]
		switch {
		case s.plain:
			p.SendQueryParams(s.sql, nil, nil, nil, nil)
		case descs[i] != nil && descs[i].Name != "":
			p.SendQueryStatement(descs[i], textArgs(s.args), nil, nil)
		default:
			// The server infers the setup's parameter types; they are all text.
			p.SendQueryParams(s.sql, textArgs(s.args), nil, nil, nil)
		}
	}
	names := make([]string, len(cold))
	for k, i := range cold {
		if named {
			// A statement of this name may have outlived what this connection remembers of it
			// (forgotten inside a failed transaction): closing one that does not exist is no error.
			names[k] = statementName(stmts[i].sql)
			p.SendDeallocate(names[k])
		}
		p.SendPrepare(names[k], stmts[i].sql, nil)
	}
	p.SendPipelineSync()
	if err := p.Flush(); err != nil {
		_ = p.Close()
		return 0, err
	}
	k := 0
	for {
		res, err := p.GetResults()
		if err != nil {
			if closeErr := p.Close(); closeErr != nil {
				return 0, closeErr
			}
			return 0, err
		}
		switch r := res.(type) {
		case *pgconn.ResultReader:
			if _, err := r.Close(); err != nil {
				_ = p.Close()
				return 0, err
			}
		case *pgconn.CloseComplete:
		case *pgconn.StatementDescription:
			i := cold[k]
			k++
			descs[i] = r
			if named {
				// A pipeline's Prepare answers with a description that names no statement (unlike
				// PgConn.Prepare): without its name, send would parse the text again each time.
				r.Name, r.SQL = names[k-1], stmts[i].sql
				prepared[stmts[i].sql] = r
			} else {
				// The unnamed statement is replaced by the next Parse: only its description is kept.
				kept := *r
				kept.Name = ""
				descs[i] = &kept
				db.descriptions.put(stmts[i].sql, &kept)
			}
		case *pgconn.PipelineSync:
			if err := p.Close(); err != nil {
				return 0, err
			}
			if explicit {
				return setup, nil
			}
			return 0, nil
		}
	}
}

// textArgs encodes a setup statement's arguments, which are all strings.
func textArgs(args []any) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		text, _ := a.(string) // setup arguments are strings by construction (session.go)
		out[i] = []byte(text)
	}
	return out
}

// forgetStale drops what may no longer match the schema or the server connection after a
// statement failed on it: the cached descriptions and this connection's prepared statements.
func (db *DB) forgetStale(conn *pgx.Conn, stmts []statement, err error) {
	if !staleStatement(err) {
		return
	}
	prepared := preparedOn(conn)
	for _, s := range stmts {
		if s.plain {
			continue
		}
		db.descriptions.drop(s.sql)
		delete(prepared, s.sql) // the next describe closes and prepares it again
	}
	if poolerSign(err) {
		// The server connection is not the one these statements were prepared on: a pooler
		// sits in between, and nothing this connection remembers holds.
		clear(prepared)
	}
}

// staleStatement tells errors that mean a described or prepared statement no longer fits the
// schema or the server connection: "cached plan must not change result type", a prepared
// statement unknown or already there, a parameter count or type that no longer matches.
func staleStatement(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "0A000", "26000", "42P05", "08P01", "42804", "42P08", "42883":
		return true
	}
	return false
}

// poolerSign tells the errors a transaction-mode pooler causes to prepared statements: one this
// connection prepared is unknown to the server connection it now has (26000), or one it is about
// to prepare already exists there, made by another client (42P05).
func poolerSign(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "26000" || pgErr.Code == "42P05")
}
