package tenantdata

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// Exporter writes one tenant's data to an archive.
type Exporter struct {
	db      *postgres.DB
	tenants *postgres.TenantStore
	// SpoolDir holds the table files while the snapshot is read ("" is the system's temporary
	// directory): a tar entry states its size before its content, and memory must not hold it.
	SpoolDir string
}

// NewExporter returns an exporter on db, the administrative DB (the schema owner's login): each
// export is one tenant transaction narrowed to the serving role.
func NewExporter(db *postgres.DB) *Exporter {
	return &Exporter{db: db, tenants: postgres.NewTenantStore(db)}
}

// spooled is one table file written to disk during the snapshot.
type spooled struct {
	file *os.File
	size int64
}

// sessionFormats fix the text forms of values for the transaction, so that the same rows make the
// same bytes on every server: UTC and ISO dates, exact floats, hex bytea. SET LOCAL reaches Citus
// workers (the preamble switched propagation on).
var sessionFormats = []string{
	"SET LOCAL TimeZone = 'UTC'",
	"SET LOCAL DateStyle = 'ISO, YMD'",
	"SET LOCAL IntervalStyle = 'postgres'",
	"SET LOCAL extra_float_digits = 1",
	"SET LOCAL bytea_output = 'hex'",
}

// Export writes the archive of the tenant slug to w. Every table is read in one REPEATABLE READ,
// READ ONLY tenant transaction as the serving role, so the archive is one consistent snapshot
// that row-level security confines to the tenant. Memory does not grow with the data: rows stream
// from the server to spool files, then to w.
func (e *Exporter) Export(ctx context.Context, slug string, w io.Writer, progress Progress) (Manifest, error) {
	s, err := tenant.ParseSlug(slug)
	if err != nil {
		return Manifest{}, err
	}
	t, err := e.tenants.TenantBySlug(ctx, s)
	if err != nil {
		return Manifest{}, fmt.Errorf("tenant %s: %w", slug, err)
	}
	m := Manifest{Format: FormatName, FormatVersion: FormatVersion, ExportedAt: time.Now().UTC().Truncate(time.Second)}
	var files []spooled
	defer func() {
		for _, f := range files {
			_ = f.file.Close()
			_ = os.Remove(f.file.Name())
		}
	}()
	err = e.db.LendTenantTx(ctx, key, t.ID(), postgres.Snapshot, func(ctx context.Context, tx pgx.Tx) error {
		for _, stmt := range append([]string{servingRole}, sessionFormats...) {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return postgres.Translate(fmt.Errorf("prepare the snapshot: %w", err))
			}
		}
		cat, err := readCatalog(ctx, tx)
		if err != nil {
			return err
		}
		m.SchemaVersion = cat.version
		if m.Tenant, err = readTenant(ctx, tx, t.ID().String()); err != nil {
			return err
		}
		for _, tbl := range cat.tables {
			f, err := os.CreateTemp(e.SpoolDir, "tenantcore-export-*.jsonl")
			if err != nil {
				return fmt.Errorf("spool %s: %w", tbl.name, err)
			}
			files = append(files, spooled{file: f})
			tf, size, err := exportTable(ctx, tx, tbl, t.ID().String(), f, progress)
			if err != nil {
				return err
			}
			files[len(files)-1].size = size
			m.Tables = append(m.Tables, tf)
		}
		return nil
	})
	if err != nil {
		return Manifest{}, err
	}
	return m, writeArchive(w, m, files)
}

// readTenant reads the tenants row in the snapshot, in text forms.
func readTenant(ctx context.Context, tx pgx.Tx, id string) (TenantRecord, error) {
	var r TenantRecord
	err := tx.QueryRow(ctx, `SELECT id::text, slug, name, is_active, created_at::text, updated_at::text FROM tenants WHERE id = $1::uuid`, id).
		Scan(&r.ID, &r.Slug, &r.Name, &r.IsActive, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return TenantRecord{}, postgres.Translate(fmt.Errorf("read the tenant: %w", err))
	}
	return r, nil
}

// exportTable streams the tenant's rows of tbl to f as JSON lines, hashing as it writes.
func exportTable(ctx context.Context, tx pgx.Tx, tbl table, tenantID string, f *os.File, progress Progress) (TableFile, int64, error) {
	tf := TableFile{Name: tbl.name, File: tableFileName(tbl.name), Columns: tbl.columns, Key: tbl.key}
	hash := sha256.New()
	counter := &countingWriter{w: io.MultiWriter(f, hash)}
	out := bufio.NewWriterSize(counter, 256<<10)
	//tenantlint:allow sql-concatenation: table and column names come from the catalog and are quoted; the tenant is $1
	rows, err := tx.Query(ctx, tbl.selectSQL(), tenantID)
	if err != nil {
		return TableFile{}, 0, postgres.Translate(fmt.Errorf("export %s: %w", tbl.name, err))
	}
	defer rows.Close()
	var line []byte
	for rows.Next() {
		line = appendRow(line[:0], rows.RawValues())
		if _, err := out.Write(line); err != nil {
			return TableFile{}, 0, fmt.Errorf("spool %s: %w", tbl.name, err)
		}
		tf.Rows++
		if tf.Rows%progressEvery == 0 {
			progress.report(tbl.name, tf.Rows, false)
		}
	}
	if err := rows.Err(); err != nil {
		return TableFile{}, 0, postgres.Translate(fmt.Errorf("export %s: %w", tbl.name, err))
	}
	if err := out.Flush(); err != nil {
		return TableFile{}, 0, fmt.Errorf("spool %s: %w", tbl.name, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return TableFile{}, 0, fmt.Errorf("spool %s: %w", tbl.name, err)
	}
	tf.SHA256 = hex.EncodeToString(hash.Sum(nil))
	progress.report(tbl.name, tf.Rows, true)
	return tf, counter.n, nil
}

// writeArchive writes the manifest, then each spooled table file.
func writeArchive(w io.Writer, m Manifest, files []spooled) error {
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the manifest: %w", err)
	}
	manifest = append(manifest, '\n')
	tw := tar.NewWriter(w)
	if err := writeEntry(tw, manifestName, int64(len(manifest)), m.ExportedAt, bytes.NewReader(manifest)); err != nil {
		return err
	}
	for i, f := range files {
		if err := writeEntry(tw, m.Tables[i].File, f.size, m.ExportedAt, f.file); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("finish the archive: %w", err)
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
