package tenantdata

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// importBatch is how many rows one insert statement carries.
const importBatch = 1000

// Importer restores an archive into a database of the same schema version.
type Importer struct {
	db      *postgres.DB
	tenants *postgres.TenantStore
}

// NewImporter returns an importer on db, the administrative DB (the schema owner's login): it
// creates the tenant and writes its rows as the import role, the serving role's grants and
// row-level security plus INSERT on tenants.
func NewImporter(db *postgres.DB) *Importer {
	return &Importer{db: db, tenants: postgres.NewTenantStore(db)}
}

// Import reads the archive from r and restores it, under newSlug when it is not empty. It is one
// transaction: a refusal (schema version, existing tenant, altered or truncated file) writes
// nothing. Rows go in in the archive's order, parents first, the job queue last; jobs get new ids.
func (im *Importer) Import(ctx context.Context, r io.Reader, newSlug string, progress Progress) (Manifest, error) {
	tr := tar.NewReader(r)
	m, err := readManifest(tr)
	if err != nil {
		return Manifest{}, err
	}
	id, err := uuid.Parse(m.Tenant.ID)
	if err != nil || id == uuid.Nil {
		return Manifest{}, fmt.Errorf("%w: the manifest's tenant id %q is not a tenant identifier", ErrArchive, m.Tenant.ID)
	}
	if newSlug != "" {
		m.Tenant.Slug = newSlug
	}
	slug, err := tenant.ParseSlug(m.Tenant.Slug)
	if err != nil {
		return Manifest{}, err
	}
	if err := im.refuseExisting(ctx, id, slug); err != nil {
		return Manifest{}, err
	}
	err = im.db.LendTenantTx(ctx, key, id, postgres.ReadWrite, func(ctx context.Context, tx pgx.Tx) error {
		cat, err := readCatalog(ctx, tx)
		if err != nil {
			return err
		}
		if err := matchCatalog(m, cat); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, importRole); err != nil {
			return postgres.Translate(fmt.Errorf("switch to the import role: %w", err))
		}
		_, err = tx.Exec(ctx, `INSERT INTO tenants (id, slug, name, is_active, created_at, updated_at)
VALUES ($1::uuid, $2, $3, $4, $5::timestamptz, $6::timestamptz)`,
			m.Tenant.ID, m.Tenant.Slug, m.Tenant.Name, m.Tenant.IsActive, m.Tenant.CreatedAt, m.Tenant.UpdatedAt)
		if err != nil {
			return translateInsert("the tenant", err)
		}
		for i, tf := range m.Tables {
			if err := importTable(ctx, tx, tr, cat.tables[i], tf, progress); err != nil {
				return err
			}
		}
		if hdr, err := tr.Next(); err != io.EOF {
			if err == nil {
				return fmt.Errorf("%w: unexpected entry %q after the last table", ErrArchive, hdr.Name)
			}
			return archiveError("after the last table", err)
		}
		return nil
	})
	if err != nil {
		return Manifest{}, err
	}
	// The updated_at trigger does not fire on INSERT, so the row is as exported.
	return m, im.tenants.AnnounceTenantChange(ctx, id, m.Tenant.Slug)
}

// refuseExisting refuses an archive whose tenant is already here, by id or by slug.
func (im *Importer) refuseExisting(ctx context.Context, id uuid.UUID, slug tenant.Slug) error {
	if _, err := im.tenants.TenantByID(ctx, id); err == nil {
		return fmt.Errorf("%w: a tenant with id %s is already in this database", ErrTenantExists, id)
	} else if !errors.Is(err, tenant.ErrNotFound) {
		return err
	}
	if _, err := im.tenants.TenantBySlug(ctx, slug); err == nil {
		return fmt.Errorf("%w: the slug %s is taken in this database (import with --slug NEW)", ErrTenantExists, slug)
	} else if !errors.Is(err, tenant.ErrNotFound) {
		return err
	}
	return nil
}

