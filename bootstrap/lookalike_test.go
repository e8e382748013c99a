package bootstrap_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// cliFails runs a command that must be refused and returns its one-line error.
func (s *service) cliFails(stdin string, args ...string) string {
	s.t.Helper()
	var out, errOut bytes.Buffer
	code := bootstrap.CLI{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Lookup: lookup(s.env)}.Main(args)
	assert.Equal(s.t, 1, code, "tenantcore %v: %s", args, out.String())
	assert.Empty(s.t, out.String())
	return errOut.String()
}

// TestLookAlikeEmailsAndNames feeds the review's inputs through creation and login on a real
// database: the Kelvin sign does not log in as kate, josé in NFC or NFD is refused alike, and a
// tenant name with a right-to-left override is refused.
func TestLookAlikeEmailsAndNames(t *testing.T) {
	s := startService(t, nil)
	s.createTenant("acme")
	const password = "kate password 123"
	s.createUser("acme", "Kate@Example.com", password)

	login := func(email string) response {
		return s.do(http.MethodPost, "/api/v1/auth/token", `{"email":"`+email+`","password":"`+password+`"}`, "X-Tenant-ID: acme")
	}
	assert.Equal(t, http.StatusOK, login("KATE@example.COM").status, "ASCII case folds")
	kelvin := login("\u212Aate@example.com")
	assert.Equal(t, http.StatusUnauthorized, kelvin.status)
	assert.Equal(t, "auth.invalid_credentials", kelvin.problemCode(t))

	for _, email := range []string{"jos\u00e9@example.com", "jose\u0301@example.com", "\u212Aate@example.com"} {
		msg := s.cliFails(password+"\n", "user", "create", "--tenant", "acme", "--email", email, "--password-stdin")
		assert.Contains(t, msg, "user.invalid_email", email)
	}

	for _, name := range []string{"Acme \u202eproC", "Ac\u200bme", "\u2067Acme\u2069"} {
		msg := s.cliFails("", "tenant", "create", "--slug", "spoof", "--name", name)
		assert.Contains(t, msg, "tenant.invalid_name", "%q", name)
	}
}
