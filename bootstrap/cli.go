package bootstrap

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.uber.org/dig"
	"go.uber.org/fx"

	"github.com/tenantcore/tenantcore/adapters/logging"
	"github.com/tenantcore/tenantcore/adapters/password"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/devseed"
	"github.com/tenantcore/tenantcore/adapters/postgres/userdb"
	"github.com/tenantcore/tenantcore/adapters/token"
	"github.com/tenantcore/tenantcore/application/identity"
	"github.com/tenantcore/tenantcore/application/operator"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/user"
	"github.com/tenantcore/tenantcore/migrations"
)

const usage = `tenantcore: multi-tenant service

Usage:
  tenantcore serve                                  run the HTTP server and the job workers
  tenantcore db create                              create the database named in DATABASE_URL
  tenantcore migrate up|down|status                 apply, roll back one, or list migrations
  tenantcore migrate down --force                   roll back the job queue's migration with jobs still to run
  tenantcore tenant create --slug S --name N        create a tenant (prints JSON)
  tenantcore tenant list                            list tenants (JSON)
  tenantcore tenant activate|deactivate --slug S    change a tenant's status
  tenantcore tenant export --slug S --out FILE|-    write tenant S's data to an archive
  tenantcore tenant import --in FILE|- [--slug NEW] restore an archive into this database
  tenantcore tenant erase --slug S --confirm S --reason R [--by NAME]
                                                    erase tenant S and all its data, with a receipt
  tenantcore tenant receipts                        list erasure receipts (JSON)
  tenantcore tenant top [--url URL ...]             the busiest tenants of one or several instances
  tenantcore user create --tenant S --email E --password-stdin
                                                    create a user in tenant S (prints JSON)
  tenantcore job list --tenant S                    list tenant S's failed jobs (JSON)
  tenantcore job retry --tenant S --id N            run tenant S's failed job N again
  tenantcore jwt keygen --dir D --kid K             write an Ed25519 signing key D/K.pem
  tenantcore dev seed --tenants N --users-per-tenant M [--prefix P]
                                                    bulk-create tenants and users (password: SeedPassword)
  tenantcore new feature NAME [--singular S]        write a tenant-scoped feature's files (run at the module root)

Configuration comes from the environment; see README.md.
`

// CLI is the tenantcore binary: its streams and environment, so that tests can run it in-process.
type CLI struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Lookup         func(string) (string, bool)
}

// errUsage marks a command line that cannot be run; the usage text has already been printed.
var errUsage = errors.New("usage")

