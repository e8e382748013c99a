package loadbench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The load generator runs in a child process (this test binary, re-executed), so that the
// server's allocation counts are its own and not the client's.
const loadgenEnv = "TENANTCORE_LOADGEN"

// loadSpec is what the parent asks of the child.
type loadSpec struct {
	URL      string        `json:"url"`
	Headers  [][][2]string `json:"headers"` // one header set per request in rotation
	Conns    int           `json:"conns"`
	Duration time.Duration `json:"duration"`
}

// loadResult is what the child reports.
type loadResult struct {
	Requests  int     `json:"requests"`
	Failures  int     `json:"failures"`
	Seconds   float64 `json:"seconds"`
	Latencies []int32 `json:"latencies_us"`
	FirstFail string  `json:"first_fail,omitempty"`
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(loadgenEnv); spec != "" {
		os.Exit(generateLoad(spec))
	}
	os.Exit(m.Run())
}

func generateLoad(raw string) int {
	var spec loadSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConns: spec.Conns, MaxIdleConnsPerHost: spec.Conns, DisableCompression: true,
	}, Timeout: 30 * time.Second}
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(spec.Duration)
	for w := range spec.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]int32, 0, 1<<14)
			var n, fails int
			var firstFail string
			for i := w; time.Now().Before(deadline); i += spec.Conns {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, spec.URL, nil)
				for _, h := range spec.Headers[i%len(spec.Headers)] {
					req.Header.Set(h[0], h[1])
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				lat = append(lat, int32(time.Since(t0).Microseconds()))
				n++
				if err != nil || resp.StatusCode != http.StatusOK {
					fails++
					if firstFail == "" {
						firstFail = fmt.Sprint(err)
						if err == nil {
							firstFail = resp.Status
						}
					}
				}
			}
			mu.Lock()
			res.Requests += n
			res.Failures += fails
			res.Latencies = append(res.Latencies, lat...)
			if res.FirstFail == "" {
				res.FirstFail = firstFail
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Seconds = time.Since(start).Seconds()
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}

// runLoad runs one phase in a child process.
func runLoad(b *testing.B, spec loadSpec) loadResult {
	b.Helper()
	raw, err := json.Marshal(spec)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), loadgenEnv+"="+string(raw), "GOMAXPROCS=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		b.Fatalf("load generator: %v: %s", err, errOut.String())
	}
	var res loadResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		b.Fatalf("load generator output: %v: %s", err, out.String())
	}
	if res.Failures > 0 {
		b.Fatalf("%d of %d requests to %s failed, first: %s", res.Failures, res.Requests, spec.URL, res.FirstFail)
	}
	return res
}

// summary aggregates the phases of one variant.
type summary struct {
	name           string
	requests       int
	seconds        float64
	latencies      []int32
	serverMallocs  uint64
	serverBytes    uint64
	serverRequests int
	postgres       time.Duration
	server         time.Duration
}

func (s *summary) add(r loadResult, mallocs, bytes uint64, postgres, server time.Duration) {
	s.serverBytes += bytes
	s.server += server
	s.requests += r.Requests
	s.seconds += r.Seconds
	s.latencies = append(s.latencies, r.Latencies...)
	s.serverMallocs += mallocs
	s.serverRequests += r.Requests
	s.postgres += postgres
}

// serverPerRequest is the server process's CPU time per request, in microseconds.
func (s *summary) serverPerRequest() float64 {
	return float64(s.server.Microseconds()) / float64(s.requests)
}

// postgresPerRequest is the database's CPU time per request, in microseconds.
func (s *summary) postgresPerRequest() float64 {
	return float64(s.postgres.Microseconds()) / float64(s.serverRequests)
}

func (s *summary) rps() float64 { return float64(s.requests) / s.seconds }

func (s *summary) quantile(q float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	slices.Sort(s.latencies)
	i := min(int(q*float64(len(s.latencies))), len(s.latencies)-1)
	return time.Duration(s.latencies[i]) * time.Microsecond
}

func (s *summary) allocsPerRequest() float64 {
	return float64(s.serverMallocs) / float64(s.serverRequests)
}

// kilobytesPerRequest is what the server allocated per request, in KB.
func (s *summary) kilobytesPerRequest() float64 {
	if s.serverRequests == 0 {
		return 0
	}
	return float64(s.serverBytes) / 1000 / float64(s.serverRequests)
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}
