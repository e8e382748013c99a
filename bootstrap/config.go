package bootstrap

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tenantcore/tenantcore/adapters/token"
	"github.com/tenantcore/tenantcore/adapters/tracing"
)

// Config is the whole configuration, read once from the environment at start. Each field is
// filled by exactly one entry of Variables.
type Config struct {
	DatabaseURL        string
	DatabaseAdminURL   string
	DatabaseListenURL  string
	JobDatabaseURL     string
	DBStatementMode    string
	DBMaxConns         int32
	DBMinConns         int32
	DBConnectTimeout   time.Duration
	DBStatementTimeout time.Duration

	HTTPAddr              string
	HTTPReadHeaderTimeout time.Duration
	HTTPReadTimeout       time.Duration
	HTTPWriteTimeout      time.Duration
	HTTPIdleTimeout       time.Duration
	HTTPBodyLimit         int64
	RequestTimeout        time.Duration
	ShutdownTimeout       time.Duration

	LogLevel  string
	LogFormat string

	TenantStrategies  []string
	TenantHeader      string
	TenantBaseDomain  string
	TrustedProxies    []netip.Prefix
	TenantCacheSize   int
	TenantCacheTTL    time.Duration
	TenantNegativeTTL time.Duration

	JobWorkers           int
	JobTenantConcurrency int
	JobPollInterval      time.Duration

	JWTKeysDir   string
	JWTActiveKID string
	JWTTTL       time.Duration
	JWTIssuer    string
	JWTAudience  string

	OTelEndpoint, OTelServiceName, OTelSampler, OTelSamplerArg string
	// OTelExport is the rest of the standard exporter configuration (the traces endpoint,
	// headers, timeout, compression, certificates), read as the OpenTelemetry specification says.
	OTelExport tracing.Export
	// OTelBatch is how ended spans wait for their export (OTEL_BSP_*).
	OTelBatch  tracing.Batch
	TenantTopK int
}

// Bounds that no sane deployment exceeds; past them a value is a typo, not a choice.
const (
	// MaxBodyLimit is the largest HTTP_BODY_LIMIT: 1 GiB.
	MaxBodyLimit int64 = 1 << 30
	// MinBodyLimit is the smallest HTTP_BODY_LIMIT: 1 KiB, room for a login request.
	MinBodyLimit int64 = 1 << 10
	// MaxDuration is the longest duration any variable accepts.
	MaxDuration = 24 * time.Hour
)

// Variable is one configuration variable, declared once: its name, its default, what it means
// and how its value is read into Config. Loading, the README's table and the start-up log all
// derive from this one declaration.
type Variable struct {
	Name string
	// Default is the value used when the variable is unset, unless DefaultFrom names another
	// variable whose effective value is the default instead.
	Default     string
	DefaultFrom string
	Help        string
	// set parses raw, validates it and stores it in c; its error does not repeat the name.
	set func(c *Config, raw string) error
	// show renders the stored value for the start-up log, secrets masked.
	show func(c *Config) string
}

// declare binds a variable to the Config field that field points to, through parse.
func declare[T any](name, def, help string, field func(*Config) *T, parse func(string) (T, error)) Variable {
	return Variable{
		Name: name, Default: def, Help: help,
		set: func(c *Config, raw string) error {
			v, err := parse(raw)
			if err != nil {
				return err
			}
			*field(c) = v
			return nil
		},
		show: func(c *Config) string { return fmt.Sprint(*field(c)) },
	}
}

// declareDuration binds a duration variable accepting lo to hi; the range is part of its meaning.
func declareDuration(name, def, help string, field func(*Config) *time.Duration, lo, hi time.Duration) Variable {
	help += " (" + shortDuration(lo) + "–" + shortDuration(hi) + ")"
	return declare(name, def, help, field, parseDurationIn(lo, hi))
}

// derivedFrom makes v default to the effective value of another variable.
func derivedFrom(other string, v Variable) Variable {
	v.DefaultFrom = other
	return v
}

// masked makes v, a database URL, appear with its password hidden in the start-up log.
func masked(v Variable) Variable {
	show := v.show
	v.show = func(c *Config) string { return maskURL(show(c)) }
	return v
}

