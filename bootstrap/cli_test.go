package bootstrap_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// user create reaches its tenant through the system path (operator.System): the tenant is loaded
// from the directory, an unknown or inactive one is refused, and nothing is written.
func TestUserCreateTakesTheSystemPath(t *testing.T) {
	s := startService(t, nil)
	s.createTenant("acme")
	s.createTenant("gone")
	s.cli("", "tenant", "deactivate", "--slug", "gone")

	run := func(slug string) (int, string) {
		var out, errOut bytes.Buffer
		code := bootstrap.CLI{Stdin: strings.NewReader("a long password\n"), Stdout: &out, Stderr: &errOut, Lookup: lookup(s.env)}.
			Main([]string{"user", "create", "--tenant", slug, "--email", "ada@example.com", "--password-stdin"})
		return code, errOut.String()
	}

	code, stderr := run("gone")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "tenant.inactive")

	code, stderr = run("nobody")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "tenant.not_found")

	code, stderr = run("../acme")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "tenant.invalid")

	code, stderr = run("acme")
	assert.Equal(t, 0, code, stderr)
}
