package bootstrap

import (
	"context"
	"flag"
	"strconv"
)

// job lists and retries a tenant's failed jobs. It reads and writes through a tenant transaction of
// that tenant, so another tenant's job is out of reach (not found) as it would be for a request.
func (c CLI) job(ctx context.Context, cfg Config, args []string) error {
	const synopsis = "job list --tenant SLUG | job retry --tenant SLUG --id N"
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		return c.usageError(synopsis)
	}
	fs := flag.NewFlagSet("job "+args[0], flag.ContinueOnError)
	var slug, id string
	fs.StringVar(&slug, "tenant", "", "tenant slug")
	usage := "job list --tenant SLUG"
	if args[0] == "retry" {
		fs.StringVar(&id, "id", "", "job id")
		usage = "job retry --tenant SLUG --id N"
	}
	if err := parseArgs(fs, args[1:], usage); err != nil {
		return err
	}
	var jobID int64
	if args[0] == "retry" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return c.usageError(synopsis)
		}
		jobID = n
	}
	// Inspection works for a deactivated tenant too: its failed jobs are what an operator looks at
	// to see what went wrong. An unknown tenant is still refused.
	cmd, closeCommand, err := c.openTenantCommand(ctx, cfg, slug, "tenantcore job "+args[0], true)
	if err != nil {
		return err
	}
	defer closeCommand()
	if args[0] == "list" {
		failed, err := cmd.jobs.Failed(ctx, cmd.tc)
		if err != nil {
			return err
		}
		return c.printJSON(map[string]any{"jobs": failed})
	}
	retried, err := cmd.jobs.Retry(ctx, cmd.tc, jobID)
	if err != nil {
		return err
	}
	return c.printJSON(retried)
}
