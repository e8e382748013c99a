package bootstrap_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/bootstrap"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{}))
	require.NoError(t, err)
	assert.Equal(t, "postgres://postgres@127.0.0.1:5432/tenantcore?sslmode=disable", cfg.DatabaseURL)
	assert.Equal(t, ":8080", cfg.HTTPAddr)
	assert.Equal(t, []string{"header", "subdomain", "path", "token"}, cfg.TenantStrategies)
	assert.Equal(t, "X-Tenant-ID", cfg.TenantHeader)
	assert.Equal(t, 15*time.Minute, cfg.JWTTTL)
	assert.Empty(t, cfg.TenantBaseDomain)
}

func TestConfigParsesValues(t *testing.T) {
	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{
		"TENANT_STRATEGIES":  " Path , header ",
		"TENANT_BASE_DOMAIN": "Example.COM.",
		"TRUSTED_PROXIES":    "10.0.0.0/8, 192.168.1.7",
		"LOG_LEVEL":          "DEBUG",
		"HTTP_BODY_LIMIT":    "512k",
	}))
	require.NoError(t, err)
	assert.Equal(t, []string{"path", "header"}, cfg.TenantStrategies)
	assert.Equal(t, "example.com", cfg.TenantBaseDomain)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}, cfg.TrustedProxies)
	assert.Equal(t, "debug", cfg.LogLevel)
	assert.Equal(t, "512K", cfg.HTTPBodyLimit)
}

// TestConfigErrorsNameTheVariable: a bad value is one line that starts with the variable's name.
func TestConfigErrorsNameTheVariable(t *testing.T) {
	tests := map[string]string{
		"DATABASE_URL":         "nonsense",
		"DB_MAX_CONNS":         "x",
		"DB_MIN_CONNS":         "-1",
		"DB_CONNECT_TIMEOUT":   "soon",
		"DB_STATEMENT_TIMEOUT": "0s",
		"HTTP_ADDR":            "8080",
		"HTTP_BODY_LIMIT":      "1MB",
		"REQUEST_TIMEOUT":      "-5s",
		"SHUTDOWN_TIMEOUT":     "",
		"LOG_LEVEL":            "loud",
		"LOG_FORMAT":           "xml",
		"TENANT_STRATEGIES":    "header,cookie",
		"TENANT_HEADER":        "X Tenant",
		"TENANT_BASE_DOMAIN":   "exa\u212Ample.com",
		"TRUSTED_PROXIES":      "10.0.0.0/33",
		"TENANT_CACHE_SIZE":    "0",
		"TENANT_CACHE_TTL":     "forever",
		"TENANT_NEGATIVE_TTL":  "1",
		"JWT_TTL":              "15",
		"JWT_ISSUER":           "",
	}
	for name, value := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := bootstrap.LoadConfig(lookup(map[string]string{name: value}))
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), name+": "), "error %q names %s", err, name)
			assert.NotContains(t, err.Error(), "\n")
		})
	}

	_, err := bootstrap.LoadConfig(lookup(map[string]string{"TENANT_STRATEGIES": "header,header"}))
	require.ErrorContains(t, err, "listed twice")
	_, err = bootstrap.LoadConfig(lookup(map[string]string{"DB_MIN_CONNS": "20", "DB_MAX_CONNS": "10"}))
	require.ErrorContains(t, err, "DB_MIN_CONNS")
	_, err = bootstrap.LoadConfig(lookup(map[string]string{"JWT_KEYS_DIR": "/keys"}))
	require.ErrorContains(t, err, "JWT_ACTIVE_KID")
}