// matchCatalog refuses an archive of another schema: another version, or other tables or columns.
func matchCatalog(m Manifest, cat catalog) error {
	if m.SchemaVersion != cat.version {
		return fmt.Errorf("%w: the archive is of schema version %d, this database is at %d", ErrSchemaMismatch, m.SchemaVersion, cat.version)
	}
	if len(m.Tables) != len(cat.tables) {
		return fmt.Errorf("%w: the archive has %d tables, this database %d", ErrSchemaMismatch, len(m.Tables), len(cat.tables))
	}
	for i, tf := range m.Tables {
		t := cat.tables[i]
		switch {
		case tf.Name != t.name:
			return fmt.Errorf("%w: table %d of the archive is %s, this database expects %s", ErrSchemaMismatch, i+1, tf.Name, t.name)
		case tf.File != tableFileName(t.name):
			return fmt.Errorf("%w: table %s is in file %q, expected %q", ErrArchive, t.name, tf.File, tableFileName(t.name))
		case !slices.Equal(tf.Columns, t.columns):
			return fmt.Errorf("%w: the columns of %s differ from this database's", ErrSchemaMismatch, t.name)
		case tf.Rows < 0:
			return fmt.Errorf("%w: table %s has a negative row count", ErrArchive, t.name)
		}
	}
	return nil
}

// importTable reads tbl's entry, checks it against the manifest, and inserts its rows in batches.
// The checksum covers the whole file and is known only at its end; the transaction is what keeps
// a mismatch from writing anything.
func importTable(ctx context.Context, tx pgx.Tx, tr *tar.Reader, tbl table, tf TableFile, progress Progress) error {
	hdr, err := tr.Next()
	if err != nil {
		return archiveError(tf.File, err)
	}
	if hdr.Name != tf.File {
		return fmt.Errorf("%w: expected %s, found %q", ErrArchive, tf.File, hdr.Name)
	}
	hash := sha256.New()
	lines := bufio.NewReaderSize(io.TeeReader(tr, hash), 64<<10)
	per := tbl.rowsPerInsert()
	full := tbl.insertSQL(per)
	args := make([]any, 0, per*len(tbl.columns))
	pending := 0
	var rows int64
	flush := func() error {
		if pending == 0 {
			return nil
		}
		insert := full
		if pending < per {
			insert = tbl.insertSQL(pending)
		}
		//tenantlint:allow sql-concatenation: table, column and type names come from this database's catalog and are quoted; the values are parameters
		if _, err := tx.Exec(ctx, insert, args...); err != nil {
			return translateInsert(tbl.name, err)
		}
		args, pending = args[:0], 0
		return nil
	}
	var values []*string
	var line []byte
	for {
		chunk, err := lines.ReadSlice('\n')
		line = append(line, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if len(line) > maxLine {
				return fmt.Errorf("%w: %s line %d is longer than %d bytes", ErrArchive, tf.File, rows+1, maxLine)
			}
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			// Every row the exporter writes ends with a newline.
			return fmt.Errorf("%w: %s ends in the middle of a row: the archive is truncated or altered", ErrArchive, tf.File)
		case errors.Is(err, io.EOF):
		case err != nil:
			return archiveError(tf.File, err)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		row := line[:len(line)-1]
		values = values[:0]
		if err := json.Unmarshal(row, &values); err != nil || len(values) != len(tbl.columns) {
			return fmt.Errorf("%w: %s line %d is not a row of %d text values", ErrArchive, tf.File, rows+1, len(tbl.columns))
		}
		for _, v := range values {
			if v == nil {
				args = append(args, nil)
			} else {
				args = append(args, *v)
			}
		}
		line = line[:0]
		pending++
		rows++
		if pending == per {
			if err := flush(); err != nil {
				return err
			}
		}
		if rows%progressEvery == 0 {
			progress.report(tbl.name, rows, false)
		}
	}
	if got := hex.EncodeToString(hash.Sum(nil)); got != tf.SHA256 {
		return fmt.Errorf("%w: %s does not match its checksum in the manifest: altered or damaged", ErrArchive, tf.File)
	}
	if rows != tf.Rows {
		return fmt.Errorf("%w: %s has %d rows, the manifest says %d", ErrArchive, tf.File, rows, tf.Rows)
	}
	if err := flush(); err != nil {
		return err
	}
	progress.report(tbl.name, rows, true)
	return nil
}

// translateInsert names the table of a refused insert; a value the column refuses means the
// archive does not fit this database.
func translateInsert(what string, err error) error {
	return postgres.Translate(fmt.Errorf("import %s: %w", what, err))
}
