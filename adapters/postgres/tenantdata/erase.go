package tenantdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/domain/tenant"
)

// DefaultEraseBatch is how many rows one erasure transaction deletes: small enough that no other
// tenant waits long behind its locks.
const DefaultEraseBatch = 1000

// maxEraseRounds bounds the passes over every table: a pass finds rows only when a transaction
// that began before the deactivation committed after its table was passed.
const maxEraseRounds = 3

// Eraser removes a tenant and all its data, leaving a receipt.
type Eraser struct {
	db      *postgres.DB
	tenants *postgres.TenantStore
	// Batch is the rows per delete transaction; 0 is DefaultEraseBatch.
	Batch int
}

// NewEraser returns an eraser on db, the administrative DB (the schema owner's login): it
// deactivates and deletes the tenant row and writes the receipt as that login, and deletes the
// tenant's rows as the serving role, with the tenant set.
func NewEraser(db *postgres.DB) *Eraser {
	return &Eraser{db: db, tenants: postgres.NewTenantStore(db)}
}

// EraseRequest is what an erasure needs.
type EraseRequest struct {
	Slug string
	// Confirm must repeat Slug.
	Confirm string
	// By names the operator; Reason says why. Both go to the receipt: no personal data there.
	By, Reason string
}

// Receipt is the record an erasure leaves.
type Receipt struct {
	Number        int64            `json:"number"`
	TenantID      uuid.UUID        `json:"tenant_id"`
	StartedAt     time.Time        `json:"started_at"`
	FinishedAt    *time.Time       `json:"finished_at"`
	By            string           `json:"erased_by"`
	Reason        string           `json:"reason"`
	SchemaVersion int64            `json:"schema_version"`
	Rows          map[string]int64 `json:"rows"`
}

// Erase deactivates the tenant (every instance refuses it within a second, through the change
// feed), deletes its rows table by table (the job queue first, then children before parents) in
// transactions of at most Batch rows, then in one transaction checks that none is left, finishes
// the receipt and deletes the tenant row. Interrupted anywhere, the same call resumes: the receipt
// counts each deleted row in the transaction that deletes it, and the tenant row goes last. The
// slug is free again afterwards.
func (e *Eraser) Erase(ctx context.Context, req EraseRequest, progress Progress) (Receipt, error) {
	if err := req.check(); err != nil {
		return Receipt{}, err
	}
	slug, err := tenant.ParseSlug(req.Slug)
	if err != nil {
		return Receipt{}, err
	}
	t, err := e.tenants.TenantBySlug(ctx, slug)
	if errors.Is(err, tenant.ErrNotFound) {
		return Receipt{}, fmt.Errorf("tenant %s: %w (an erased tenant's receipt is in tenant receipts)", slug, err)
	}
	if err != nil {
		return Receipt{}, err
	}
	// The receipt opens first: its transaction is the first of the tenant's, refused before
	// anything changes when ctx is bound to another tenant.
	number, err := e.begin(ctx, t.ID(), req)
	if err != nil {
		return Receipt{}, err
	}
	if t.IsActive() {
		if _, err := e.tenants.SetTenantActive(ctx, slug, false); err != nil {
			return Receipt{}, fmt.Errorf("deactivate %s: %w", slug, err)
		}
	}
	var cat catalog
	if err := e.db.LendTenantTx(ctx, key, t.ID(), postgres.ReadWrite, func(ctx context.Context, tx pgx.Tx) error {
		cat, err = readCatalog(ctx, tx)
		return err
	}); err != nil {
		return Receipt{}, err
	}
	// The queue first, so that no job of the tenant acts on rows being erased; then children
	// before the tables they reference.
	order := append([]table{cat.tables[len(cat.tables)-1]}, cat.tables[:len(cat.tables)-1]...)
	slices.Reverse(order[1:])
	for round := 1; ; round++ {
		for _, tbl := range order {
			if err := e.eraseTable(ctx, t.ID(), number, tbl, progress); err != nil {
				return Receipt{}, err
			}
		}
		err := e.finish(ctx, t.ID(), number, order)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrRemaining) || round == maxEraseRounds {
			return Receipt{}, err
		}
	}
	if err := e.tenants.AnnounceTenantChange(ctx, t.ID(), slug.String()); err != nil {
		return Receipt{}, err
	}
	if err := e.verify(ctx, t.ID(), order); err != nil {
		return Receipt{}, err
	}
	return e.receipt(ctx, number)
}

