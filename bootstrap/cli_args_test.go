package bootstrap_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// runCLI runs a command in-process and returns its exit code and output.
func runCLI(env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = bootstrap.CLI{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Lookup: lookup(env)}.Main(args)
	return code, out.String(), errOut.String()
}

// TestCommandLinesAreReadWhole: every command refuses an argument it would ignore and a flag given
// twice (the review's `--tenant acme --tenant globex` acted on globex), with exit code 2 and one
// line naming what is wrong and the command's usage, before it connects to anything: the
// database here does not exist, and reaching it would be exit code 1.
func TestCommandLinesAreReadWhole(t *testing.T) {
	env := map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable", "LOG_LEVEL": "error"}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"job", "list", "--tenant", "acme", "--tenant", "globex"}, `flag --tenant is given twice; usage: tenantcore job list --tenant SLUG`},
		{[]string{"job", "retry", "--tenant", "acme", "--id", "1", "--id", "2"}, `flag --id is given twice`},
		{[]string{"job", "list", "--tenant", "acme", "globex"}, `unexpected argument "globex"`},
		{[]string{"job", "list", "--tenant", "acme", "--id", "7"}, `flag provided but not defined: -id`},
		{[]string{"user", "create", "--tenant", "acme", "--tenant", "globex", "--email", "a@example.com", "--password-stdin"}, `flag --tenant is given twice`},
		{[]string{"user", "create", "--tenant", "acme", "--email", "a@example.com", "--password-stdin", "--password-stdin"}, `flag --password-stdin is given twice`},
		{[]string{"user", "create", "--tenant", "acme", "--email", "a@example.com", "--password-stdin", "secret"}, `unexpected argument "secret"`},
		{[]string{"tenant", "create", "--slug", "acme", "--slug", "globex", "--name", "Acme"}, `flag --slug is given twice`},
		{[]string{"tenant", "deactivate", "--slug", "acme", "globex"}, `unexpected argument "globex"`},
		{[]string{"tenant", "list", "--slug", "acme"}, `flag provided but not defined: -slug; usage: tenantcore tenant list`},
		{[]string{"tenant", "list", "all"}, `unexpected argument "all"`},
		{[]string{"tenant", "export", "--slug", "acme", "--slug", "globex", "--out", "-"}, `flag --slug is given twice; usage: tenantcore tenant export`},
		{[]string{"tenant", "import", "--in", "acme.tar", "globex.tar"}, `unexpected argument "globex.tar"`},
		{[]string{"tenant", "erase", "--slug", "acme", "--confirm", "acme", "--confirm", "globex", "--reason", "r"}, `flag --confirm is given twice`},
		{[]string{"tenant", "receipts", "all"}, `unexpected argument "all"; usage: tenantcore tenant receipts`},
		{[]string{"serve", "--now"}, `flag provided but not defined: -now; usage: tenantcore serve`},
		{[]string{"serve", "now"}, `unexpected argument "now"`},
		{[]string{"db", "create", "other"}, `unexpected argument "other"`},
		{[]string{"migrate", "up", "5"}, `unexpected argument "5"`},
		{[]string{"migrate", "status", "--force"}, `flag provided but not defined: -force`},
		{[]string{"migrate", "down", "--force", "--force"}, `flag --force is given twice`},
		{[]string{"jwt", "keygen", "--dir", "keys", "--kid", "a", "--kid", "b"}, `flag --kid is given twice`},
		{[]string{"dev", "seed", "--tenants", "1", "--prefix", "a", "--prefix", "b"}, `flag --prefix is given twice`},
		{[]string{"dev", "seed", "--tenants", "1", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(env, "password\n", tc.args...)
			assert.Equal(t, 2, code, "stderr: %s", stderr)
			assert.Empty(t, stdout)
			line, ok := strings.CutSuffix(stderr, "\n")
			assert.True(t, ok && !strings.Contains(line, "\n"), "one line: %q", stderr)
			assert.True(t, strings.HasPrefix(line, "tenantcore: "+tc.args[0]+": "), line)
			assert.Contains(t, line, tc.says)
		})
	}
}
