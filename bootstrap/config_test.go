package bootstrap_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/adapters/token"
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
		"1024": 1 << 10, "4096": 4096, "1K": 1 << 10, "2m": 2 << 20, "1G": 1 << 30, "1048576K": 1 << 30, "1073741824": 1 << 30,
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
	"DATABASE_URL":                {"nonsense", "postgres://host:99999/db", "mysql://u@h/db", "postgres://u@h"},
	"DATABASE_ADMIN_URL":          {"nonsense", "", "postgres://u@h:0/db"},
	"DATABASE_LISTEN_URL":         {"nonsense", "", "http://u@h/db"},
	"JOB_DATABASE_URL":            {"nonsense", "", "http://u@h/db"},
	"DB_MAX_CONNS":                {"x", "0", "1001", "+5", "99999999999999999999"},
	"DB_MIN_CONNS":                {"-1", "1.5"},
	"DB_CONNECT_TIMEOUT":          {"soon", "25h", "1ns"},
	"DB_STATEMENT_TIMEOUT":        {"0s", "500us", "1500us"},
	"HTTP_ADDR":                   {"8080", "127.0.0.1:99999", ":-1", ":http", "127.0.0.1:+80", "bad host:80", ":65536"},
	"HTTP_READ_HEADER_TIMEOUT":    {"5"},
	"HTTP_READ_TIMEOUT":           {"-1s"},
	"HTTP_WRITE_TIMEOUT":          {"9999999h"},
	"HTTP_IDLE_TIMEOUT":           {""},
	"HTTP_BODY_LIMIT":             {"1MB", "+5M", "99999999999G", "2G", "1073741825", "0", "1", "-1K", "1.5M", "M", "", "5 M", "99999999999999999999999"},
	"REQUEST_TIMEOUT":             {"-5s"},
	"SHUTDOWN_TIMEOUT":            {""},
	"LOG_LEVEL":                   {"loud"},
	"LOG_FORMAT":                  {"xml"},
	"DB_STATEMENT_MODE":           {"named", "simple"},
	"TENANT_STRATEGIES":           {"header,cookie", "header,header", " , "},
	"TENANT_HEADER":               {"X Tenant", ""},
	"TENANT_BASE_DOMAIN":          {"exa\u212Ample.com", "a..b", "ex ample.com"},
	"TRUSTED_PROXIES":             {"10.0.0.0/33", "proxy.local"},
	"TENANT_CACHE_SIZE":           {"0", "10000001"},
	"TENANT_CACHE_TTL":            {"forever", "99ns", "50ns"},
	"TENANT_NEGATIVE_TTL":         {"1", "99ns"},
	"JOB_WORKERS":                 {"-1", "1001", "many"},
	"JOB_TENANT_CONCURRENCY":      {"-2", "1.5"},
	"JOB_POLL_INTERVAL":           {"0s", "1", "500us"},
	"JWT_KEYS_DIR":                {"/nonexistent/keys"},
	"JWT_ACTIVE_KID":              {"../k1", "a/b", "..", strings.Repeat("k", 65)},
	"JWT_TTL":                     {"15"},
	"JWT_ISSUER":                  {"", "tenant\ncore", "ténantcore"},
	"JWT_AUDIENCE":                {"", "api\x00", "tenantcore api"},
	"OTEL_EXPORTER_OTLP_ENDPOINT": {"collector:4318", "grpc://collector:4317", "http://"},
	"OTEL_SERVICE_NAME":           {""},
	"OTEL_TRACES_SAMPLER":         {"sometimes", "jaeger_remote"},
	"OTEL_TRACES_SAMPLER_ARG":     {"2", "-0.5", "half"},
	"TENANT_TOP_K":                {"0", "1001", "ten"},
}