func (req EraseRequest) check() error {
	switch {
	case req.Confirm != req.Slug:
		return fmt.Errorf("%w: --confirm must repeat the slug %q", ErrConfirm, req.Slug)
	case strings.TrimSpace(req.Reason) == "" || len(req.Reason) > 500:
		return fmt.Errorf("%w: a reason of 1 to 500 characters is required (it goes to the receipt: no personal data)", ErrConfirm)
	case strings.TrimSpace(req.By) == "" || len(req.By) > 200:
		return fmt.Errorf("%w: the operator's name (--by) must be 1 to 200 characters", ErrConfirm)
	}
	return nil
}

// begin opens the receipt of this erasure, or finds the one an interrupted run opened.
func (e *Eraser) begin(ctx context.Context, id uuid.UUID, req EraseRequest) (int64, error) {
	var number int64
	err := e.db.LendTenantTx(ctx, key, id, postgres.ReadWrite, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT number FROM tenant_erasures WHERE erased_tenant_id = $1 AND finished_at IS NULL`, id).Scan(&number)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var version int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(max(version_id), 0) FROM "+postgres.MigrationTable).Scan(&version); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO tenant_erasures (erased_tenant_id, erased_by, reason, schema_version)
VALUES ($1, $2, $3, $4) RETURNING number`, id, strings.TrimSpace(req.By), strings.TrimSpace(req.Reason), version).Scan(&number)
	})
	if err != nil {
		return 0, postgres.Translate(fmt.Errorf("open the erasure receipt: %w", err))
	}
	return number, nil
}

