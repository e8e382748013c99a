package tenantdata_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantcore/tenantcore/adapters/postgres"
	"github.com/tenantcore/tenantcore/adapters/postgres/pgtest"
	"github.com/tenantcore/tenantcore/adapters/postgres/tenantdata"
	"github.com/tenantcore/tenantcore/adapters/postgres/userdb"
	"github.com/tenantcore/tenantcore/domain/tenant"
	"github.com/tenantcore/tenantcore/domain/tenant/tenanttest"
	"github.com/tenantcore/tenantcore/ports"
)

// BenchmarkTenantDataExportImport exports a tenant of 10,000 and of 1,000,000 rows (a quarter each
// in users, notifications, attachments and queued jobs) to a file, then imports the file into a
// fresh database, and reports rows per second and the process's peak resident memory of each.
// make bench runs it once (-benchtime 1x); make test never runs benchmarks.
func BenchmarkTenantDataExportImport(b *testing.B) {
	for _, rows := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			ctx := context.Background()
			w := newWorld(b)
			w.seed("small", 10)
			w.seed("bulk", rows/4)
			file := filepath.Join(b.TempDir(), "bulk.tar")
			fresh := pgtest.New(b)
			fresh.Migrate(b, attachmentsTable()...)
			target := adminDB(b, fresh)
			b.ResetTimer()
			for range b.N {
				resetPeakRSS(b)
				start := time.Now()
				f, err := os.Create(file)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tenantdata.NewExporter(w.admin).Export(ctx, "bulk", f, nil); err != nil {
					b.Fatal(err)
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
				exportSecs := time.Since(start).Seconds()
				exportRSS := peakRSS(b)

				resetPeakRSS(b)
				start = time.Now()
				in, err := os.Open(file)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tenantdata.NewImporter(target).Import(ctx, bufio.NewReader(in), "", nil); err != nil {
					b.Fatal(err)
				}
				_ = in.Close()
				importSecs := time.Since(start).Seconds()
				b.ReportMetric(float64(rows)/exportSecs, "export-rows/s")
				b.ReportMetric(exportRSS, "export-peak-RSS-MiB")
				b.ReportMetric(float64(rows)/importSecs, "import-rows/s")
				b.ReportMetric(peakRSS(b), "import-peak-RSS-MiB")
				if st, err := os.Stat(file); err == nil {
					b.ReportMetric(float64(st.Size())/float64(rows), "archive-bytes/row")
				}
			}
		})
	}
}

// BenchmarkTenantDataEraseUnderLoad erases a tenant of 100,000 rows while four clients list
// another tenant's users without pause, then lets the same clients run as long again with nothing
// else going on, and reports that tenant's p99 latency in both phases and their ratio.
func BenchmarkTenantDataEraseUnderLoad(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b)
	w.seed("busy", 1000)
	serving := w.db.ServingDB(b)
	busy, err := postgres.NewTenantStore(serving).TenantBySlug(ctx, mustSlug(b, "busy"))
	if err != nil {
		b.Fatal(err)
	}
	tc := tenanttest.Context(b, busy)
	store := userdb.NewStore(serving)
	load := func(stop <-chan struct{}) []time.Duration {
		var mu sync.Mutex
		var all []time.Duration
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				var mine []time.Duration
				for {
					select {
					case <-stop:
						mu.Lock()
						all = append(all, mine...)
						mu.Unlock()
						return
					default:
					}
					start := time.Now()
					if _, err := store.ListForTenant(ctx, tc, ports.PageRequest{Limit: 20}); err != nil {
						b.Error(err)
					}
					mine = append(mine, time.Since(start))
				}
			})
		}
		wg.Wait()
		return all
	}
	b.ResetTimer()
	for i := range b.N {
		slug := "leaving-" + strconv.Itoa(i)
		w.seed(slug, 25_000) // 100,000 rows
		stop := make(chan struct{})
		done := make(chan []time.Duration)
		go func() { done <- load(stop) }()
		start := time.Now()
		_, err := tenantdata.NewEraser(w.admin).Erase(ctx, tenantdata.EraseRequest{Slug: slug, Confirm: slug, By: "bench", Reason: "benchmark"}, nil)
		took := time.Since(start)
		close(stop)
		during := <-done
		if err != nil {
			b.Fatal(err)
		}

		stop = make(chan struct{})
		go func() { done <- load(stop) }()
		time.Sleep(took)
		close(stop)
		idle := <-done

		b.ReportMetric(100_000/took.Seconds(), "erase-rows/s")
		b.ReportMetric(ms(p99(idle)), "p99-idle-ms")
		b.ReportMetric(ms(p99(during)), "p99-erasing-ms")
		b.ReportMetric(float64(p99(during))/float64(p99(idle)), "p99-ratio")
		b.ReportMetric(float64(len(during))/float64(len(idle)), "throughput-ratio")
	}
}

func mustSlug(b *testing.B, s string) tenant.Slug {
	slug, err := tenant.ParseSlug(s)
	if err != nil {
		b.Fatal(err)
	}
	return slug
}

func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)*99/100]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// resetPeakRSS starts a new high-water mark of resident memory (Linux: clear_refs 5).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS on this system: %v", err)
	}
}

// peakRSS is the high-water mark of resident memory since the last reset, in MiB.
func peakRSS(b *testing.B) float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range bytes.Lines(status) {
		if rest, ok := strings.CutPrefix(string(line), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
