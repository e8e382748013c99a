package bootstrap_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
)

// TestCreatingAUserWelcomesThemInTheBackground goes end to end: user create (a command, which only
// enqueues) stores the user and the welcome job in one transaction, and serve's workers store the
// welcome notification in the user's tenant.
func TestCreatingAUserWelcomesThemInTheBackground(t *testing.T) {
	s := startService(t, map[string]string{"JOB_POLL_INTERVAL": "50ms"})
	acme, globex := s.createTenant("acme"), s.createTenant("globex")
	ada := s.createUser("acme", "ada@example.com", "acme password 123")
	bob := s.createUser("globex", "ada@example.com", "globex password 456")

	owner := pgtest.PoolAt(t, s.env["DATABASE_ADMIN_URL"])
	welcomed := func(userID string) (tenantID, subject string) {
		_ = owner.QueryRow(context.Background(),
			`SELECT tenant_id::text, subject FROM notifications WHERE user_id = $1 AND kind = 'welcome'`, userID).Scan(&tenantID, &subject)
		return tenantID, subject
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if a, _ := welcomed(ada.ID); a != "" {
			if b, _ := welcomed(bob.ID); b != "" {
				break
			}
		}
		require.True(t, time.Now().Before(deadline), "no welcome notifications after 30s")
		time.Sleep(50 * time.Millisecond)
	}
	tenantID, subject := welcomed(ada.ID)
	assert.Equal(t, acme.ID, tenantID)
	assert.Equal(t, "Welcome to acme", subject)
	tenantID, subject = welcomed(bob.ID)
	assert.Equal(t, globex.ID, tenantID)
	assert.Equal(t, "Welcome to globex", subject)

	var listed struct {
		Jobs []json.RawMessage `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal([]byte(s.cli("", "job", "list", "--tenant", "acme")), &listed))
	assert.Empty(t, listed.Jobs, "nothing failed")
}