// Variables lists every variable Config reads, in README order.
var Variables = []Variable{
	masked(declare("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tenantcore?sslmode=disable",
		"serving connections: PostgreSQL, a PgBouncer in transaction mode or a Citus coordinator; a login that could bypass row-level security switches to tenantcore_app in each transaction",
		func(c *Config) *string { return &c.DatabaseURL }, parseDatabaseURL)),
	masked(derivedFrom("DATABASE_URL", declare("DATABASE_ADMIN_URL", "",
		"URL for migrations and the administrative CLI (db, migrate, tenant, user, dev seed)",
		func(c *Config) *string { return &c.DatabaseAdminURL }, parseDatabaseURL))),
	masked(derivedFrom("DATABASE_ADMIN_URL", declare("DATABASE_LISTEN_URL", "",
		"session connection used for LISTEN (tenant change feed); must not go through a transaction pooler",
		func(c *Config) *string { return &c.DatabaseListenURL }, parseDatabaseURL))),
	masked(derivedFrom("DATABASE_URL", declare("JOB_DATABASE_URL", "",
		"the job workers' connections (fetching and completing jobs, outside any tenant): a login that is a member of tenantcore_queue (or a superuser in development); serve refuses one that cannot see the queue",
		func(c *Config) *string { return &c.JobDatabaseURL }, parseDatabaseURL))),
	declare("DB_STATEMENT_MODE", "auto", "auto (prepared statements, switching to unnamed at the first sign of a transaction pooler), prepared (per-connection prepared statements: PostgreSQL directly, or PgBouncer 1.21+ with max_prepared_statements) or unnamed (works through any pooler)",
		func(c *Config) *string { return &c.DBStatementMode }, parseOneOf("auto", "prepared", "unnamed")),
	declare("DB_MAX_CONNS", "16", "maximum connections of the serving pool (1–1000)",
		func(c *Config) *int32 { return &c.DBMaxConns }, parseInt[int32](1, 1000)),
	declare("DB_MIN_CONNS", "2", "connections kept open when idle (0–DB_MAX_CONNS; unset: 2 or DB_MAX_CONNS if lower)",
		func(c *Config) *int32 { return &c.DBMinConns }, parseInt[int32](0, 1000)),
	declareDuration("DB_CONNECT_TIMEOUT", "3s", "timeout to establish one database connection",
		func(c *Config) *time.Duration { return &c.DBConnectTimeout }, 100*time.Millisecond, 10*time.Minute),
	declare("DB_STATEMENT_TIMEOUT", "5s", "statement_timeout set in every serving transaction (SET LOCAL), whole milliseconds (1ms–24h)",
		func(c *Config) *time.Duration { return &c.DBStatementTimeout }, parseStatementTimeout),
	declare("HTTP_ADDR", ":8080", "listen address host:port, port 0–65535 (0: any free port, logged at start)",
		func(c *Config) *string { return &c.HTTPAddr }, parseListenAddr),
	declareDuration("HTTP_READ_HEADER_TIMEOUT", "5s", "time allowed to read request headers",
		func(c *Config) *time.Duration { return &c.HTTPReadHeaderTimeout }, 100*time.Millisecond, MaxDuration),
	declareDuration("HTTP_READ_TIMEOUT", "15s", "time allowed to read a whole request",
		func(c *Config) *time.Duration { return &c.HTTPReadTimeout }, 100*time.Millisecond, MaxDuration),
	declareDuration("HTTP_WRITE_TIMEOUT", "30s", "time allowed to write a response",
		func(c *Config) *time.Duration { return &c.HTTPWriteTimeout }, 100*time.Millisecond, MaxDuration),
	declareDuration("HTTP_IDLE_TIMEOUT", "60s", "keep-alive idle timeout",
		func(c *Config) *time.Duration { return &c.HTTPIdleTimeout }, 100*time.Millisecond, MaxDuration),
	declare("HTTP_BODY_LIMIT", "1M", "largest request body in bytes, with an optional K, M or G suffix (powers of 1024); 1K–1G",
		func(c *Config) *int64 { return &c.HTTPBodyLimit }, parseSize),
	declareDuration("REQUEST_TIMEOUT", "10s", "deadline of each request's work; past it the answer is 503",
		func(c *Config) *time.Duration { return &c.RequestTimeout }, 100*time.Millisecond, MaxDuration),
	declareDuration("SHUTDOWN_TIMEOUT", "15s", "how long SIGTERM waits for running jobs, then for in-flight requests",
		func(c *Config) *time.Duration { return &c.ShutdownTimeout }, time.Second, MaxDuration),
	declare("LOG_LEVEL", "info", "debug, info, warn or error",
		func(c *Config) *string { return &c.LogLevel }, parseOneOf("debug", "info", "warn", "error")),
	declare("LOG_FORMAT", "json", "json or console",
		func(c *Config) *string { return &c.LogFormat }, parseOneOf("json", "console")),
	declare("TENANT_STRATEGIES", "header,subdomain,path,token", "ordered tenant resolution strategies (header, subdomain, path, token)",
		func(c *Config) *[]string { return &c.TenantStrategies }, parseStrategies),
	declare("TENANT_HEADER", "X-Tenant-ID", "header carrying a tenant slug or UUID (1–64 letters, digits and hyphens)",
		func(c *Config) *string { return &c.TenantHeader }, parseHeaderName),
	declare("TENANT_BASE_DOMAIN", "", "base domain of the subdomain strategy (acme.<domain>); empty disables it",
		func(c *Config) *string { return &c.TenantBaseDomain }, parseDomain),
	declare("TRUSTED_PROXIES", "", "comma-separated CIDRs or IPs whose X-Forwarded-Host is believed",
		func(c *Config) *[]netip.Prefix { return &c.TrustedProxies }, parsePrefixes),
	declare("TENANT_CACHE_SIZE", "10000", "tenants kept in the in-process cache (1–10000000)",
		func(c *Config) *int { return &c.TenantCacheSize }, parseInt[int](1, 10_000_000)),
	declareDuration("TENANT_CACHE_TTL", "30s", "how long a cached tenant is served without a database read",
		func(c *Config) *time.Duration { return &c.TenantCacheTTL }, time.Millisecond, MaxDuration),
	declareDuration("TENANT_NEGATIVE_TTL", "5s", "how long an unknown tenant identifier is remembered as unknown",
		func(c *Config) *time.Duration { return &c.TenantNegativeTTL }, time.Millisecond, MaxDuration),
	declare("JOB_WORKERS", "4", "background jobs serve runs at once (0–1000); 0: this instance runs none, it only enqueues",
		func(c *Config) *int { return &c.JobWorkers }, parseInt[int](0, 1000)),
	declare("JOB_TENANT_CONCURRENCY", "0", "most jobs of one tenant running at once on an instance (0–1000); 0: half of JOB_WORKERS, at least 1",
		func(c *Config) *int { return &c.JobTenantConcurrency }, parseInt[int](0, 1000)),
	declareDuration("JOB_POLL_INTERVAL", "1s", "how often idle job workers look for new jobs; they poll, with no LISTEN session, so any pooler works",
		func(c *Config) *time.Duration { return &c.JobPollInterval }, 10*time.Millisecond, time.Hour),
	declare("JWT_KEYS_DIR", "", "directory of Ed25519 PEM keys, file name = kid; empty: an ephemeral key",
		func(c *Config) *string { return &c.JWTKeysDir }, parseKeysDir),
	declare("JWT_ACTIVE_KID", "", "kid of the signing key in JWT_KEYS_DIR: its file name without .pem",
		func(c *Config) *string { return &c.JWTActiveKID }, parseKID),
	declareDuration("JWT_TTL", "15m", "lifetime of access tokens",
		func(c *Config) *time.Duration { return &c.JWTTTL }, time.Minute, MaxDuration),
	declare("JWT_ISSUER", "tenantcore", "iss claim issued and required (1–256 visible ASCII characters)",
		func(c *Config) *string { return &c.JWTIssuer }, parseClaimValue),
	declare("JWT_AUDIENCE", "tenantcore-api", "aud claim issued and required (1–256 visible ASCII characters)",
		func(c *Config) *string { return &c.JWTAudience }, parseClaimValue),
	declare("OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTLP/HTTP collector base URL (spans go to <url>/v1/traces); empty: no tracing, nothing exported",
		func(c *Config) *string { return &c.OTelEndpoint }, parseOTLPEndpoint),
	declare("OTEL_SERVICE_NAME", "tenantcore", "service.name of every span",
		func(c *Config) *string { return &c.OTelServiceName }, parseOTelServiceName),
	declare("OTEL_TRACES_SAMPLER", "parentbased_always_on", "which traces are recorded: "+strings.Join(tracing.Samplers, ", "),
		func(c *Config) *string { return &c.OTelSampler }, parseOneOf(tracing.Samplers...)),
	declare("OTEL_TRACES_SAMPLER_ARG", "", "ratio (0–1) of the traceidratio samplers; empty: 1",
		func(c *Config) *string { return &c.OTelSamplerArg }, parseSamplerArg),
	declare("TENANT_TOP_K", "10", "tenants named by the per-tenant usage metrics (1–1000); the rest are summed as other",
		func(c *Config) *int { return &c.TenantTopK }, parseInt[int](1, 1000)),
}

