package bootstrap

import (
	"flag"
	"fmt"
	"time"

	"github.com/tenantcore/tenantcore/bootstrap/scaffold"
)

// newFeature writes the files of a new tenant-scoped feature and lists its module.
func (c CLI) newFeature(args []string) error {
	const synopsis = "new feature NAME [--singular S] [--dir MODULE_ROOT]"
	if len(args) < 2 || args[0] != "feature" {
		return c.usageError(synopsis)
	}
	plural := args[1]
	fs := flag.NewFlagSet("new feature", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	singular := fs.String("singular", "", "the entity's name (default: NAME without its final s)")
	dir := fs.String("dir", ".", "root of the module to add the feature to")
	if err := fs.Parse(args[2:]); err != nil || fs.NArg() != 0 {
		return c.usageError(synopsis)
	}
	f, err := scaffold.NewFeature(plural, *singular)
	if err != nil {
		return err
	}
	written, err := scaffold.Generate(*dir, f, time.Now())
	if err != nil {
		return err
	}
	for _, p := range written {
		fmt.Fprintln(c.Stdout, p)
	}
	return nil
}
