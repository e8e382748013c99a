package bootstrap

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Config is the whole configuration, read once from the environment at start.
type Config struct {
	DatabaseURL        string
	DBMaxConns         int32
	DBMinConns         int32
	DBConnectTimeout   time.Duration
	DBStatementTimeout time.Duration

	HTTPAddr              string
	HTTPReadHeaderTimeout time.Duration
	HTTPReadTimeout       time.Duration
	HTTPWriteTimeout      time.Duration
	HTTPIdleTimeout       time.Duration
	HTTPBodyLimit         string
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

	JWTKeysDir   string
	JWTActiveKID string
	JWTTTL       time.Duration
	JWTIssuer    string
	JWTAudience  string
}

// Variable is one configuration variable: its name, default and meaning. The README's table is
// this list.
type Variable struct {
	Name, Default, Help string
}

// Variables lists every variable Config reads, in README order.
var Variables = []Variable{
	{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tenantcore?sslmode=disable", "PostgreSQL URL of the login role (owner of the schema); serving connections switch to tenantcore_app"},
	{"DB_MAX_CONNS", "16", "maximum connections of the serving pool"},
	{"DB_MIN_CONNS", "2", "connections kept open when idle"},
	{"DB_CONNECT_TIMEOUT", "3s", "timeout to establish one database connection"},
	{"DB_STATEMENT_TIMEOUT", "5s", "PostgreSQL statement_timeout of serving connections"},
	{"HTTP_ADDR", ":8080", "listen address"},
	{"HTTP_READ_HEADER_TIMEOUT", "5s", "time allowed to read request headers"},
	{"HTTP_READ_TIMEOUT", "15s", "time allowed to read a whole request"},
	{"HTTP_WRITE_TIMEOUT", "30s", "time allowed to write a response"},
	{"HTTP_IDLE_TIMEOUT", "60s", "keep-alive idle timeout"},
	{"HTTP_BODY_LIMIT", "1M", "largest request body (K, M, G suffixes)"},
	{"REQUEST_TIMEOUT", "10s", "deadline of each request's work; past it the answer is 503"},
	{"SHUTDOWN_TIMEOUT", "15s", "how long SIGTERM waits for in-flight requests"},
	{"LOG_LEVEL", "info", "debug, info, warn or error"},
	{"LOG_FORMAT", "json", "json or console"},
	{"TENANT_STRATEGIES", "header,subdomain,path,token", "ordered tenant resolution strategies (header, subdomain, path, token)"},
	{"TENANT_HEADER", "X-Tenant-ID", "header carrying a tenant slug or UUID"},
	{"TENANT_BASE_DOMAIN", "", "base domain of the subdomain strategy (acme.<domain>); empty disables it"},
	{"TRUSTED_PROXIES", "", "comma-separated CIDRs or IPs whose X-Forwarded-Host is believed"},
	{"TENANT_CACHE_SIZE", "10000", "tenants kept in the in-process cache"},
	{"TENANT_CACHE_TTL", "30s", "how long a cached tenant is served without a database read"},
	{"TENANT_NEGATIVE_TTL", "5s", "how long an unknown tenant identifier is remembered as unknown"},
	{"JWT_KEYS_DIR", "", "directory of Ed25519 PEM keys, file name = kid; empty: an ephemeral key"},
	{"JWT_ACTIVE_KID", "", "kid of the signing key in JWT_KEYS_DIR"},
	{"JWT_TTL", "15m", "lifetime of access tokens"},
	{"JWT_ISSUER", "tenantcore", "iss claim issued and required"},
	{"JWT_AUDIENCE", "tenantcore-api", "aud claim issued and required"},
}

var knownStrategies = []string{"header", "subdomain", "path", "token"}

// LoadConfig reads the environment. The error names the first bad variable and what is wrong, on
// one line.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	r := reader{lookup: lookup}
	c := Config{
		DatabaseURL:           r.databaseURL("DATABASE_URL"),
		DBMaxConns:            int32(r.intRange("DB_MAX_CONNS", 1, 1000)), //nolint:gosec // bounded above
		DBMinConns:            int32(r.intRange("DB_MIN_CONNS", 0, 1000)), //nolint:gosec // bounded above
		DBConnectTimeout:      r.duration("DB_CONNECT_TIMEOUT"),
		DBStatementTimeout:    r.duration("DB_STATEMENT_TIMEOUT"),
		HTTPAddr:              r.addr("HTTP_ADDR"),
		HTTPReadHeaderTimeout: r.duration("HTTP_READ_HEADER_TIMEOUT"),
		HTTPReadTimeout:       r.duration("HTTP_READ_TIMEOUT"),
		HTTPWriteTimeout:      r.duration("HTTP_WRITE_TIMEOUT"),
		HTTPIdleTimeout:       r.duration("HTTP_IDLE_TIMEOUT"),
		HTTPBodyLimit:         r.size("HTTP_BODY_LIMIT"),
		RequestTimeout:        r.duration("REQUEST_TIMEOUT"),
		ShutdownTimeout:       r.duration("SHUTDOWN_TIMEOUT"),
		LogLevel:              r.oneOf("LOG_LEVEL", "debug", "info", "warn", "error"),
		LogFormat:             r.oneOf("LOG_FORMAT", "json", "console"),
		TenantStrategies:      r.strategies("TENANT_STRATEGIES"),
		TenantHeader:          r.headerName("TENANT_HEADER"),
		TenantBaseDomain:      r.domain("TENANT_BASE_DOMAIN"),
		TrustedProxies:        r.prefixes("TRUSTED_PROXIES"),
		TenantCacheSize:       r.intRange("TENANT_CACHE_SIZE", 1, 10_000_000),
		TenantCacheTTL:        r.duration("TENANT_CACHE_TTL"),
		TenantNegativeTTL:     r.duration("TENANT_NEGATIVE_TTL"),
		JWTKeysDir:            r.str("JWT_KEYS_DIR"),
		JWTActiveKID:          r.str("JWT_ACTIVE_KID"),
		JWTTTL:                r.duration("JWT_TTL"),
		JWTIssuer:             r.nonEmpty("JWT_ISSUER"),
		JWTAudience:           r.nonEmpty("JWT_AUDIENCE"),
	}
	if r.err == nil && c.DBMinConns > c.DBMaxConns {
		r.fail("DB_MIN_CONNS", "must not exceed DB_MAX_CONNS")
	}
	if r.err == nil && (c.JWTKeysDir == "") != (c.JWTActiveKID == "") {
		r.fail("JWT_ACTIVE_KID", "JWT_KEYS_DIR and JWT_ACTIVE_KID are set together or not at all")
	}
	return c, r.err
}

