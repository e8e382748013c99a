package bootstrap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// TestStartLogsTheEffectiveConfiguration: serve's logger records every variable once at start,
// with database passwords masked.
func TestStartLogsTheEffectiveConfiguration(t *testing.T) {
	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{
		"DATABASE_URL":       "postgres://app:s3cret@db:5432/tc",
		"DATABASE_ADMIN_URL": "postgres://owner:0wner-s3cret@db:5432/tc",
	}))
	require.NoError(t, err)
	core, logs := observer.New(zapcore.InfoLevel)
	app := fxtest.New(t, fx.Supply(cfg), bootstrap.LoggingModule, fx.NopLogger,
		fx.Decorate(func(*zap.Logger) *zap.Logger { return zap.New(core) }))
	app.RequireStart()
	defer app.RequireStop()

	entries := logs.FilterMessage("configuration").All()
	require.Len(t, entries, 1)
	fields := entries[0].ContextMap()
	assert.Len(t, fields, len(bootstrap.Variables))
	assert.Equal(t, "postgres://app:xxxxx@db:5432/tc", fields["DATABASE_URL"])
	assert.Equal(t, "postgres://owner:xxxxx@db:5432/tc", fields["DATABASE_LISTEN_URL"])
	for name, v := range fields {
		assert.NotContains(t, v, "s3cret", name)
	}
}
