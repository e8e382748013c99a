package bootstrap_test

import (
	"bytes"
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
	assert.Equal(t, cfg.DatabaseURL, cfg.DatabaseAdminURL)
	assert.Equal(t, cfg.DatabaseURL, cfg.DatabaseListenURL)
	assert.Equal(t, ":8080", cfg.HTTPAddr)
	assert.Equal(t, int64(1<<20), cfg.HTTPBodyLimit)
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
		"HTTP_ADDR":          "127.0.0.1:0",
	}))
	require.NoError(t, err)
	assert.Equal(t, []string{"path", "header"}, cfg.TenantStrategies)
	assert.Equal(t, "example.com", cfg.TenantBaseDomain)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}, cfg.TrustedProxies)
	assert.Equal(t, "debug", cfg.LogLevel)
	assert.Equal(t, int64(512<<10), cfg.HTTPBodyLimit)
	assert.Equal(t, "127.0.0.1:0", cfg.HTTPAddr)
}

func TestConfigBodyLimitSizes(t *testing.T) {
	for raw, want := range map[string]int64{
		"1": 1, "4096": 4096, "1K": 1 << 10, "2m": 2 << 20, "1G": 1 << 30, "1048576K": 1 << 30, "1073741824": 1 << 30,
	} {
		cfg, err := bootstrap.LoadConfig(lookup(map[string]string{"HTTP_BODY_LIMIT": raw}))
		require.NoError(t, err, raw)
		assert.Equal(t, want, cfg.HTTPBodyLimit, raw)
	}
}

// TestDatabaseURLDefaultsChain: the admin URL defaults to DATABASE_URL and the LISTEN URL to the
// admin URL, each replaceable on its own.
func TestDatabaseURLDefaultsChain(t *testing.T) {
	const app, admin, listen = "postgres://app@pooler:6432/tc", "postgres://owner@db:5432/tc", "postgres://owner@db:5432/tc?application_name=feed"
	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{"DATABASE_URL": app}))
	require.NoError(t, err)
	assert.Equal(t, []string{app, app, app}, []string{cfg.DatabaseURL, cfg.DatabaseAdminURL, cfg.DatabaseListenURL})

	cfg, err = bootstrap.LoadConfig(lookup(map[string]string{"DATABASE_URL": app, "DATABASE_ADMIN_URL": admin}))
	require.NoError(t, err)
	assert.Equal(t, []string{app, admin, admin}, []string{cfg.DatabaseURL, cfg.DatabaseAdminURL, cfg.DatabaseListenURL})

	cfg, err = bootstrap.LoadConfig(lookup(map[string]string{"DATABASE_URL": app, "DATABASE_LISTEN_URL": listen}))
	require.NoError(t, err)
	assert.Equal(t, []string{app, app, listen}, []string{cfg.DatabaseURL, cfg.DatabaseAdminURL, cfg.DatabaseListenURL})
}

// badValues holds, for every variable that can be wrong, values that must be refused. The
// values the hardening review fed the binary are among them.
var badValues = map[string][]string{
	"DATABASE_URL":             {"nonsense", "postgres://host:99999/db", "mysql://u@h/db", "postgres://u@h"},
	"DATABASE_ADMIN_URL":       {"nonsense", "", "postgres://u@h:0/db"},
	"DATABASE_LISTEN_URL":      {"nonsense", "", "http://u@h/db"},
	"DB_MAX_CONNS":             {"x", "0", "1001", "+5", "99999999999999999999"},
	"DB_MIN_CONNS":             {"-1", "1.5"},
	"DB_CONNECT_TIMEOUT":       {"soon", "25h"},
	"DB_STATEMENT_TIMEOUT":     {"0s"},
	"HTTP_ADDR":                {"8080", "127.0.0.1:99999", ":-1", ":http", "127.0.0.1:+80", "bad host:80", ":65536"},
	"HTTP_READ_HEADER_TIMEOUT": {"5"},
	"HTTP_READ_TIMEOUT":        {"-1s"},
	"HTTP_WRITE_TIMEOUT":       {"9999999h"},
	"HTTP_IDLE_TIMEOUT":        {""},
	"HTTP_BODY_LIMIT":          {"1MB", "+5M", "99999999999G", "2G", "1073741825", "0", "-1K", "1.5M", "M", "", "5 M", "99999999999999999999999"},
	"REQUEST_TIMEOUT":          {"-5s"},
	"SHUTDOWN_TIMEOUT":         {""},
	"LOG_LEVEL":                {"loud"},
	"LOG_FORMAT":               {"xml"},
	"DB_STATEMENT_MODE":        {"named", "simple"},
	"TENANT_STRATEGIES":        {"header,cookie", "header,header", " , "},
	"TENANT_HEADER":            {"X Tenant", ""},
	"TENANT_BASE_DOMAIN":       {"exa\u212Ample.com", "a..b", "ex ample.com"},
	"TRUSTED_PROXIES":          {"10.0.0.0/33", "proxy.local"},
	"TENANT_CACHE_SIZE":        {"0", "10000001"},
	"TENANT_CACHE_TTL":         {"forever"},
	"TENANT_NEGATIVE_TTL":      {"1"},
	"JOB_WORKERS":              {"-1", "1001", "many"},
	"JOB_TENANT_CONCURRENCY":   {"-2", "1.5"},
	"JOB_POLL_INTERVAL":        {"0s", "1"},
	"JWT_TTL":                  {"15"},
	"JWT_ISSUER":               {""},
	"JWT_AUDIENCE":             {""},
}