var knownStrategies = []string{"header", "subdomain", "path", "token"}

// LoadConfig reads the environment. The error names the first bad variable and what is wrong, on
// one line.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	var c Config
	effective := make(map[string]string, len(Variables))
	for _, v := range Variables {
		raw, ok := lookup(v.Name)
		switch {
		case ok:
			raw = strings.TrimSpace(raw)
		case v.DefaultFrom != "":
			raw = effective[v.DefaultFrom]
		default:
			raw = v.Default
		}
		effective[v.Name] = raw
		if err := v.set(&c, raw); err != nil {
			return Config{}, fmt.Errorf("%s: %s", v.Name, oneLine(err))
		}
	}
	if _, set := lookup("DB_MIN_CONNS"); !set {
		c.DBMinConns = min(c.DBMinConns, c.DBMaxConns) // the default must not refuse DB_MAX_CONNS=1
	}
	if c.DBMinConns > c.DBMaxConns {
		return Config{}, fmt.Errorf("DB_MIN_CONNS: %d is not between 0 and DB_MAX_CONNS (%d)", c.DBMinConns, c.DBMaxConns)
	}
	if (c.JWTKeysDir == "") != (c.JWTActiveKID == "") {
		return Config{}, errors.New("JWT_ACTIVE_KID: JWT_KEYS_DIR and JWT_ACTIVE_KID are set together or not at all")
	}
	if err := checkKeySet(c.JWTKeysDir, c.JWTActiveKID); err != nil {
		return Config{}, err
	}
	export, err := tracing.ExportFromEnv(lookup)
	if err != nil {
		return Config{}, err
	}
	c.OTelExport = export
	if c.OTelBatch, err = tracing.BatchFromEnv(lookup); err != nil {
		return Config{}, err
	}
	return c, nil
}

