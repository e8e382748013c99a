package bootstrap

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The per-tenant usage metrics the top reads (adapters/metrics TenantTop).
const (
	topRequestsMetric  = "tenantcore_tenant_top_requests"
	topDBSecondsMetric = "tenantcore_tenant_top_db_seconds"
	otherTenants       = "other"
)

// urlList is a repeatable --url flag.
type urlList []string

func (l *urlList) String() string { return strings.Join(*l, ",") }

func (l *urlList) Set(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL such as http://127.0.0.1:8080", v)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/metrics"
	}
	*l = append(*l, u.String())
	return nil
}

// tenantTop prints the busiest tenants of one or several instances, read from their /metrics and
// summed: who uses the service, and who uses the database.
func (c CLI) tenantTop(ctx context.Context, args []string) error {
	const synopsis = "; usage: tenantcore tenant top [--url URL ...]"
	fs := flag.NewFlagSet("tenant top", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var urls urlList
	fs.Var(&urls, "url", "an instance's base or /metrics URL; repeat for several instances (default http://127.0.0.1:8080)")
	// Not parseArgs: --url is the one flag meant to be given several times.
	if err := fs.Parse(args); err != nil {
		return commandLineError{oneLine(err) + synopsis}
	}
	if fs.NArg() > 0 {
		return commandLineError{fmt.Sprintf("unexpected argument %q", fs.Arg(0)) + synopsis}
	}
	if len(urls) == 0 {
		urls = urlList{"http://127.0.0.1:8080/metrics"}
	}
	requests, dbSeconds := map[string]float64{}, map[string]float64{}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, u := range urls {
		families, err := scrape(ctx, client, u)
		if err != nil {
			return err
		}
		for name, sums := range map[string]map[string]float64{topRequestsMetric: requests, topDBSecondsMetric: dbSeconds} {
			f, ok := families[name]
			if !ok {
				return fmt.Errorf("%s has no %s: is it a tenantcore instance?", u, name)
			}
			for _, m := range f.GetMetric() {
				sums[tenantLabel(m)] += m.GetGauge().GetValue()
			}
		}
	}
	w := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Requests (%d instance(s))\nTENANT_ID\tREQUESTS\tSHARE\n", len(urls))
	writeTop(w, requests, "%.0f")
	fmt.Fprintf(w, "\nTime in tenant transactions\nTENANT_ID\tSECONDS\tSHARE\n")
	writeTop(w, dbSeconds, "%.3f")
	return w.Flush()
}

func scrape(ctx context.Context, client *http.Client, u string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u, err)
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read %s: %s", u, res.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%s is not in the Prometheus text format: %w", u, err)
	}
	return families, nil
}

func tenantLabel(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "tenant_id" {
			return l.GetValue()
		}
	}
	return otherTenants
}

// writeTop lists the tenants heaviest first, "other" last, each with its share of the total.
func writeTop(w io.Writer, sums map[string]float64, format string) {
	var total float64
	tenants := make([]string, 0, len(sums))
	for t, v := range sums {
		total += v
		if t != otherTenants {
			tenants = append(tenants, t)
		}
	}
	slices.SortFunc(tenants, func(a, b string) int {
		if sums[a] != sums[b] {
			if sums[a] > sums[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	if _, ok := sums[otherTenants]; ok {
		tenants = append(tenants, otherTenants)
	}
	for _, t := range tenants {
		share := 0.0
		if total > 0 {
			share = 100 * sums[t] / total
		}
		fmt.Fprintf(w, "%s\t"+format+"\t%.1f%%\n", t, sums[t], share)
	}
}
