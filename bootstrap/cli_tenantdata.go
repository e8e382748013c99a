package bootstrap

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/tenantcore/tenantcore/adapters/logging"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
)

// tenantDataCommands are the tenant subcommands that act on a tenant's data as a whole (ADR-025).
func (c CLI) tenantDataCommands() map[string]func(context.Context, Config, []string) error {
	return map[string]func(context.Context, Config, []string) error{
		"export":   c.tenantExport,
		"import":   c.tenantImport,
		"erase":    c.tenantErase,
		"receipts": c.tenantReceipts,
	}
}

// openAdmin opens the administrative DB for a tenant-data command: the schema owner's login, which
// each job narrows to the serving role for the tenant's rows. No statement timeout: one export
// query reads a whole table.
func (c CLI) openAdmin(ctx context.Context, cfg Config) (*postgres.DB, *zap.Logger, func(), error) {
	log, err := logging.New(logging.Config{Level: cfg.LogLevel, Format: cfg.LogFormat, Output: "stderr"})
	if err != nil {
		return nil, nil, nil, err
	}
	pc := c.poolConfig(cfg, "")
	pc.StatementTimeout = 0
	db, err := postgres.Open(ctx, pc)
	if err != nil {
		return nil, nil, nil, err
	}
	return db, log, func() { _ = log.Sync(); db.Close() }, nil
}

func (c CLI) tenantExport(ctx context.Context, cfg Config, args []string) error {
	const synopsis = "tenant export --slug S --out FILE|-"
	fs := c.flags("tenant export")
	slug := fs.String("slug", "", "tenant slug")
	out := fs.String("out", "", "archive file, or - for standard output")
	if err := parseArgs(fs, args, synopsis); err != nil {
		return err
	}
	if *slug == "" || *out == "" {
		return c.usageError(synopsis)
	}
	db, log, closeAll, err := c.openAdmin(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	exporter := tenantdata.NewExporter(db)
	progress := c.progress(log, "exported")
	if *out == "-" {
		if isTerminal(c.Stdout) {
			return fmt.Errorf("tenant export: standard output is a terminal; redirect it or use --out FILE")
		}
		m, err := exporter.Export(ctx, *slug, c.Stdout, progress)
		if err != nil {
			return err
		}
		log.Info("tenant exported", zap.String("tenant", m.Tenant.Slug), zap.Int64("rows", rowsIn(m)))
		return nil
	}
	// Written beside the target and renamed once complete: a failed export leaves no file.
	f, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	defer func() { _ = os.Remove(f.Name()) }()
	m, err := exporter.Export(ctx, *slug, f, progress)
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(f.Name(), *out); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	return c.printJSON(summary(m, *out))
}

func (c CLI) tenantImport(ctx context.Context, cfg Config, args []string) error {
	const synopsis = "tenant import --in FILE|- [--slug NEW]"
	fs := c.flags("tenant import")
	in := fs.String("in", "", "archive file, or - for standard input")
	slug := fs.String("slug", "", "the tenant's slug here, when not the archive's")
	if err := parseArgs(fs, args, synopsis); err != nil {
		return err
	}
	if *in == "" {
		return c.usageError(synopsis)
	}
	r := c.Stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("open %s: %w", *in, err)
		}
		defer func() { _ = f.Close() }()
		r = f
	}
	db, log, closeAll, err := c.openAdmin(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	m, err := tenantdata.NewImporter(db).Import(ctx, r, *slug, c.progress(log, "imported"))
	if err != nil {
		return err
	}
	return c.printJSON(summary(m, *in))
}

func (c CLI) tenantErase(ctx context.Context, cfg Config, args []string) error {
	const synopsis = `tenant erase --slug S --confirm S --reason "…" [--by NAME]`
	fs := c.flags("tenant erase")
	req := tenantdata.EraseRequest{}
	fs.StringVar(&req.Slug, "slug", "", "tenant slug")
	fs.StringVar(&req.Confirm, "confirm", "", "the slug again")
	fs.StringVar(&req.Reason, "reason", "", "why the tenant is erased (kept in the receipt: no personal data)")
	fs.StringVar(&req.By, "by", operatorName(), "who erases it (kept in the receipt)")
	if err := parseArgs(fs, args, synopsis); err != nil {
		return err
	}
	if req.Slug == "" {
		return c.usageError(synopsis)
	}
	db, log, closeAll, err := c.openAdmin(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	receipt, err := tenantdata.NewEraser(db).Erase(ctx, req, c.progress(log, "erased"))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stderr, "tenant %s erased: verified that no table holds a row of tenant %s (receipt %d)\n", req.Slug, receipt.TenantID, receipt.Number)
	return c.printJSON(receipt)
}

func (c CLI) tenantReceipts(ctx context.Context, cfg Config, args []string) error {
	if err := parseArgs(c.flags("tenant receipts"), args, "tenant receipts"); err != nil {
		return err
	}
	db, _, closeAll, err := c.openAdmin(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeAll()
	list, err := tenantdata.Receipts(ctx, db)
	if err != nil {
		return err
	}
	if list == nil {
		list = []tenantdata.Receipt{}
	}
	return c.printJSON(list)
}

func (c CLI) flags(name string) *flag.FlagSet { return flag.NewFlagSet(name, flag.ContinueOnError) }

// operatorName is the OS user running the command: the default "who" of a receipt.
func operatorName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress shows a job's advance: one rewritten line on a terminal, log lines otherwise.
func (c CLI) progress(log *zap.Logger, verb string) tenantdata.Progress {
	if isTerminal(c.Stderr) {
		return func(table string, rows int64, done bool) {
			fmt.Fprintf(c.Stderr, "\r\033[K%s: %d rows %s", table, rows, verb)
			if done {
				fmt.Fprintln(c.Stderr)
			}
		}
	}
	return func(table string, rows int64, done bool) {
		if done {
			log.Info("table "+verb, zap.String("table", table), zap.Int64("rows", rows))
		} else {
			log.Debug("rows "+verb, zap.String("table", table), zap.Int64("rows", rows))
		}
	}
}

func rowsIn(m tenantdata.Manifest) int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

func summary(m tenantdata.Manifest, file string) map[string]any {
	rows := map[string]int64{}
	for _, t := range m.Tables {
		rows[t.Name] = t.Rows
	}
	return map[string]any{"tenant": m.Tenant.Slug, "tenant_id": m.Tenant.ID, "file": file,
		"schema_version": m.SchemaVersion, "rows": rows}
}
