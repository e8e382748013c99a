package bootstrap_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"

	"github.com/tenantcore/tenantcore/adapters/httpapi"
	"github.com/tenantcore/tenantcore/bootstrap"
)

// startSecondInstance runs another server process-equivalent (its own fx graph, pool and cache)
// on the same database, and returns its base URL.
func startSecondInstance(t *testing.T, env map[string]string) string {
	t.Helper()
	cfg, err := bootstrap.LoadConfig(lookup(env))
	require.NoError(t, err)
	var srv *httpapi.Server
	app := fxtest.New(t, bootstrap.Server(cfg), fx.Populate(&srv), fx.NopLogger)
	app.RequireStart()
	t.Cleanup(app.RequireStop)
	return "http://" + srv.Addr()
}