// freeForm are the variables any string is a valid value of; their pairing rule is tested below.
var freeForm = map[string]bool{"JWT_KEYS_DIR": true, "JWT_ACTIVE_KID": true}

// TestConfigErrorsNameTheVariable: a bad value is one line that starts with the variable's name,
// for every variable.
func TestConfigErrorsNameTheVariable(t *testing.T) {
	for _, v := range bootstrap.Variables {
		if freeForm[v.Name] {
			continue
		}
		values, ok := badValues[v.Name]
		require.True(t, ok, "%s has refused values in this table", v.Name)
		for _, value := range values {
			t.Run(v.Name+"="+value, func(t *testing.T) {
				_, err := bootstrap.LoadConfig(lookup(map[string]string{v.Name: value}))
				require.Error(t, err)
				assert.True(t, strings.HasPrefix(err.Error(), v.Name+": "), "error %q names %s", err, v.Name)
				assert.NotContains(t, err.Error(), "\n")
			})
		}
	}

	_, err := bootstrap.LoadConfig(lookup(map[string]string{"TENANT_STRATEGIES": "header,header"}))
	require.ErrorContains(t, err, "listed twice")
	_, err = bootstrap.LoadConfig(lookup(map[string]string{"DB_MIN_CONNS": "20", "DB_MAX_CONNS": "10"}))
	require.ErrorContains(t, err, "DB_MIN_CONNS")
	_, err = bootstrap.LoadConfig(lookup(map[string]string{"JWT_KEYS_DIR": "/keys"}))
	require.ErrorContains(t, err, "JWT_ACTIVE_KID")
	_, err = bootstrap.LoadConfig(lookup(map[string]string{"JWT_ACTIVE_KID": "k1"}))
	require.ErrorContains(t, err, "JWT_ACTIVE_KID")
}

// TestBadConfigurationStopsEveryCommand: the binary's answer to the review's inputs is exit code 2
// and one line naming the variable, before any command runs (no panic, no listener).
func TestBadConfigurationStopsEveryCommand(t *testing.T) {
	for _, tc := range []struct{ name, value, command string }{
		{"HTTP_BODY_LIMIT", "+5M", "serve"},
		{"HTTP_BODY_LIMIT", "99999999999G", "serve"},
		{"HTTP_ADDR", "127.0.0.1:99999", "tenant"},
		{"DATABASE_LISTEN_URL", "nonsense", "serve"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cli := bootstrap.CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
				Lookup: lookup(map[string]string{tc.name: tc.value})}
			code := cli.Main([]string{tc.command, "list"})
			assert.Equal(t, 2, code)
			assert.Empty(t, out.String())
			line := strings.TrimSuffix(errOut.String(), "\n")
			assert.True(t, strings.HasPrefix(line, "tenantcore: configuration: "+tc.name+": "), line)
			assert.NotContains(t, line, "\n")
		})
	}
}

// TestEffectiveConfigurationMasksPasswords: the start-up log lists every variable, in order, and
// never a database password.
func TestEffectiveConfigurationMasksPasswords(t *testing.T) {
	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{
		"DATABASE_URL":        "postgres://app:s3cret-app@db:5432/tc?sslmode=disable",
		"DATABASE_ADMIN_URL":  "postgres://owner@db:5432/tc?password=s3cret-admin",
		"DATABASE_LISTEN_URL": "postgres://listener:s3cret%40listen@db:5432/tc",
		"HTTP_BODY_LIMIT":     "2M",
	}))
	require.NoError(t, err)
	settings := cfg.Effective()
	require.Len(t, settings, len(bootstrap.Variables))
	values := map[string]string{}
	for i, s := range settings {
		assert.Equal(t, bootstrap.Variables[i].Name, s.Name)
		values[s.Name] = s.Value
		assert.NotContains(t, s.Value, "s3cret", s.Name)
	}
	assert.Equal(t, "postgres://app:xxxxx@db:5432/tc?sslmode=disable", values["DATABASE_URL"])
	assert.Equal(t, "postgres://owner@db:5432/tc?password=xxxxx", values["DATABASE_ADMIN_URL"])
	assert.Equal(t, "postgres://listener:xxxxx@db:5432/tc", values["DATABASE_LISTEN_URL"])
	assert.Equal(t, "2097152", values["HTTP_BODY_LIMIT"])
	assert.Equal(t, "15m0s", values["JWT_TTL"])
}