// checkKeySet loads the key set that serve will sign with, so that a missing or unreadable key
// stops every command with one line naming the variable rather than deep in serve's wiring.
func checkKeySet(dir, kid string) error {
	if dir == "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, kid+".pem")); err != nil {
		return fmt.Errorf("JWT_ACTIVE_KID: no readable key file %s.pem in %s", kid, dir)
	}
	if _, err := token.LoadKeySet(dir, kid); err != nil {
		return fmt.Errorf("JWT_KEYS_DIR: %s", oneLine(err))
	}
	return nil
}

// LoadConfigFromEnv reads the process environment.
func LoadConfigFromEnv() (Config, error) { return LoadConfig(os.LookupEnv) }

// Setting is one variable's effective value as the start-up log shows it.
type Setting struct {
	Name, Value string
}

// Effective lists every variable's effective value, in README order, with the passwords of
// database URLs masked.
func (c Config) Effective() []Setting {
	out := make([]Setting, 0, len(Variables))
	for _, v := range Variables {
		out = append(out, Setting{Name: v.Name, Value: v.show(&c)})
	}
	return out
}

// maskURL hides the password of a database URL, in the user part and in a password parameter.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func parseOTLPEndpoint(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	_, err := tracing.TracesURL(v)
	return v, err
}

func parseSamplerArg(v string) (string, error) {
	_, err := tracing.ParseSampler("traceidratio", v)
	return v, err
}

func parseOTelServiceName(v string) (string, error) {
	if v == "" {
		return "", errors.New("must not be empty")
	}
	return v, nil
}

// parseKeysDir accepts an empty value (an ephemeral key) or an existing directory.
func parseKeysDir(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	info, err := os.Stat(v)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return "", fmt.Errorf("%q is not a readable directory (%w)", v, err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("%q is not a directory", v)
	}
	return v, nil
}

// parseKID accepts an empty value (no key directory) or a well-formed kid.
func parseKID(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if err := token.ValidateKID(v); err != nil {
		return "", err
	}
	return v, nil
}

// parseClaimValue accepts 1 to 256 visible ASCII characters: a claim every token carries and
// every verification compares, where a control character or a look-alike would be a trap.
func parseClaimValue(v string) (string, error) {
	if v == "" || len(v) > 256 || strings.ContainsFunc(v, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return "", fmt.Errorf("%q is not 1 to 256 visible ASCII characters", v)
	}
	return v, nil
}

// parseDurationIn accepts a Go duration from lo to hi. A value below lo is refused rather than
// rounded: a cache TTL of 50ns panics deep in the cache, a poll interval under 1ms is refused by
// the queue library, and neither should get that far.
func parseDurationIn(lo, hi time.Duration) func(string) (time.Duration, error) {
	return func(v string) (time.Duration, error) {
		d, err := time.ParseDuration(v)
		if err != nil || d < lo || d > hi {
			return 0, fmt.Errorf("%q is not a duration from %s to %s", v, shortDuration(lo), shortDuration(hi))
		}
		return d, nil
	}
}