// LoadConfigFromEnv reads the process environment.
func LoadConfigFromEnv() (Config, error) { return LoadConfig(os.LookupEnv) }

// reader keeps the first error so that LoadConfig reads like a declaration.
type reader struct {
	lookup func(string) (string, bool)
	err    error
}

func (r *reader) fail(name, why string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: %s", name, why)
	}
}

func (r *reader) raw(name string) string {
	if v, ok := r.lookup(name); ok {
		return strings.TrimSpace(v)
	}
	for _, v := range Variables {
		if v.Name == name {
			return v.Default
		}
	}
	panic("config: unknown variable " + name)
}

func (r *reader) str(name string) string { return r.raw(name) }

func (r *reader) nonEmpty(name string) string {
	v := r.raw(name)
	if v == "" {
		r.fail(name, "must not be empty")
	}
	return v
}

func (r *reader) duration(name string) time.Duration {
	v := r.raw(name)
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.fail(name, fmt.Sprintf("%q is not a positive duration such as 5s or 2m", v))
	}
	return d
}

func (r *reader) intRange(name string, lo, hi int) int {
	v := r.raw(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, fmt.Sprintf("%q is not an integer between %d and %d", v, lo, hi))
	}
	return n
}

func (r *reader) oneOf(name string, allowed ...string) string {
	v := strings.ToLower(r.raw(name))
	if !slices.Contains(allowed, v) {
		r.fail(name, fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", ")))
	}
	return v
}

func (r *reader) databaseURL(name string) string {
	v := r.raw(name)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		r.fail(name, "must be a URL such as postgres://user@host:5432/dbname?sslmode=disable")
	}
	return v
}

func (r *reader) addr(name string) string {
	v := r.raw(name)
	_, port, err := net.SplitHostPort(v)
	if err != nil || port == "" {
		r.fail(name, fmt.Sprintf("%q is not a host:port listen address such as :8080", v))
	}
	return v
}

func (r *reader) size(name string) string {
	v := strings.ToUpper(r.raw(name))
	num := strings.TrimRight(v, "KMG")
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || len(v)-len(num) > 1 {
		r.fail(name, fmt.Sprintf("%q is not a size such as 512K or 1M", v))
	}
	return v
}

func (r *reader) strategies(name string) []string {
	var out []string
	for _, s := range strings.Split(r.raw(name), ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if !slices.Contains(knownStrategies, s) {
			r.fail(name, fmt.Sprintf("unknown strategy %q (known: %s)", s, strings.Join(knownStrategies, ", ")))
		}
		if slices.Contains(out, s) {
			r.fail(name, fmt.Sprintf("strategy %q is listed twice", s))
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		r.fail(name, "must list at least one strategy")
	}
	return out
}

func (r *reader) headerName(name string) string {
	v := r.raw(name)
	if v == "" || strings.ContainsFunc(v, notHeaderRune) {
		r.fail(name, fmt.Sprintf("%q is not a header name", v))
	}
	return v
}

func (r *reader) domain(name string) string {
	raw := r.raw(name)
	// Lower-case only ASCII: Unicode folding would turn look-alikes (the Kelvin sign) into letters.
	v := strings.TrimSuffix(strings.ToLower(raw), ".")
	if v == "" {
		return ""
	}
	for _, label := range strings.Split(v, ".") {
		if label == "" || len(label) > 63 || strings.ContainsFunc(label, notLabelRune) || !isASCII(raw) {
			r.fail(name, fmt.Sprintf("%q is not a domain name", v))
			break
		}
	}
	return v
}

func (r *reader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range strings.Split(r.raw(name), ",") {
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
			r.fail(name, fmt.Sprintf("%q is neither a CIDR nor an IP address", s))
			continue
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out
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
