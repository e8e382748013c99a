// Command tenantcore serves the multi-tenant HTTP API and runs its operators' commands.
package main

import (
	"os"

	"github.com/tenantcore/tenantcore/bootstrap"
)

func main() {
	cli := bootstrap.CLI{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Lookup: os.LookupEnv}
	os.Exit(cli.Main(os.Args[1:]))
}