// parseStatementTimeout accepts whole milliseconds from 1ms to MaxDuration: PostgreSQL counts
// statement_timeout in milliseconds, and 0 there means no timeout at all, which is what a value
// under 1ms would silently become.
func parseStatementTimeout(v string) (time.Duration, error) {
	d, err := parseDurationIn(time.Millisecond, MaxDuration)(v)
	if err != nil {
		return 0, err
	}
	if d%time.Millisecond != 0 {
		return 0, fmt.Errorf("%q is not a whole number of milliseconds (PostgreSQL's unit)", v)
	}
	return d, nil
}

// shortDuration renders d without zero trailing units: 24h, 10m, 100ms.
func shortDuration(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// parseInt accepts decimal digits only (no sign, no spaces inside) between lo and hi.
func parseInt[T int | int32](lo, hi int) func(string) (T, error) {
	return func(v string) (T, error) {
		n, err := strconv.Atoi(v)
		if err != nil || !allDigits(v) || n < lo || n > hi {
			return 0, fmt.Errorf("%q is not an integer between %d and %d", v, lo, hi)
		}
		return T(n), nil
	}
}

func parseOneOf(allowed ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		v = strings.ToLower(v)
		if !slices.Contains(allowed, v) {
			return "", fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
		}
		return v, nil
	}
}

func parseDatabaseURL(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return "", errors.New("must be a URL such as postgres://user@host:5432/dbname?sslmode=disable")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("port %q is not between 1 and 65535", p)
		}
	}
	return v, nil
}

// parseListenAddr accepts host:port with a numeric port; an empty host listens on every address.
func parseListenAddr(v string) (string, error) {
	bad := fmt.Errorf("%q is not a host:port listen address such as :8080 or 127.0.0.1:8080", v)
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", bad
	}
	n, err := strconv.Atoi(port)
	if err != nil || !allDigits(port) || n < 0 || n > 65535 {
		return "", fmt.Errorf("port %q is not between 0 and 65535", port)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil && !isHostName(host) {
			return "", bad
		}
	}
	return v, nil
}

// parseSize reads decimal digits with an optional K, M or G suffix (powers of 1024), from
// MinBodyLimit to MaxBodyLimit. Anything else (signs, fractions, "MB") is refused rather than
// guessed.
func parseSize(raw string) (int64, error) {
	v := strings.ToUpper(raw)
	bad := fmt.Errorf("%q is not a size from 1K to 1G such as 512K or 1M", raw)
	unit := int64(1)
	if v != "" {
		switch v[len(v)-1] {
		case 'K':
			unit = 1 << 10
		case 'M':
			unit = 1 << 20
		case 'G':
			unit = 1 << 30
		}
		if unit > 1 {
			v = v[:len(v)-1]
		}
	}
	if !allDigits(v) || len(v) > 18 {
		return 0, bad
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 || n > MaxBodyLimit/unit || n*unit < MinBodyLimit {
		return 0, bad
	}
	return n * unit, nil
}

func parseStrategies(v string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(v, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if !slices.Contains(knownStrategies, s) {
			return nil, fmt.Errorf("unknown strategy %q (known: %s)", s, strings.Join(knownStrategies, ", "))
		}
		if slices.Contains(out, s) {
			return nil, fmt.Errorf("strategy %q is listed twice", s)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, errors.New("must list at least one strategy")
	}
	return out, nil
}

func parseHeaderName(v string) (string, error) {
	if v == "" || len(v) > 64 || strings.ContainsFunc(v, notHeaderRune) {
		return "", fmt.Errorf("%q is not a header name of 1 to 64 letters, digits and hyphens", v)
	}
	return v, nil
}

func parseDomain(raw string) (string, error) {
	// Lower-case only ASCII: Unicode folding would turn look-alikes (the Kelvin sign) into letters.
	v := strings.TrimSuffix(strings.ToLower(raw), ".")
	if v == "" {
		return "", nil
	}
	if !isASCII(raw) || !isHostName(v) {
		return "", fmt.Errorf("%q is not a domain name", v)
	}
	return v, nil
}

func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR nor an IP address", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// isHostName reports a lower-case ASCII DNS name: dot-separated labels of a-z, 0-9 and hyphens.
func isHostName(v string) bool {
	if v == "" || len(v) > 253 {
		return false
	}
	for _, label := range strings.Split(v, ".") {
		if label == "" || len(label) > 63 || strings.ContainsFunc(label, notLabelRune) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// notLabelRune reports a rune that cannot appear in a lower-case DNS label.
func notLabelRune(c rune) bool {
	return (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-'
}

// notHeaderRune reports a rune that this service does not accept in a header name.
func notHeaderRune(c rune) bool {
	return notLabelRune(c) && (c < 'A' || c > 'Z')
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