// TestConfigErrorsNameTheVariable: a bad value is one line that starts with the variable's name,
// for every variable.
func TestConfigErrorsNameTheVariable(t *testing.T) {
	for _, v := range bootstrap.Variables {
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
	_, err = bootstrap.LoadConfig(lookup(map[string]string{"JWT_KEYS_DIR": t.TempDir()}))
	require.ErrorContains(t, err, "JWT_ACTIVE_KID")
	_, err = bootstrap.LoadConfig(lookup(map[string]string{"JWT_ACTIVE_KID": "k1"}))
	require.ErrorContains(t, err, "JWT_ACTIVE_KID")

	// The exporter's own variables, read as the OpenTelemetry specification says.
	for name, value := range map[string]string{
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4318",
		"OTEL_EXPORTER_OTLP_HEADERS":         "api-key",
		"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT":  "10s",
		"OTEL_EXPORTER_OTLP_COMPRESSION":     "zstd",
		"OTEL_EXPORTER_OTLP_PROTOCOL":        "grpc",
		"OTEL_EXPORTER_OTLP_CERTIFICATE":     "/nonexistent/ca.pem",
		"OTEL_BSP_MAX_QUEUE_SIZE":            "-1",
		"OTEL_BSP_SCHEDULE_DELAY":            "5s",
	} {
		_, err := bootstrap.LoadConfig(lookup(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318", name: value}))
		require.Error(t, err, name)
		assert.True(t, strings.HasPrefix(err.Error(), name+": "), "error %q names %s", err, name)
		assert.NotContains(t, err.Error(), "\n")
	}
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

// ranges holds every variable with a range: the range as its meaning states it, the lowest and
// highest values accepted and the values one step outside them, and the range as a refusal
// states it.
var ranges = map[string]struct{ documented, lo, hi, below, above, refusal string }{
	"DB_MAX_CONNS":             {"1–1000", "1", "1000", "0", "1001", "between 1 and 1000"},
	"DB_MIN_CONNS":             {"0–DB_MAX_CONNS", "0", "16", "-1", "17", "between 0 and "},
	"DB_CONNECT_TIMEOUT":       {"100ms–10m", "100ms", "10m", "99999999ns", "600000000001ns", "from 100ms to 10m"},
	"DB_STATEMENT_TIMEOUT":     {"1ms–24h", "1ms", "24h", "999999ns", "24h0m0.001s", "from 1ms to 24h"},
	"HTTP_ADDR":                {"0–65535", ":0", ":65535", ":-1", ":65536", "between 0 and 65535"},
	"HTTP_READ_HEADER_TIMEOUT": {"100ms–24h", "100ms", "24h", "99999999ns", "86400000000001ns", "from 100ms to 24h"},
	"HTTP_READ_TIMEOUT":        {"100ms–24h", "100ms", "24h", "99999999ns", "86400000000001ns", "from 100ms to 24h"},
	"HTTP_WRITE_TIMEOUT":       {"100ms–24h", "100ms", "24h", "99999999ns", "86400000000001ns", "from 100ms to 24h"},
	"HTTP_IDLE_TIMEOUT":        {"100ms–24h", "100ms", "24h", "99999999ns", "86400000000001ns", "from 100ms to 24h"},
	"HTTP_BODY_LIMIT":          {"1K–1G", "1K", "1G", "1023", "1073741825", "from 1K to 1G"},
	"REQUEST_TIMEOUT":          {"100ms–24h", "100ms", "24h", "99999999ns", "86400000000001ns", "from 100ms to 24h"},
	"SHUTDOWN_TIMEOUT":         {"1s–24h", "1s", "24h", "999999999ns", "86400000000001ns", "from 1s to 24h"},
	"TENANT_CACHE_SIZE":        {"1–10000000", "1", "10000000", "0", "10000001", "between 1 and 10000000"},
	"TENANT_CACHE_TTL":         {"1ms–24h", "1ms", "24h", "999999ns", "86400000000001ns", "from 1ms to 24h"},
	"TENANT_NEGATIVE_TTL":      {"1ms–24h", "1ms", "24h", "999999ns", "86400000000001ns", "from 1ms to 24h"},
	"JOB_WORKERS":              {"0–1000", "0", "1000", "-1", "1001", "between 0 and 1000"},
	"JOB_TENANT_CONCURRENCY":   {"0–1000", "0", "1000", "-1", "1001", "between 0 and 1000"},
	"JOB_POLL_INTERVAL":        {"10ms–1h", "10ms", "1h", "9999999ns", "3600000000001ns", "from 10ms to 1h"},
	"JWT_TTL":                  {"1m–24h", "1m", "24h", "59999999999ns", "86400000000001ns", "from 1m to 24h"},
	"TENANT_HEADER":            {"1–64", "X", strings.Repeat("X", 64), "", strings.Repeat("X", 65), "1 to 64"},
	"JWT_ISSUER":               {"1–256", "i", strings.Repeat("i", 256), "", strings.Repeat("i", 257), "1 to 256"},
	"JWT_AUDIENCE":             {"1–256", "a", strings.Repeat("a", 256), "", strings.Repeat("a", 257), "1 to 256"},
	"OTEL_TRACES_SAMPLER_ARG":  {"0–1", "0", "1", "-0.001", "1.001", "between 0 and 1"},
	"TENANT_TOP_K":             {"1–1000", "1", "1000", "0", "1001", "between 1 and 1000"},
}

// documentedRange finds a range such as 1–1000 or 100ms–10m in a variable's meaning.
var documentedRange = regexp.MustCompile(`[0-9A-Za-z_]+–[0-9A-Za-z_]+`)

// TestConfigBounds: every variable with a range accepts both ends of it and refuses one step
// beyond each, with one line naming the variable and the range. Every range a variable's meaning
// states is in the table, and the table's ranges are the documented ones.
func TestConfigBounds(t *testing.T) {
	for _, v := range bootstrap.Variables {
		r, ok := ranges[v.Name]
		if !ok {
			assert.Empty(t, documentedRange.FindString(v.Help), "%s states a range that TestConfigBounds does not test", v.Name)
			continue
		}
		assert.Contains(t, v.Help, r.documented, "%s's meaning states its range", v.Name)
		t.Run(v.Name, func(t *testing.T) {
			for _, value := range []string{r.lo, r.hi} {
				_, err := bootstrap.LoadConfig(lookup(map[string]string{v.Name: value}))
				assert.NoError(t, err, "%s=%s is in range", v.Name, value)
			}
			for _, value := range []string{r.below, r.above} {
				_, err := bootstrap.LoadConfig(lookup(map[string]string{v.Name: value}))
				if assert.Error(t, err, "%s=%s is out of range", v.Name, value) {
					assert.True(t, strings.HasPrefix(err.Error(), v.Name+": "), "error %q names %s", err, v.Name)
					assert.Contains(t, err.Error(), r.refusal)
					assert.NotContains(t, err.Error(), "\n")
				}
			}
		})
	}
	for name := range ranges {
		assert.True(t, slices.ContainsFunc(bootstrap.Variables, func(v bootstrap.Variable) bool { return v.Name == name }),
			"%s is not a variable", name)
	}
}

// TestConfigDurationsAtTheirBounds: the values at the ends of a range are read exactly, neither
// rounded nor clamped.
func TestConfigDurationsAtTheirBounds(t *testing.T) {
	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{
		"TENANT_CACHE_TTL": "1ms", "TENANT_NEGATIVE_TTL": "24h", "DB_STATEMENT_TIMEOUT": "1ms",
		"JOB_POLL_INTERVAL": "10ms", "DB_CONNECT_TIMEOUT": "10m", "HTTP_BODY_LIMIT": "1K",
	}))
	require.NoError(t, err)
	assert.Equal(t, time.Millisecond, cfg.TenantCacheTTL)
	assert.Equal(t, 24*time.Hour, cfg.TenantNegativeTTL)
	assert.Equal(t, time.Millisecond, cfg.DBStatementTimeout)
	assert.Equal(t, 10*time.Millisecond, cfg.JobPollInterval)
	assert.Equal(t, 10*time.Minute, cfg.DBConnectTimeout)
	assert.Equal(t, int64(1024), cfg.HTTPBodyLimit)
}

// TestConfigLoadsTheSigningKeys: JWT_KEYS_DIR and JWT_ACTIVE_KID are checked by loading the keys,
// so that a missing directory, a kid without its file or a broken key file stops the binary with
// one line naming the variable instead of failing deep in serve's wiring.
func TestConfigLoadsTheSigningKeys(t *testing.T) {
	dir := t.TempDir()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	require.NoError(t, token.WritePrivateKeyPEM(filepath.Join(dir, "k1.pem"), key))
	notADir := filepath.Join(dir, "k1.pem")
	broken := t.TempDir()
	require.NoError(t, token.WritePrivateKeyPEM(filepath.Join(broken, "k1.pem"), key))
	require.NoError(t, os.WriteFile(filepath.Join(broken, "old.pem"), []byte("not a key"), 0o600))

	cfg, err := bootstrap.LoadConfig(lookup(map[string]string{"JWT_KEYS_DIR": dir, "JWT_ACTIVE_KID": "k1"}))
	require.NoError(t, err)
	assert.Equal(t, "k1", cfg.JWTActiveKID)

	for _, tc := range []struct{ dir, kid, variable, says string }{
		{"/nonexistent/keys", "k1", "JWT_KEYS_DIR", "not a readable directory"},
		{notADir, "k1", "JWT_KEYS_DIR", "not a directory"},
		{dir, "k2", "JWT_ACTIVE_KID", "no readable key file k2.pem"},
		{dir, "../k1", "JWT_ACTIVE_KID", "kid"},
		{broken, "k1", "JWT_KEYS_DIR", "old.pem"},
	} {
		t.Run(tc.dir+" "+tc.kid, func(t *testing.T) {
			_, err := bootstrap.LoadConfig(lookup(map[string]string{"JWT_KEYS_DIR": tc.dir, "JWT_ACTIVE_KID": tc.kid}))
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tc.variable+": "), "error %q names %s", err, tc.variable)
			assert.Contains(t, err.Error(), tc.says)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}