// eraseTable deletes the tenant's rows of tbl, Batch at a time, each batch and its count on the
// receipt in one transaction.
func (e *Eraser) eraseTable(ctx context.Context, id uuid.UUID, number int64, tbl table, progress Progress) error {
	batch := e.Batch
	if batch <= 0 {
		batch = DefaultEraseBatch
	}
	del := tbl.deleteBatchSQL("")
	var total int64
	for {
		var n int64
		err := e.db.LendTenantTx(ctx, key, id, postgres.ReadWrite, func(ctx context.Context, tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, servingRole); err != nil {
				return err
			}
			//tenantlint:allow sql-concatenation: table and key names come from the catalog and are quoted; the tenant is $1
			if err := tx.QueryRow(ctx, del, id.String(), batch).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, loginRole); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE tenant_erasures
SET row_counts = jsonb_set(row_counts, ARRAY[$2::text], to_jsonb(COALESCE((row_counts->>$2::text)::bigint, 0) + $3::bigint))
WHERE number = $1`, number, tbl.name, n)
			return err
		})
		if err != nil {
			return postgres.Translate(fmt.Errorf("erase %s: %w", tbl.name, err))
		}
		total += n
		progress.report(tbl.name, total, n < int64(batch))
		if n < int64(batch) {
			return nil
		}
	}
}

// finish checks, in the transaction that deletes the tenant row, that no table holds a row of the
// tenant, and closes the receipt. ErrRemaining sends the eraser round again.
func (e *Eraser) finish(ctx context.Context, id uuid.UUID, number int64, tables []table) error {
	err := e.db.LendTenantTx(ctx, key, id, postgres.ReadWrite, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, servingRole); err != nil {
			return err
		}
		if left, err := remaining(ctx, tx, id, tables); err != nil || len(left) > 0 {
			if err == nil {
				err = fmt.Errorf("%w: %s", ErrRemaining, strings.Join(left, ", "))
			}
			return err
		}
		if _, err := tx.Exec(ctx, loginRole); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE tenant_erasures SET finished_at = now() WHERE number = $1`, number); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM tenants WHERE id = $1`, id)
		return err
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		// A row committed after its table was passed still references the tenant.
		return fmt.Errorf("%w: %s", ErrRemaining, pgErr.TableName)
	}
	if err != nil && !errors.Is(err, ErrRemaining) {
		return postgres.Translate(fmt.Errorf("finish the erasure: %w", err))
	}
	return err
}

// verify checks again, after the tenant row is gone, that no table holds a row of the tenant.
func (e *Eraser) verify(ctx context.Context, id uuid.UUID, tables []table) error {
	return e.db.LendTenantTx(ctx, key, id, postgres.Snapshot, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, servingRole); err != nil {
			return postgres.Translate(err)
		}
		left, err := remaining(ctx, tx, id, tables)
		if err == nil && len(left) > 0 {
			err = fmt.Errorf("%w after the erasure: %s", ErrRemaining, strings.Join(left, ", "))
		}
		return err
	})
}

// remaining names the tables that hold rows of the tenant, with their counts.
func remaining(ctx context.Context, tx pgx.Tx, id uuid.UUID, tables []table) ([]string, error) {
	var left []string
	for _, tbl := range tables {
		var n int64
		//tenantlint:allow sql-concatenation: the table name comes from the catalog and is quoted; the tenant is $1
		if err := tx.QueryRow(ctx, tbl.countSQL(), id.String()).Scan(&n); err != nil {
			return nil, postgres.Translate(fmt.Errorf("count %s: %w", tbl.name, err))
		}
		if n > 0 {
			left = append(left, fmt.Sprintf("%s (%d rows)", tbl.name, n))
		}
	}
	return left, nil
}

// receiptColumns are read by scanReceipt.
const receiptColumns = `number, erased_tenant_id, started_at, finished_at, erased_by, reason, schema_version, row_counts`

func (e *Eraser) receipt(ctx context.Context, number int64) (Receipt, error) {
	list, err := listReceipts(ctx, e.db, number)
	if err == nil && len(list) != 1 {
		err = fmt.Errorf("receipt %d not found", number)
	}
	if err != nil {
		return Receipt{}, err
	}
	return list[0], nil
}

// Receipts lists every erasure receipt, the oldest first; an unfinished one belongs to an erasure
// that was interrupted and has not been run again.
func Receipts(ctx context.Context, db *postgres.DB) ([]Receipt, error) {
	return listReceipts(ctx, db, 0)
}

func listReceipts(ctx context.Context, db *postgres.DB, number int64) ([]Receipt, error) {
	var out []Receipt
	err := db.LendTenantTx(ctx, key, uuid.Nil, postgres.Snapshot, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+receiptColumns+` FROM tenant_erasures WHERE $1 = 0 OR number = $1 ORDER BY number`, number)
		if err != nil {
			return err
		}
		var r Receipt
		var counts []byte
		_, err = pgx.ForEachRow(rows, []any{&r.Number, &r.TenantID, &r.StartedAt, &r.FinishedAt, &r.By, &r.Reason, &r.SchemaVersion, &counts}, func() error {
			got := r
			got.Rows = map[string]int64{}
			if err := json.Unmarshal(counts, &got.Rows); err != nil {
				return fmt.Errorf("receipt %d: row counts: %w", r.Number, err)
			}
			got.StartedAt = got.StartedAt.UTC()
			if got.FinishedAt != nil {
				at := got.FinishedAt.UTC()
				got.FinishedAt = &at
			}
			out = append(out, got)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, postgres.Translate(fmt.Errorf("read erasure receipts: %w", err))
	}
	return out, nil
}
