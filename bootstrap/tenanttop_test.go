package bootstrap_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantcore/tenantcore/bootstrap"
)

// A flood of one tenant among 1,000 active tenants: at /metrics it is the first tenant on both
// per-tenant measures, neither metric has more than K+1 tenant label values, and `tenant top`
// reading the instance (twice, as two instances) names it first.
func TestTenantTopNamesTheNoisyNeighbour(t *testing.T) {
	const k, tenants = 5, 1000
	s := startService(t, map[string]string{"TENANT_TOP_K": fmt.Sprint(k)})
	s.cli("", "dev", "seed", "--tenants", fmt.Sprint(tenants), "--users-per-tenant", "1", "--prefix", "top")
	noisy := s.createTenant("noisy")
	s.createUser("noisy", "ada@noisy.test", "noisy password 123")
	token := s.login("noisy", "ada@noisy.test", "noisy password 123")

	// Every tenant is active: one request each, resolved through the database once.
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < tenants; i += 8 {
				r := s.do(http.MethodGet, "/api/v1/tenant", "", fmt.Sprintf("X-Tenant-ID: top-%05d", i+1))
				assert.Equal(t, http.StatusOK, r.status)
			}
		})
	}
	wg.Wait()
	for range 200 {
		r := s.do(http.MethodGet, "/api/v1/users?limit=5", "", "Authorization: Bearer "+token, "X-Tenant-ID: noisy")
		require.Equal(t, http.StatusOK, r.status)
	}

	res, err := s.client.Get(s.base + "/metrics") //nolint:noctx // a test's plain scrape
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	for _, name := range []string{"tenantcore_tenant_top_requests", "tenantcore_tenant_top_db_seconds"} {
		f := families[name]
		require.NotNil(t, f, name)
		assert.LessOrEqual(t, len(f.GetMetric()), k+1, "%s: tenant label values", name)
		var first string
		var best float64
		for _, m := range f.GetMetric() {
			if v := m.GetGauge().GetValue(); m.GetLabel()[0].GetValue() != "other" && v > best {
				first, best = m.GetLabel()[0].GetValue(), v
			}
		}
		assert.Equal(t, noisy.ID, first, "%s: the flood comes first", name)
	}

	out := s.cli("", "tenant", "top", "--url", s.base, "--url", s.base+"/metrics")
	t.Logf("tenant top:\n%s", out)
	lines := strings.Split(out, "\n")
	require.GreaterOrEqual(t, len(lines), 3, out)
	assert.Equal(t, "Requests (2 instance(s))", lines[0])
	assert.True(t, strings.HasPrefix(lines[2], noisy.ID+" "), "the noisy tenant heads the list:\n%s", out)
	assert.Contains(t, out, "\nother ")
}

// `tenant top` refuses what it cannot read with one line naming the URL, and a malformed URL as
// a usage error.
func TestTenantTopRefusals(t *testing.T) {
	s := startService(t, nil)
	notPrometheus := s.base + "/healthz"
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--url", "ftp://example.com"}, 2, `"ftp://example.com" is not an http(s) URL`},
		{[]string{"--url", s.base, "extra"}, 2, "usage: tenantcore tenant top"},
		{[]string{"--url", "http://127.0.0.1:1"}, 1, "read http://127.0.0.1:1/metrics"},
		{[]string{"--url", s.base + "/nowhere"}, 1, "read " + s.base + "/nowhere: 404"},
		{[]string{"--url", notPrometheus}, 1, notPrometheus},
	} {
		var out, errOut bytes.Buffer
		code := bootstrap.CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Lookup: lookup(s.env)}.
			Main(append([]string{"tenant", "top"}, tt.args...))
		assert.Equal(t, tt.code, code, "%v: %s", tt.args, errOut.String())
		assert.Contains(t, errOut.String(), tt.want, "%v", tt.args)
		assert.Empty(t, out.String(), "%v: nothing half-written", tt.args)
		if tt.code == 1 {
			assert.Equal(t, 1, strings.Count(errOut.String(), "\n"), "one line: %q", errOut.String())
		}
	}
}