// Main runs the command in args (without the program name) and returns the exit code: 0 on
// success, 1 when the command failed, 2 for a bad command line or configuration.
func (c CLI) Main(args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(c.Stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cfg, err := LoadConfig(c.Lookup)
	if err != nil {
		fmt.Fprintf(c.Stderr, "tenantcore: configuration: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, endSpan := c.traceCommand(ctx, cfg, args)
	switch args[0] {
	case "serve":
		err = c.serve(ctx, cfg, args[1:])
	case "db":
		err = c.db(ctx, cfg, args[1:])
	case "migrate":
		err = c.migrate(ctx, cfg, args[1:])
	case "tenant":
		err = c.tenant(ctx, cfg, args[1:])
	case "user":
		err = c.user(ctx, cfg, args[1:])
	case "job":
		err = c.job(ctx, cfg, args[1:])
	case "jwt":
		err = c.jwt(args[1:])
	case "dev":
		err = c.dev(ctx, cfg, args[1:])
	case "new":
		err = c.newFeature(args[1:])
	default:
		endSpan(errUsage)
		fmt.Fprintf(c.Stderr, "tenantcore: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	endSpan(err)
	var commandLine commandLineError
	switch {
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &commandLine):
		fmt.Fprintf(c.Stderr, "tenantcore: %s: %s\n", args[0], commandLine.msg)
		return 2
	case err != nil:
		fmt.Fprintf(c.Stderr, "tenantcore: %s: %s\n", args[0], oneLine(err))
		return 1
	}
	return 0
}

// oneLine keeps an error message to one line: the operator reads the first, the log has the rest.
func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// serve runs the server until ctx ends (a signal) or the application shuts itself down. A signal
// during the start, while serve connects or runs its self-check, ends the start: what had started
// is rolled back and serve returns as after any other stop.
func (c CLI) serve(ctx context.Context, cfg Config, args []string) error {
	if err := parseArgs(flag.NewFlagSet("serve", flag.ContinueOnError), args, "serve"); err != nil {
		return err
	}
	app := fx.New(Server(cfg), interruptStart(ctx))
	if err := app.Err(); err != nil {
		// The constructor's own error, not the chain of what needed it.
		return fmt.Errorf("wiring: %w", dig.RootCause(err))
	}
	if ctx.Err() != nil {
		return nil // signalled before anything started
	}
	startCtx, cancel := context.WithTimeout(context.Background(), app.StartTimeout())
	defer cancel()
	started := make(chan error, 1)
	go func() { started <- app.Start(startCtx) }()
	var err error
	select {
	case err = <-started:
	case <-ctx.Done():
		// The self-check ends with the signal; a start hook that does not is given the time a
		// shutdown may take, then the process exits anyway.
		select {
		case err = <-started:
		case <-time.After(cfg.ShutdownTimeout):
			return errors.New("start: still running SHUTDOWN_TIMEOUT after the signal; exiting without a clean stop")
		}
		if err != nil {
			return nil // interrupted and rolled back
		}
	}
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	select {
	case <-app.Wait():
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), app.StopTimeout())
	defer cancel()
	if err := app.Stop(stopCtx); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}

func (c CLI) db(ctx context.Context, cfg Config, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return c.usageError("db create")
	}
	if err := parseArgs(flag.NewFlagSet("db create", flag.ContinueOnError), args[1:], "db create"); err != nil {
		return err
	}
	created, err := postgres.EnsureDatabase(ctx, cfg.DatabaseAdminURL)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintln(c.Stdout, "database created")
	} else {
		fmt.Fprintln(c.Stdout, "database exists")
	}
	return nil
}

func (c CLI) migrate(ctx context.Context, cfg Config, args []string) error {
	if len(args) == 0 || (args[0] != "up" && args[0] != "down" && args[0] != "status") {
		return c.usageError("migrate up|down|status")
	}
	fs := flag.NewFlagSet("migrate "+args[0], flag.ContinueOnError)
	synopsis := "migrate " + args[0]
	var force bool
	if args[0] == "down" {
		fs.BoolVar(&force, "force", false, "roll back the job queue's migration even with jobs still to run")
		synopsis += " [--force]"
	}
	if err := parseArgs(fs, args[1:], synopsis); err != nil {
		return err
	}
	m, err := postgres.NewMigrator(cfg.DatabaseAdminURL, migrations.FS)
	if err != nil {
		return err
	}
	defer func() { _ = m.Close() }()
	switch args[0] {
	case "up":
		n, err := m.Up(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stdout, "applied %d migration(s)\n", n)
	case "down":
		dropped, err := jobsDroppedByDown(ctx, m, force)
		if err != nil {
			return err
		}
		if err := m.Down(ctx); err != nil {
			return err
		}
		if dropped > 0 {
			fmt.Fprintf(c.Stdout, "rolled back one migration, dropping %d job(s) still to run\n", dropped)
		} else {
			fmt.Fprintln(c.Stdout, "rolled back one migration")
		}
	case "status":
		list, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range list {
			state := "pending"
			if s.Applied {
				state = "applied"
			}
			fmt.Fprintf(c.Stdout, "%05d  %-8s %s\n", s.Version, state, s.Name)
		}
	}
	return nil
}

// jobQueueMigration is the migration that creates the job queue (00004_job_queue.sql); rolling it
// back drops the queue's table and every job in it.
const jobQueueMigration = 4

// jobsDroppedByDown counts the jobs still to run that rolling back the latest migration would
// drop. Without force, dropping any is refused, saying how many: a rollback must not lose work
// without a word.
func jobsDroppedByDown(ctx context.Context, m *postgres.Migrator, force bool) (int64, error) {
	version, err := m.Version(ctx)
	if err != nil || version != jobQueueMigration {
		return 0, err
	}
	pending, err := m.PendingJobs(ctx)
	if err != nil || pending == 0 || force {
		return pending, err
	}
	return 0, fmt.Errorf("rolling back migration %05d drops the job queue with %d job(s) still to run; "+
		"run them first, or drop them with tenantcore migrate down --force", version, pending)
}

type tenantJSON struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	IsActive  bool      `json:"is_active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toTenantJSON(t tenant.Tenant) tenantJSON {
	return tenantJSON{ID: t.ID().String(), Slug: t.Slug().String(), Name: t.Name().String(),
		IsActive: t.IsActive(), CreatedAt: t.CreatedAt().UTC(), UpdatedAt: t.UpdatedAt().UTC()}
}

func (c CLI) tenant(ctx context.Context, cfg Config, args []string) error {
	if len(args) == 0 {
		return c.usageError("tenant create|list|activate|deactivate|export|import|erase|receipts|top")
	}
	if args[0] == "top" {
		return c.tenantTop(ctx, args[1:])
	}
	if run, ok := c.tenantDataCommands()[args[0]]; ok {
		return run(ctx, cfg, args[1:])
	}
	fs := flag.NewFlagSet("tenant "+args[0], flag.ContinueOnError)
	var slug, name string
	var synopsis string
	switch args[0] {
	case "create":
		fs.StringVar(&slug, "slug", "", "tenant slug")
		fs.StringVar(&name, "name", "", "tenant name")
		synopsis = "tenant create --slug S --name N"
	case "activate", "deactivate":
		fs.StringVar(&slug, "slug", "", "tenant slug")
		synopsis = "tenant " + args[0] + " --slug S"
	case "list":
		synopsis = "tenant list"
	default:
		return c.usageError("tenant create|list|activate|deactivate|export|import|erase|receipts|top")
	}
	if err := parseArgs(fs, args[1:], synopsis); err != nil {
		return err
	}
	// Tenant administration runs with the login role: the serving role may only read tenants.
	db, err := postgres.Open(ctx, c.poolConfig(cfg, ""))
	if err != nil {
		return err
	}
	defer db.Close()
	admin := operator.NewAdmin(postgres.NewTenantStore(db))
	switch args[0] {
	case "create":
		t, err := admin.Create(ctx, operator.CreateTenantInput{Name: name, Slug: slug})
		if err != nil {
			return err
		}
		return c.printJSON(toTenantJSON(t))
	case "activate", "deactivate":
		t, err := admin.SetActive(ctx, slug, args[0] == "activate")
		if err != nil {
			return err
		}
		return c.printJSON(toTenantJSON(t))
	case "list":
		list, err := admin.List(ctx)
		if err != nil {
			return err
		}
		out := make([]tenantJSON, 0, len(list))
		for _, t := range list {
			out = append(out, toTenantJSON(t))
		}
		return c.printJSON(out)
	}
	return nil
}

func (c CLI) user(ctx context.Context, cfg Config, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return c.usageError("user create --tenant SLUG --email E --password-stdin")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	slug := fs.String("tenant", "", "tenant slug")
	email := fs.String("email", "", "email address")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := parseArgs(fs, args[1:], "user create --tenant SLUG --email E --password-stdin"); err != nil {
		return err
	}
	if !*fromStdin {
		// A password on the command line would end up in shell history and process listings.
		return c.usageError("user create --tenant SLUG --email E --password-stdin")
	}
	pw, err := io.ReadAll(io.LimitReader(c.Stdin, 4096))
	if err != nil {
		return fmt.Errorf("read password: %w", err)
	}
	// Users are tenant-scoped: written through the scoped repository, as the serving role, under
	// RLS. The welcome job is enqueued in the user's own transaction; serve's workers run it.
	cmd, closeCommand, err := c.openTenantCommand(ctx, cfg, *slug, "tenantcore user create", false)
	if err != nil {
		return err
	}
	defer closeCommand()
	create := identity.NewCreateUser(userdb.NewStore(cmd.db), password.New(password.DefaultParams), cmd.db, cmd.jobs)
	u, err := create.Handle(ctx, cmd.tc, identity.CreateUserInput{Email: *email, Password: strings.TrimRight(string(pw), "\r\n")})
	if err != nil {
		return err
	}
	return c.printJSON(userJSON(u))
}

func userJSON(u user.User) map[string]any {
	return map[string]any{
		"id": u.ID().String(), "tenant_id": u.TenantID().String(), "email": u.Email().String(),
		"is_active": u.IsActive(), "created_at": u.CreatedAt().UTC(),
	}
}

func (c CLI) jwt(args []string) error {
	if len(args) == 0 || args[0] != "keygen" {
		return c.usageError("jwt keygen --dir D --kid K")
	}
	fs := flag.NewFlagSet("jwt keygen", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory of the key set")
	kid := fs.String("kid", "", "key id, also the file name")
	if err := parseArgs(fs, args[1:], "jwt keygen --dir D --kid K"); err != nil {
		return err
	}
	if *dir == "" || *kid == "" {
		return c.usageError("jwt keygen --dir D --kid K")
	}
	if err := token.ValidateKID(*kid); err != nil {
		return err
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	path := filepath.Join(*dir, *kid+".pem")
	if err := token.WritePrivateKeyPEM(path, key); err != nil {
		return err
	}
	fmt.Fprintln(c.Stdout, path)
	return nil
}

// SeedPassword is the password of every user made by dev seed.
const SeedPassword = "seed-password-123"

func (c CLI) dev(ctx context.Context, cfg Config, args []string) error {
	if len(args) == 0 || args[0] != "seed" {
		return c.usageError("dev seed --tenants N --users-per-tenant M [--prefix P]")
	}
	fs := flag.NewFlagSet("dev seed", flag.ContinueOnError)
	tenants := fs.Int("tenants", 10, "number of tenants")
	perTenant := fs.Int("users-per-tenant", 10, "users in each tenant")
	prefix := fs.String("prefix", "seed", "slug prefix: <prefix>-00001, ...")
	if err := parseArgs(fs, args[1:], "dev seed --tenants N --users-per-tenant M [--prefix P]"); err != nil {
		return err
	}
	opts := devseed.Options{Tenants: *tenants, UsersPerTenant: *perTenant, Prefix: *prefix}
	// Checked before hashing or connecting: a refused seed writes nothing.
	if err := opts.Validate(); err != nil {
		return err
	}
	hash, err := password.New(password.DefaultParams).Hash(ctx, SeedPassword)
	if err != nil {
		return err
	}
	opts.PasswordHash = hash
	log, err := logging.New(logging.Config{Level: cfg.LogLevel, Format: cfg.LogFormat, Output: "stderr"})
	if err != nil {
		return err
	}
	pc := c.poolConfig(cfg, "")
	pc.StatementTimeout = 0 // one COPY of a million rows is a long statement, legitimately
	seeder, err := devseed.Open(ctx, pc, log)
	if err != nil {
		return err
	}
	defer seeder.Close()
	res, err := seeder.Seed(ctx, opts)
	if err != nil {
		return err
	}
	return c.printJSON(map[string]any{"tenants": res.Tenants, "users": res.Users, "seconds": res.Elapsed.Seconds()})
}

func (c CLI) poolConfig(cfg Config, role string) postgres.Config {
	return postgres.Config{URL: cfg.DatabaseAdminURL, MaxConns: 2, ConnectTimeout: cfg.DBConnectTimeout,
		StatementTimeout: cfg.DBStatementTimeout, Role: role}
}

func (c CLI) printJSON(v any) error {
	enc := json.NewEncoder(c.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (c CLI) usageError(synopsis string) error {
	fmt.Fprintf(c.Stderr, "usage: tenantcore %s\n", synopsis)
	return errUsage
}
