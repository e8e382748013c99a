package bootstrap

import (
	"context"
	"flag"
	"strconv"

	"github.com/tenantcore/tenantcore/adapters/logging"
	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/application/operator"
)

// job lists and retries a tenant's failed jobs. It reads and writes through a tenant transaction of
// that tenant, so another tenant's job is out of reach (not found) as it would be for a request.
func (c CLI) job(ctx context.Context, cfg Config, args []string) error {
	const synopsis = "job list --tenant SLUG | job retry --tenant SLUG --id N"
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		return c.usageError(synopsis)
	}
	fs := flag.NewFlagSet("job "+args[0], flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	slug := fs.String("tenant", "", "tenant slug")
	id := fs.String("id", "", "job id (retry)")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	var jobID int64
	if args[0] == "retry" {
		n, err := strconv.ParseInt(*id, 10, 64)
		if err != nil || n <= 0 {
			return c.usageError(synopsis)
		}
		jobID = n
	}
	db, err := postgres.Open(ctx, c.poolConfig(cfg, postgres.AppRole))
	if err != nil {
		return err
	}
	defer db.Close()
	log, err := logging.New(logging.Config{Level: cfg.LogLevel, Format: cfg.LogFormat, Output: "stderr"})
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	system := operator.NewSystem(postgres.NewTenantStore(db), logging.NewSystemAccessLog(log))
	tc, err := system.ContextBySlug(ctx, *slug, "tenantcore job "+args[0])
	if err != nil {
		return err
	}
	runner, err := commandJobs(db, log, cfg)
	if err != nil {
		return err
	}
	if args[0] == "list" {
		failed, err := runner.Failed(ctx, tc)
		if err != nil {
			return err
		}
		return c.printJSON(map[string]any{"jobs": failed})
	}
	retried, err := runner.Retry(ctx, tc, jobID)
	if err != nil {
		return err
	}
	return c.printJSON(retried)
}
